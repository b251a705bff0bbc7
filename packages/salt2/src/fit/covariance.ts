/**
 * Parameter covariance at the optimum as Minuit reports it for χ² with errordef 1 (docs/spec/salt2.md §4.7):
 * (H/2)⁻¹ with H the Hessian of χ², including the residual-curvature term that the Gauss–Newton
 * matrix JᵀJ omits (which differs from Minuit by tens of percent in poorly constrained fits,
 * docs/salt2.md). H is exact except in z: χ² is only C¹ in z (template wavelength nodes cross the
 * band as z changes), so its z column is a central difference of the exact gradient over steps like
 * Minuit HESSE's (~0.1σ), which averages over those kinks as Minuit does.
 */
import type { FullCovariance } from "./full-covariance.js";
import { cholesky, choleskyInverse, forcePositiveDefinite } from "./linalg.js";
import { Z, type Salt2Objective } from "./objective.js";

/** Minuit HESSE's target change of χ² per step, √(2√ε)·(χ² + 1). */
const HESSE_SAG = Math.sqrt(2 * Math.sqrt(Number.EPSILON));

export interface CovarianceResult {
  /** p × p over the varied parameters; rows/columns not in `free` are 0 (NaN if unavailable). */
  readonly covariance: number[][];
  /** Minuit-style flags ("Covariance not positive definite.", …). */
  readonly flags: string[];
}

/**
 * Covariance of the `free` subset of the varied parameters (`varied[v]` indexes θ) at θ; `zRange`
 * (the width of z's bounds) caps the z step. With a full data covariance (model covariance), the
 * Hessian is exact throughout.
 */
export function parameterCovariance(
  objective: Salt2Objective,
  theta: Float64Array,
  varied: Int32Array,
  free: readonly boolean[],
  zRange: number,
  full?: FullCovariance,
): CovarianceResult {
  const p = varied.length;
  const idx = Array.from({ length: p }, (_, v) => v).filter((v) => free[v]);
  const m = idx.length;
  const covariance = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  if (m === 0) return { covariance, flags: [] };
  const cols = Int32Array.from(idx, (v) => varied[v] as number);
  let half: Float64Array;
  if (full === undefined) {
    half = objective.halfHessian(theta, cols);
    const zc = cols.indexOf(Z);
    if (zc >= 0) smoothZColumn(objective, theta, cols, zc, half, zRange);
  } else {
    const n = objective.length;
    const r = new Float64Array(n);
    const jac = new Float64Array(n * m);
    objective.evaluate(theta, r, jac, cols);
    full.whiten(r, jac, m);
    const gaussNewton = new Float64Array(m * m);
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < m; a++) {
        for (let b = 0; b < m; b++) {
          gaussNewton[a * m + b] =
            (gaussNewton[a * m + b] as number) +
            (jac[i * m + a] as number) * (jac[i * m + b] as number);
        }
      }
    }
    half = objective.halfHessian(theta, cols, { gaussNewton, weights: full.weights(r) });
  }
  const flags: string[] = [];
  const forced = forcePositiveDefinite(half, m);
  if (forced !== null)
    flags.push("Covariance not positive definite.", "Covariance forced positive definite.");
  const L = cholesky(forced ?? half, m);
  if (L === null) {
    flags.push("No covariance.");
    return { covariance: covariance.map((row) => row.fill(NaN)), flags };
  }
  const inverse = choleskyInverse(L, m);
  // The inverse is symmetric only to rounding; report an exactly symmetric matrix.
  idx.forEach((i, a) =>
    idx.forEach(
      (j, b) =>
        ((covariance[i] as number[])[j] =
          ((inverse[a * m + b] as number) + (inverse[b * m + a] as number)) / 2),
    ),
  );
  return { covariance, flags };
}

/** Replaces row and column zc of H/2 by central differences of the gradient Jᵀr in z. */
function smoothZColumn(
  objective: Salt2Objective,
  theta: Float64Array,
  cols: Int32Array,
  zc: number,
  half: Float64Array,
  zRange: number,
): void {
  const n = objective.length;
  const m = cols.length;
  const r = new Float64Array(n);
  const jac = new Float64Array(n * m);
  const gradient = (at: Float64Array): { g: Float64Array; chisq: number } => {
    const chisq = objective.evaluate(at, r, jac, cols);
    const g = new Float64Array(m);
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < m; a++)
        g[a] = (g[a] as number) + (jac[i * m + a] as number) * (r[i] as number);
    }
    return { g, chisq };
  };
  // σ_z from the exact Hessian sets the step: 0.5·(2/σ²)·h² = sag.
  const sigma = Math.sqrt(1 / (half[zc * m + zc] as number));
  const { chisq, g: centre } = gradient(theta);
  const cap = 1e-3 * (Number.isFinite(zRange) && zRange > 0 ? zRange : 1);
  const h =
    Number.isFinite(sigma) && sigma > 0
      ? Math.min(sigma * Math.sqrt(HESSE_SAG * (chisq + 1)), cap)
      : cap;
  // A step that moves a point across the model's last phase crosses a jump of χ² (an optimum on a
  // phase wall, phase-edge.ts): difference on the side that stays in the piece, or keep the exact
  // column when both sides cross.
  const plusCrosses = objective.crossesPhaseEdge(theta, (theta[Z] as number) + h);
  const minusCrosses = objective.crossesPhaseEdge(theta, (theta[Z] as number) - h);
  if (plusCrosses && minusCrosses) return;
  const at = Float64Array.from(theta);
  at[Z] = (theta[Z] as number) + h;
  const plus = plusCrosses ? centre : gradient(at).g;
  at[Z] = (theta[Z] as number) - h;
  const minus = minusCrosses ? centre : gradient(at).g;
  const span = plusCrosses || minusCrosses ? h : 2 * h;
  for (let a = 0; a < m; a++) {
    const d = ((plus[a] as number) - (minus[a] as number)) / span;
    half[a * m + zc] = d;
    half[zc * m + a] = d;
  }
}
