/**
 * One photometric epoch of a light curve, in sncosmo's table convention: `flux` is in units where a
 * source of AB magnitude m has flux 10^(-0.4 (m - zp)). Light-curve extraction (alerts) produces
 * these and the SALT2 fitter consumes them.
 */
export interface Epoch {
  /** MJD (days). */
  time: number;
  /** sncosmo bandpass name: ztfg, ztfr, ztfi, lsstu … lssty, sdssg … */
  band: string;
  flux: number;
  fluxerr: number;
  zp: number;
  zpsys: "ab";
  /** A detection (positive difference for ZTF); upper limits are not epochs. */
  detection: boolean;
}
