/**
 * SALT2 (salt2-4) light-curve model and fitter with sncosmo's answers (docs/spec/salt2.md). The
 * `pgb salt2` commands live in `./cli.ts`, outside this index, so functions do not bundle commander.
 */
export * from "./errors.js";
export * from "./constants.js";
export { Bandpass, bandpassFromText, integrationGrid, type BandpassOptions } from "./bandpass.js";
export { bandpassNames, getBandpass, registerBandpass } from "./bandpass-registry.js";
export { Salt2ColorLaw } from "./color-law.js";
export { parseColorLawFile, parseGrid3, type ColorLawFile, type Grid2D } from "./grid-file.js";
export { BicubicInterpolator } from "./interpolation.js";
export {
  DEFAULT_PARAMS,
  PARAM_NAMES,
  SALT2_4_DIR,
  Salt2Model,
  loadSalt2Model,
  salt2Model,
  type ParamName,
  type Salt2Params,
} from "./model.js";
export { bandflux } from "./bandflux.js";
export {
  PRODUCT_FIT_CONFIG,
  REFERENCE_FIT_CONFIG,
  referenceT0Window,
  type FitConfig,
  type ParamBounds,
} from "./config.js";
export {
  PhotometryError,
  PreparedPhotometry,
  photometryRows,
  type PhotometryColumns,
  type PhotometryPoint,
} from "./photometry.js";
export { autoT0Bounds, guessT0AndAmplitude } from "./guess.js";
export { fitSalt2, type FitResult } from "./fit.js";
export { salt2Row, type Salt2Number, type Salt2Row } from "./row.js";
export {
  MAX_CHISQ_PER_DOF,
  SALT2_QUALITY_ATTRIBUTE,
  salt2FitQuality,
  type Salt2Quality,
  type Salt2QualityReason,
} from "./quality.js";
export { chisq } from "./objective.js";
export { parseLightCurveCsv } from "./csv.js";
export { MIN_DETECTIONS, MIN_MAX_SNR, salt2QualityCuts, type QualityCuts } from "./cuts.js";
export { Salt2ErrorModel, modelCovariance, salt2ErrorModel } from "./model-covariance.js";
