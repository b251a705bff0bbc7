/**
 * Physical and numerical constants of sncosmo's synthetic photometry (docs/spec/salt2.md §2), with the
 * exact floating-point values astropy produces, so that band fluxes agree to rounding.
 */

/** Planck constant, erg s (CODATA 2018). */
export const H_ERG_S = 6.62607015e-27;
/** Speed of light in Å/s as astropy converts it (`const.c.to(u.AA / u.s)`), one ulp below 2.99792458e18. */
export const C_AA_PER_S = 2.9979245799999995e18;
/** h·c in erg Å, computed as the floating product (1.9864458571489284e-8). */
export const HC_ERG_AA = H_ERG_S * C_AA_PER_S;
/** AB magnitude 0: f_ν = 3631 Jy, in erg s⁻¹ cm⁻² Hz⁻¹. */
export const AB_FNU_CGS = 3631e-23;

/** Target spacing (Å) of the model band-flux integration grid (MODEL_BANDFLUX_SPACING). */
export const MODEL_BANDFLUX_SPACING = 5.0;
/** Target spacing (Å) of the zero-point and effective-wavelength grid (SPECTRUM_BANDFLUX_SPACING). */
export const SPECTRUM_BANDFLUX_SPACING = 1.0;
/** Bandpass trim level relative to the peak transmission (BANDPASS_TRIM_LEVEL). */
export const BANDPASS_TRIM_LEVEL = 0.001;
/** astropy's nm → Å factor (1e-9 / 1e-10 evaluated in its unit algebra), not exactly 10. */
export const NM_TO_AA = 9.999999999999998;

/** SALT2 template files are in units of 1e-12 erg s⁻¹ cm⁻² Å⁻¹ for x0 = 1 (docs/spec/salt2.md §1.2). */
export const SALT2_FLUX_SCALE = 1e-12;
/** Colour-law reference wavelengths B and V (Å), fixed by the SALT2 definition (§1.4). */
export const SALT2_B_WAVE = 4302.57;
export const SALT2_V_WAVE = 5428.55;
