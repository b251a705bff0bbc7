/**
 * SALT2 colour law, version 1 (docs/spec/salt2.md §1.4): CL(λ) = −P(u), u = (λ − B)/(V − B), a polynomial
 * inside [min_lambda, max_lambda] continued linearly (value and slope) outside. The flux multiplier
 * is 10^(−0.4·c·CL(λ)).
 */
import { SALT2_B_WAVE, SALT2_V_WAVE } from "./constants.js";
import type { ColorLawFile } from "./grid-file.js";

export class Salt2ColorLaw {
  /** Polynomial coefficients of P(u) = Σ p[k] u^(k+1), k = 0…n (p[0] = α = 1 − Σ a). */
  readonly #p: Float64Array;
  /** (k+1)·p[k] and (k+1)·k·p[k]: the coefficients of P′ and P″ in `evaluate`'s Horner loops. */
  readonly #dp: Float64Array;
  readonly #ddp: Float64Array;
  readonly #uLo: number;
  readonly #uHi: number;
  readonly #pLo: number;
  readonly #pHi: number;
  readonly #slopeLo: number;
  readonly #slopeHi: number;

  constructor(readonly file: ColorLawFile) {
    const a = file.coefficients;
    this.#p = new Float64Array(a.length + 1);
    this.#p[0] = 1 - a.reduce((s, v) => s + v, 0);
    a.forEach((v, k) => (this.#p[k + 1] = v));
    this.#dp = this.#p.map((v, k) => (k + 1) * v);
    this.#ddp = this.#p.map((v, k) => (k + 1) * k * v);
    this.#uLo = reduced(file.minWave);
    this.#uHi = reduced(file.maxWave);
    this.#pLo = this.#poly(this.#uLo);
    this.#pHi = this.#poly(this.#uHi);
    this.#slopeLo = this.#polyDerivative(this.#uLo);
    this.#slopeHi = this.#polyDerivative(this.#uHi);
  }

  /** P(u) by Horner's rule. */
  #poly(u: number): number {
    const p = this.#p;
    let sum = 0;
    for (let k = p.length - 1; k >= 0; k--) sum = sum * u + (p[k] as number);
    return sum * u;
  }

  /** P′(u) = Σ (k+1) p[k] u^k. */
  #polyDerivative(u: number): number {
    const p = this.#p;
    let sum = 0;
    for (let k = p.length - 1; k >= 0; k--) sum = sum * u + (k + 1) * (p[k] as number);
    return sum;
  }

  /** CL(λ): extinction in magnitudes for c = 1 (CL(B) = 0, CL(V) = −1). */
  value(wave: number): number {
    const u = reduced(wave);
    if (u < this.#uLo) return -(this.#pLo + this.#slopeLo * (u - this.#uLo));
    if (u > this.#uHi) return -(this.#pHi + this.#slopeHi * (u - this.#uHi));
    return -this.#poly(u);
  }

  /** dCL/dλ (Å⁻¹); the one-sided slope at the range ends. */
  derivative(wave: number): number {
    const u = reduced(wave);
    const slope =
      u < this.#uLo ? this.#slopeLo : u > this.#uHi ? this.#slopeHi : this.#polyDerivative(u);
    return -slope / (SALT2_V_WAVE - SALT2_B_WAVE);
  }

  /**
   * CL at each of the first n wavelengths and, when the arrays are given, its first and second
   * wavelength derivatives (the per-z hot path of a fit; derivatives only for the z derivatives, the
   * second only for the Hessian).
   */
  evaluate(
    wave: Float64Array,
    n: number,
    value: Float64Array,
    derivative?: Float64Array,
    second?: Float64Array,
  ): void {
    const p = this.#p;
    const dp = this.#dp;
    const ddp = this.#ddp;
    const m = p.length;
    // Module constants in locals: the loop runs per integration sample at every z change.
    const bWave = SALT2_B_WAVE;
    const scale = 1 / (SALT2_V_WAVE - bWave);
    const uLo = this.#uLo;
    const uHi = this.#uHi;
    // Five terms (α and four coefficients, as salt2-4 has), held in locals.
    const five = m === 5;
    const [p0, p1, p2, p3, p4] = [p[0], p[1], p[2], p[3], p[4]] as unknown as Five;
    const [d0, d1, d2, d3, d4] = [dp[0], dp[1], dp[2], dp[3], dp[4]] as unknown as Five;
    for (let k = 0; k < n; k++) {
      const u = ((wave[k] as number) - bWave) * scale;
      if (u < uLo || u > uHi) {
        const low = u < uLo;
        const slope = low ? this.#slopeLo : this.#slopeHi;
        value[k] = -((low ? this.#pLo : this.#pHi) + slope * (u - (low ? uLo : uHi)));
        if (derivative !== undefined) derivative[k] = -slope * scale;
        if (second !== undefined) second[k] = 0;
      } else if (derivative === undefined) {
        // Horner for P(u)/u.
        let v = 0;
        for (let j = m - 1; j >= 0; j--) v = v * u + (p[j] as number);
        value[k] = -v * u;
      } else if (second === undefined && five) {
        // salt2-4's case, unrolled with the coefficients in registers: a z change's most frequent call.
        value[k] = -((((p4 * u + p3) * u + p2) * u + p1) * u + p0) * u;
        derivative[k] = -((((d4 * u + d3) * u + d2) * u + d1) * u + d0) * scale;
      } else if (second === undefined) {
        // Horner for P(u)/u and P′(u).
        let v = 0;
        let d = 0;
        for (let j = m - 1; j >= 0; j--) {
          v = v * u + (p[j] as number);
          d = d * u + (dp[j] as number);
        }
        value[k] = -v * u;
        derivative[k] = -d * scale;
      } else {
        // Horner for P(u)/u, P′(u) and P″(u) (whose constant term is P's linear one).
        let v = 0;
        let d = 0;
        let dd = 0;
        for (let j = m - 1; j >= 1; j--) {
          v = v * u + (p[j] as number);
          d = d * u + (dp[j] as number);
          dd = dd * u + (ddp[j] as number);
        }
        v = v * u + (p[0] as number);
        d = d * u + (dp[0] as number);
        value[k] = -v * u;
        derivative[k] = -d * scale;
        second[k] = -dd * scale * scale;
      }
    }
  }
}

type Five = readonly [number, number, number, number, number];

function reduced(wave: number): number {
  return (wave - SALT2_B_WAVE) / (SALT2_V_WAVE - SALT2_B_WAVE);
}
