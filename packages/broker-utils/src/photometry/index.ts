/**
 * Photometry: the light-curve epoch (sncosmo convention), mag ↔ flux and jd ↔ mjd conversions,
 * light-curve extraction from alerts and the epochs CSV table.
 */
export * from "./epoch.js";
export {
  fluxToMag,
  jdToMjd,
  magToFlux,
  mjdToJd,
  MAG_TO_FLUX_ERROR,
  MJD_OFFSET,
  type FluxWithError,
  type MagWithError,
} from "./convert.js";
export { epochsToCsv, lightCurve } from "./lightcurve.js";
