/**
 * Typed errors of the SALT2 module. Each maps to one of sncosmo's failure modes (docs/spec/salt2.md §4.10) or
 * to bad input; messages name the input and, where there is one, the fix.
 */

/** Base class: every error thrown by `@pgb/salt2` is one of these. */
export class Salt2Error extends Error {
  override name = "Salt2Error";
}

/** The data cannot support a fit (sncosmo's DataQualityError): no point with S/N above minsnr. */
export class DataQualityError extends Salt2Error {
  override name = "DataQualityError";
}

/** No band of the data overlaps the model's wavelength range (sncosmo's RuntimeError). */
export class NoBandOverlapError extends Salt2Error {
  override name = "NoBandOverlapError";
}

/** Invalid fit configuration (sncosmo's ValueError): unknown or empty parameter list, bad bounds. */
export class FitConfigError extends Salt2Error {
  override name = "FitConfigError";
}

/** A band name that is not registered (see `bandpassNames()`), or a bandpass outside the model. */
export class BandpassError extends Salt2Error {
  override name = "BandpassError";
}

/** A model, bandpass or light-curve file that does not have the expected format. */
export class Salt2FormatError extends Salt2Error {
  override name = "Salt2FormatError";
}
