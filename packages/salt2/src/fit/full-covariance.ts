/**
 * χ² with a full data covariance C = diag(σ²) + C_model (docs/spec/salt2.md §4.1–4.2): residuals and
 * Jacobians are whitened by L⁻¹ with C = LLᵀ, so the least-squares machinery is unchanged.
 */
import { cholesky } from "./linalg.js";
import { Salt2Error } from "./errors.js";

export class FullCovariance {
  readonly #n: number;
  readonly #sigma: Float64Array;
  readonly #L: Float64Array;

  constructor(sigma: Float64Array, extra: Float64Array) {
    const n = sigma.length;
    const c = Float64Array.from(extra);
    for (let i = 0; i < n; i++) c[i * n + i] = (c[i * n + i] as number) + (sigma[i] as number) ** 2;
    const L = cholesky(c, n);
    if (L === null) throw new Salt2Error("the data and model covariance is not positive definite");
    this.#n = n;
    this.#sigma = sigma;
    this.#L = L;
  }

  /** Solves L y = b in place (b of stride `stride`, column `col`). */
  #forward(b: Float64Array, stride: number, col: number): void {
    const n = this.#n;
    const L = this.#L;
    for (let i = 0; i < n; i++) {
      let sum = b[i * stride + col] as number;
      for (let k = 0; k < i; k++) sum -= (L[i * n + k] as number) * (b[k * stride + col] as number);
      b[i * stride + col] = sum / (L[i * n + i] as number);
    }
  }

  /**
   * Turns residuals r_i = (f_i − model_i)/σ_i (and ∂r/∂θ, p columns) whitened by the diagonal errors
   * into residuals whitened by the full covariance, in place; returns χ² = rᵀC⁻¹r.
   */
  whiten(r: Float64Array, jac: Float64Array | null, p: number): number {
    const n = this.#n;
    for (let i = 0; i < n; i++) {
      const s = this.#sigma[i] as number;
      r[i] = (r[i] as number) * s;
      if (jac !== null) for (let v = 0; v < p; v++) jac[i * p + v] = (jac[i * p + v] as number) * s;
    }
    this.#forward(r, 1, 0);
    if (jac !== null) for (let v = 0; v < p; v++) this.#forward(jac, p, v);
    let chisq = 0;
    for (const ri of r) chisq += ri * ri;
    return chisq;
  }

  /**
   * Whitens `count` columns of `b` (row stride `stride`) that are whitened by the diagonal errors only
   * (v_i/σ_i) by the full covariance instead (L⁻¹ v), in place.
   */
  whitenColumns(b: Float64Array, stride: number, count: number): void {
    for (let i = 0; i < this.#n; i++) {
      const s = this.#sigma[i] as number;
      for (let k = 0; k < count; k++) b[i * stride + k] = (b[i * stride + k] as number) * s;
    }
    for (let k = 0; k < count; k++) this.#forward(b, stride, k);
  }

  /** C⁻¹(f − model) from fully whitened residuals: L⁻ᵀ r. */
  weights(whitened: Float64Array): Float64Array {
    const n = this.#n;
    const L = this.#L;
    const u = Float64Array.from(whitened);
    for (let i = n - 1; i >= 0; i--) {
      let sum = u[i] as number;
      for (let k = i + 1; k < n; k++) sum -= (L[k * n + i] as number) * (u[k] as number);
      u[i] = sum / (L[i * n + i] as number);
    }
    return u;
  }
}
