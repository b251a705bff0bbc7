/**
 * Photometric unit conversions. Magnitudes are AB-like with zero point `zp`: a source of magnitude
 * m has flux 10^(-0.4 (m - zp)). Errors propagate to first order: σ_flux = |flux| · σ_mag · ln(10)/2.5
 * (the reference used ln(10/2.5), docs/spec/broker.md §6).
 */

/** ln(10)/2.5 ≈ 0.921: d(flux)/flux per magnitude. */
export const MAG_TO_FLUX_ERROR = Math.LN10 / 2.5;

export const MJD_OFFSET = 2400000.5;

export function jdToMjd(jd: number): number {
  return jd - MJD_OFFSET;
}

export function mjdToJd(mjd: number): number {
  return mjd + MJD_OFFSET;
}

export interface FluxWithError {
  flux: number;
  fluxerr: number;
}

export interface MagWithError {
  mag: number;
  magerr: number;
}

export function magToFlux(mag: number, magerr: number, zp: number): FluxWithError {
  const flux = 10 ** (-0.4 * (mag - zp));
  return { flux, fluxerr: Math.abs(flux) * magerr * MAG_TO_FLUX_ERROR };
}

/** Inverse of magToFlux; a non-positive flux has no magnitude (NaN). */
export function fluxToMag(flux: number, fluxerr: number, zp: number): MagWithError {
  if (!(flux > 0)) return { mag: NaN, magerr: NaN };
  return { mag: zp - 2.5 * Math.log10(flux), magerr: fluxerr / flux / MAG_TO_FLUX_ERROR };
}
