/**
 * Bandpasses as sncosmo builds them (docs/spec/salt2.md §2.1–2.2, §2.4): trimmed at 0.001 of the peak,
 * piecewise-linear transmission that is 0 outside the kept samples, midpoint integration grids, the
 * effective wavelength and the AB zero-point photon flux.
 */
import {
  AB_FNU_CGS,
  BANDPASS_TRIM_LEVEL,
  H_ERG_S,
  NM_TO_AA,
  SPECTRUM_BANDFLUX_SPACING,
} from "./constants.js";
import { BandpassError } from "./errors.js";
import { parseColumns2 } from "./grid-file.js";

/** Bin midpoints of [lo, hi] with the largest spacing ≤ target that divides the range (numpy's arange). */
export function integrationGrid(
  lo: number,
  hi: number,
  targetSpacing: number,
): { wave: Float64Array; spacing: number } {
  const spacing = (hi - lo) / Math.ceil((hi - lo) / targetSpacing);
  const start = lo + 0.5 * spacing;
  // numpy's arange: length ceil((stop − start)/step), element i = start + i·((start + step) − start).
  const n = Math.ceil((hi - start) / spacing);
  const delta = start + spacing - start;
  const wave = new Float64Array(n);
  for (let k = 0; k < n; k++) wave[k] = start + k * delta;
  return { wave, spacing };
}

export interface BandpassOptions {
  /** sncosmo registry name (ztfg, lsstr, …). */
  readonly name: string;
  /** Trim level relative to the peak; `null` keeps every sample. Default 0.001 (sncosmo's registry). */
  readonly trimLevel?: number | null;
}

export class Bandpass {
  readonly name: string;
  /** Kept wavelengths (Å), strictly increasing. */
  readonly wave: Float64Array;
  /** Kept photon transmissions. */
  readonly trans: Float64Array;
  #waveEff: number | undefined;
  #zpAB: number | undefined;

  constructor(wave: ArrayLike<number>, trans: ArrayLike<number>, options: BandpassOptions) {
    this.name = options.name;
    if (wave.length !== trans.length || wave.length < 2) {
      throw new BandpassError(
        `bandpass ${this.name}: wave and trans must have the same length ≥ 2`,
      );
    }
    for (let k = 1; k < wave.length; k++) {
      if (!((wave[k] as number) > (wave[k - 1] as number))) {
        throw new BandpassError(`bandpass ${this.name}: wavelengths must be strictly increasing`);
      }
    }
    let i0 = 0;
    let i1 = wave.length; // exclusive
    const trimLevel = options.trimLevel === undefined ? BANDPASS_TRIM_LEVEL : options.trimLevel;
    if (trimLevel !== null) {
      let peak = -Infinity;
      for (let k = 0; k < trans.length; k++) peak = Math.max(peak, trans[k] as number);
      const min = peak * trimLevel;
      let first = -1;
      let last = -1;
      for (let k = 0; k < trans.length; k++) {
        if ((trans[k] as number) >= min) {
          if (first < 0) first = k;
          last = k;
        }
      }
      i0 = Math.max(first - 1, 0);
      i1 = Math.min(last + 2, wave.length);
    }
    // A run of more than one leading or trailing zero is cut down to a single zero.
    const zeroRun =
      (trans[i0] === 0 && trans[i0 + 1] === 0) || (trans[i1 - 1] === 0 && trans[i1 - 2] === 0);
    if (zeroRun) {
      let i = i0;
      while (i < i1 && trans[i] === 0) i++;
      if (i === i1) throw new BandpassError(`bandpass ${this.name}: all transmissions are zero`);
      let j = i1 - 1;
      while (j >= i0 && trans[j] === 0) j--;
      i0 = i > i0 ? i - 1 : i0;
      i1 = j < i1 - 1 ? j + 2 : i1;
    }
    this.wave = Float64Array.from({ length: i1 - i0 }, (_, k) => wave[i0 + k] as number);
    this.trans = Float64Array.from({ length: i1 - i0 }, (_, k) => trans[i0 + k] as number);
  }

  get minwave(): number {
    return this.wave[0] as number;
  }

  get maxwave(): number {
    return this.wave[this.wave.length - 1] as number;
  }

  /** Photon transmission at wavelength w (Å): linear between samples, 0 outside. */
  transmission(w: number): number {
    const { wave, trans } = this;
    const n = wave.length;
    if (!(w >= (wave[0] as number) && w <= (wave[n - 1] as number))) return 0;
    let lo = 0;
    let hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if ((wave[mid] as number) <= w) lo = mid;
      else hi = mid;
    }
    const w0 = wave[lo] as number;
    const w1 = wave[hi] as number;
    const t = (w - w0) / (w1 - w0);
    return (trans[lo] as number) * (1 - t) + (trans[hi] as number) * t;
  }

  /** Effective wavelength Σ λ T(λ) / Σ T(λ) on the 1 Å midpoint grid (Å). */
  get waveEff(): number {
    if (this.#waveEff === undefined) {
      const { wave } = integrationGrid(this.minwave, this.maxwave, SPECTRUM_BANDFLUX_SPACING);
      let num = 0;
      let den = 0;
      for (const w of wave) {
        const t = this.transmission(w);
        num += w * t;
        den += t;
      }
      this.#waveEff = num / den;
    }
    return this.#waveEff;
  }

  /** Photon flux of an AB magnitude-0 source through the band (photons s⁻¹ cm⁻²). */
  get zpAB(): number {
    if (this.#zpAB === undefined) {
      const { wave, spacing } = integrationGrid(
        this.minwave,
        this.maxwave,
        SPECTRUM_BANDFLUX_SPACING,
      );
      let sum = 0;
      for (const w of wave) sum += this.transmission(w) / w;
      this.#zpAB = ((AB_FNU_CGS * spacing) / H_ERG_S) * sum;
    }
    return this.#zpAB;
  }
}

/** Reads a two-column `wavelength transmission` file; `waveUnit` "nm" converts like astropy. */
export function bandpassFromText(
  text: string,
  options: BandpassOptions & { readonly waveUnit?: "AA" | "nm" },
): Bandpass {
  const { a, b } = parseColumns2(text, `bandpass ${options.name}`);
  if (options.waveUnit === "nm")
    for (let k = 0; k < a.length; k++) a[k] = (a[k] as number) * NM_TO_AA;
  return new Bandpass(a, b, options);
}
