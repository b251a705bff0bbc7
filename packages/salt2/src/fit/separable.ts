/**
 * Variable projection (docs/spec/salt2.md §7.4). For fixed (z, t0, c) the model x0·(b0 + x1·b1) is linear in
 * α = x0 and β = x0·x1, so every evaluation solves the 2 × 2 weighted normal system for them and the
 * minimiser only sees the nonlinear parameters; the curved x0–x1–c valleys of degenerate light curves
 * become flat. The residual Jacobian is the exact one of the reduced problem (Golub–Pereyra):
 * Kaufman's (I − P)·∂r/∂θ, P the projection on the linear columns, plus the term of the optimal α, β
 * moving with θ, which matters when residuals are not small.
 *
 * Bounds on x1 = β/α are respected: the feasible (α, β) form a double cone, so when the unconstrained
 * solution is outside, the optimum lies on one of the lines β = lo·α, β = hi·α (a one-column solve).
 */
import type { FullCovariance } from "./full-covariance.js";
import type { LeastSquaresProblem } from "./levenberg-marquardt.js";
import { BASIS, BASIS_WIDTH, C, T0, X0, X1, Z, wrtOf, type Salt2Objective } from "./objective.js";

/** Which of x0, x1 are solved linearly: neither, x0 (x1 fixed), or both. */
export type LinearSet = 0 | 1 | 2;

/** Relative determinant below which b0 and b1 are treated as collinear. */
const COLLINEAR = 1e-13;

/** The weighted least-squares amplitudes of x0·(b0 + x1·b1) and their χ². */
export interface Amplitudes {
  alpha: number;
  x1: number;
  chisq: number;
  /** Whether α and β = α·x1 were both free (x1 inside its bounds). */
  twoColumns: boolean;
}

/**
 * Best α for the single column u = u0 + x1·u1 (x1 given), from the Gram entries of u0, u1 and their
 * products with the data y (|y|² = yy).
 */
export function solveAmplitude(
  g00: number,
  g01: number,
  g11: number,
  h0: number,
  h1: number,
  yy: number,
  x1: number,
  out: Amplitudes,
): void {
  const uu = g00 + 2 * x1 * g01 + x1 * x1 * g11;
  const uy = h0 + x1 * h1;
  out.alpha = uu > 0 ? uy / uu : 0;
  out.x1 = x1;
  out.chisq = lineChisq(g00, g01, g11, h0, h1, yy, x1);
  out.twoColumns = false;
}

/** χ² of the best α for the single column u0 + x1·u1 (see `solveAmplitude`). */
function lineChisq(
  g00: number,
  g01: number,
  g11: number,
  h0: number,
  h1: number,
  yy: number,
  x1: number,
): number {
  const uu = g00 + 2 * x1 * g01 + x1 * x1 * g11;
  const uy = h0 + x1 * h1;
  return uu > 0 ? yy - (uy * uy) / uu : yy;
}

/** α of the unconstrained solution (both columns free), NaN when b0 and b1 are collinear. */
function freeAlpha(g00: number, g01: number, g11: number, h0: number, h1: number): number {
  const det = g00 * g11 - g01 * g01;
  return det > COLLINEAR * g00 * g11 ? (g11 * h0 - g01 * h1) / det : NaN;
}

/** β of the unconstrained solution (meaningless where `freeAlpha` is NaN). */
function freeBeta(g00: number, g01: number, g11: number, h0: number, h1: number): number {
  return (g00 * h1 - g01 * h0) / (g00 * g11 - g01 * g01);
}

/**
 * Best α, β with lo ≤ β/α ≤ hi from the Gram entries g00, g01, g11, h0, h1 (see `solveAmplitude`):
 * the unconstrained solution when feasible, else the better bounding line. With x1 unbounded and
 * collinear columns, x1 keeps `x1Fallback`.
 */
export function solveAmplitudes(
  g00: number,
  g01: number,
  g11: number,
  h0: number,
  h1: number,
  yy: number,
  lo: number,
  hi: number,
  x1Fallback: number,
  out: Amplitudes,
): void {
  const alpha = freeAlpha(g00, g01, g11, h0, h1);
  const beta = freeBeta(g00, g01, g11, h0, h1);
  const x1 = beta / alpha;
  if (x1 >= lo && x1 <= hi) {
    out.alpha = alpha;
    out.x1 = x1;
    out.chisq = yy - alpha * h0 - beta * h1;
    out.twoColumns = true;
    return;
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    solveAmplitude(g00, g01, g11, h0, h1, yy, x1Fallback, out);
    return;
  }
  const upper = lineChisq(g00, g01, g11, h0, h1, yy, hi) < lineChisq(g00, g01, g11, h0, h1, yy, lo);
  solveAmplitude(g00, g01, g11, h0, h1, yy, upper ? hi : lo, out);
}

/**
 * `solveAmplitudes`' χ² alone (x1Fallback 0), for the profile scan. Its unconstrained solve is written
 * out rather than built on `freeAlpha`: the scan's colour loop inlines it only so, and without the
 * amplitudes' divisions and stores the scan's solves take about two thirds of the time.
 */
export function boundedChisq(
  g00: number,
  g01: number,
  g11: number,
  h0: number,
  h1: number,
  yy: number,
  lo: number,
  hi: number,
): number {
  const det = g00 * g11 - g01 * g01;
  if (det > COLLINEAR * g00 * g11) {
    const alpha = (g11 * h0 - g01 * h1) / det;
    const beta = (g00 * h1 - g01 * h0) / det;
    const x1 = beta / alpha;
    if (x1 >= lo && x1 <= hi) return yy - alpha * h0 - beta * h1;
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return lineChisq(g00, g01, g11, h0, h1, yy, 0);
  const upper = lineChisq(g00, g01, g11, h0, h1, yy, hi);
  const lower = lineChisq(g00, g01, g11, h0, h1, yy, lo);
  return upper < lower ? upper : lower;
}

export class SeparableProblem implements LeastSquaresProblem {
  readonly nResiduals: number;
  readonly nParams: number;
  readonly #objective: Salt2Objective;
  readonly #full: FullCovariance | undefined;
  /** θ = [z, t0, x0, x1, c]: fixed values, and the last evaluation's. */
  readonly #theta: Float64Array;
  /** θ of the last accepted evaluation. */
  readonly #accepted: Float64Array;
  readonly #nonlinear: Int32Array;
  readonly #linear: LinearSet;
  readonly #x1lo: number;
  readonly #x1hi: number;
  readonly #wrt: number;
  /** Whitened data y and basis (rows of BASIS_WIDTH). */
  readonly #y: Float64Array;
  readonly #yy: number;
  readonly #w: Float64Array;
  /** Whether the last linear solve had both α and β free (else one column u0 + x1·u1). */
  #twoColumns = false;
  readonly #amplitudes: Amplitudes = { alpha: 0, x1: 0, chisq: 0, twoColumns: false };

  /**
   * `nonlinear` lists the θ indices the minimiser varies (in its parameter order); `linear` which of
   * x0, x1 are solved at each evaluation; `x1Bounds` the bounds of x1 when it is solved.
   */
  constructor(
    objective: Salt2Objective,
    theta: Float64Array,
    nonlinear: Int32Array,
    linear: LinearSet,
    x1Bounds: readonly [number, number],
    full?: FullCovariance,
  ) {
    const n = objective.length;
    this.nResiduals = n;
    this.nParams = nonlinear.length;
    this.#objective = objective;
    this.#full = full;
    this.#theta = Float64Array.from(theta);
    this.#accepted = Float64Array.from(theta);
    this.#nonlinear = nonlinear;
    this.#linear = linear;
    [this.#x1lo, this.#x1hi] = x1Bounds;
    this.#wrt = wrtOf(nonlinear);
    this.#w = new Float64Array(n * BASIS_WIDTH);
    const { flux } = objective.data;
    const invErr = objective.invErr;
    this.#y = Float64Array.from(flux, (f, i) => f * (invErr[i] as number));
    full?.whitenColumns(this.#y, 1, 1);
    let yy = 0;
    for (const v of this.#y) yy += v * v;
    this.#yy = yy;
  }

  /** θ of the last accepted evaluation (after `evaluate` at a start, then `accept`). */
  get theta(): Float64Array {
    return this.#accepted;
  }

  accept(): void {
    this.#accepted.set(this.#theta);
  }

  evaluate(x: Float64Array, r: Float64Array, jac: Float64Array | null): number {
    const theta = this.#theta;
    const nonlinear = this.#nonlinear;
    const p = nonlinear.length;
    for (let v = 0; v < p; v++) theta[nonlinear[v] as number] = x[v] as number;
    const n = this.nResiduals;
    const B = this.#objective.basis(
      theta[Z] as number,
      theta[T0] as number,
      theta[C] as number,
      jac === null ? 0 : 1,
      this.#wrt,
    );
    const W = this.#w;
    const invErr = this.#objective.invErr;
    const width = jac === null ? 2 : BASIS_WIDTH;
    for (let i = 0; i < n; i++) {
      const w = invErr[i] as number;
      const o = i * BASIS_WIDTH;
      for (let k = 0; k < width; k++) W[o + k] = (B[o + k] as number) * w;
    }
    this.#full?.whitenColumns(W, BASIS_WIDTH, width);
    this.#solveLinear();
    const alpha = theta[X0] as number;
    const beta = alpha * (theta[X1] as number);
    const y = this.#y;
    let chisq = 0;
    for (let i = 0; i < n; i++) {
      const o = i * BASIS_WIDTH;
      const ri = (y[i] as number) - alpha * (W[o] as number) - beta * (W[o + 1] as number);
      r[i] = ri;
      chisq += ri * ri;
    }
    if (jac !== null) this.#jacobian(jac, r, alpha, beta);
    return chisq;
  }

  /** Sets θ's x0 and x1 to the weighted least-squares optimum at the current basis. */
  #solveLinear(): void {
    const theta = this.#theta;
    this.#twoColumns = false;
    if (this.#linear === 0) return;
    const W = this.#w;
    const y = this.#y;
    const n = this.nResiduals;
    let g00 = 0;
    let g01 = 0;
    let g11 = 0;
    let h0 = 0;
    let h1 = 0;
    for (let i = 0; i < n; i++) {
      const o = i * BASIS_WIDTH;
      const u0 = W[o] as number;
      const u1 = W[o + 1] as number;
      const yi = y[i] as number;
      g00 += u0 * u0;
      g01 += u0 * u1;
      g11 += u1 * u1;
      h0 += u0 * yi;
      h1 += u1 * yi;
    }
    const fit = this.#amplitudes;
    if (this.#linear === 1) {
      solveAmplitude(g00, g01, g11, h0, h1, this.#yy, theta[X1] as number, fit);
    } else {
      const x1Fallback = this.#accepted[X1] as number;
      solveAmplitudes(g00, g01, g11, h0, h1, this.#yy, this.#x1lo, this.#x1hi, x1Fallback, fit);
    }
    theta[X0] = fit.alpha;
    theta[X1] = fit.x1;
    this.#twoColumns = fit.twoColumns;
  }

  /**
   * The Jacobian of the reduced residuals r = y − U·λ*(θ) in the nonlinear parameters, U the linear
   * columns (u0, u1, or u0 + x1·u1 with x1 fixed or on a bound): d = −(α ∂u0 + β ∂u1) minus
   * U (UᵀU)⁻¹ (Uᵀd + ∂Uᵀr).
   */
  #jacobian(jac: Float64Array, r: Float64Array, alpha: number, beta: number): void {
    const W = this.#w;
    const n = this.nResiduals;
    const nonlinear = this.#nonlinear;
    const p = nonlinear.length;
    const x1 = this.#theta[X1] as number;
    for (let i = 0; i < n; i++) {
      const o = i * BASIS_WIDTH;
      for (let v = 0; v < p; v++) {
        const k = nonlinear[v] as number;
        let d: number;
        if (k === X0) d = (W[o] as number) + x1 * (W[o + 1] as number);
        else if (k === X1) d = alpha * (W[o + 1] as number);
        else {
          const col = o + (k === Z ? BASIS.Z : k === T0 ? BASIS.T0 : BASIS.C);
          d = alpha * (W[col] as number) + beta * (W[col + 1] as number);
        }
        jac[i * p + v] = -d;
      }
    }
    if (this.#linear === 0) return;
    const twoColumns = this.#twoColumns;
    // Gram matrix of the linear columns (one column u = u0 + x1·u1 unless both are free).
    let g00 = 0;
    let g01 = 0;
    let g11 = 0;
    for (let i = 0; i < n; i++) {
      const o = i * BASIS_WIDTH;
      const u0 = W[o] as number;
      const u1 = W[o + 1] as number;
      if (twoColumns) {
        g00 += u0 * u0;
        g01 += u0 * u1;
        g11 += u1 * u1;
      } else {
        const u = u0 + x1 * u1;
        g00 += u * u;
      }
    }
    const det = g00 * g11 - g01 * g01;
    for (let v = 0; v < p; v++) {
      const k = nonlinear[v] as number;
      const col = k === Z ? BASIS.Z : k === T0 ? BASIS.T0 : BASIS.C;
      // Uᵀ J_k, plus (∂U/∂x_k)ᵀ r: how the optimal α, β move with x_k (Golub–Pereyra's exact term).
      let t0 = 0;
      let t1 = 0;
      for (let i = 0; i < n; i++) {
        const o = i * BASIS_WIDTH;
        const d = jac[i * p + v] as number;
        const u0 = W[o] as number;
        const u1 = W[o + 1] as number;
        const ri = r[i] as number;
        if (twoColumns) {
          t0 += u0 * d + (W[o + col] as number) * ri;
          t1 += u1 * d + (W[o + col + 1] as number) * ri;
        } else {
          t0 +=
            (u0 + x1 * u1) * d + ((W[o + col] as number) + x1 * (W[o + col + 1] as number)) * ri;
        }
      }
      let c0: number;
      let c1 = 0;
      if (twoColumns) {
        c0 = (g11 * t0 - g01 * t1) / det;
        c1 = (g00 * t1 - g01 * t0) / det;
      } else {
        c0 = g00 > 0 ? t0 / g00 : 0;
      }
      for (let i = 0; i < n; i++) {
        const o = i * BASIS_WIDTH;
        const u0 = W[o] as number;
        const u1 = W[o + 1] as number;
        const proj = twoColumns ? c0 * u0 + c1 * u1 : c0 * (u0 + x1 * u1);
        jac[i * p + v] = (jac[i * p + v] as number) - proj;
      }
    }
  }
}
