/**
 * Parameter covariance at the optimum as Minuit reports it for χ² with errordef 1 (docs/spec/salt2.md §4.7):
 * (H/2)⁻¹ with H the Hessian of χ², including the residual-curvature term that the Gauss–Newton
 * matrix JᵀJ omits (which differs from Minuit by tens of percent in poorly constrained fits,
 * docs/salt2.md). H is exact except ∂²χ²/∂z²: χ² is only C¹ in z (template wavelength nodes cross
 * the band as z changes), so that entry is a second difference of χ² over a step like Minuit
 * HESSE's (~0.1σ), which averages over those kinks as Minuit does.
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
    if (zc >= 0) smoothZCurvature(objective, theta, zc, half, zRange);
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

/**
 * Replaces the zz entry of H/2 by a second difference of χ² in z over a step like Minuit HESSE's
 * (~0.1σ), which averages over the kinks of ∂²χ²/∂z² as Minuit does. Only that entry has the
 * wavelength kernel's second derivative, which jumps as template nodes cross the band; the mixed
 * entries use its first derivative, which is continuous, and stay exact. Two value evaluations.
 */
function smoothZCurvature(
  objective: Salt2Objective,
  theta: Float64Array,
  zc: number,
  half: Float64Array,
  zRange: number,
): void {
  const m = Math.round(Math.sqrt(half.length));
  const r = new Float64Array(objective.length);
  const at = Float64Array.from(theta);
  const z = theta[Z] as number;
  const chisqAt = (dz: number): number => {
    at[Z] = z + dz;
    return objective.evaluate(at, r);
  };
  // σ_z from the exact Hessian sets the step: 0.5·(2/σ²)·h² = sag.
  const sigma = Math.sqrt(1 / (half[zc * m + zc] as number));
  const chisq = chisqAt(0);
  const cap = 1e-3 * (Number.isFinite(zRange) && zRange > 0 ? zRange : 1);
  const h =
    Number.isFinite(sigma) && sigma > 0
      ? Math.min(sigma * Math.sqrt(HESSE_SAG * (chisq + 1)), cap)
      : cap;
  // A step that moves a point across the model's last phase crosses a jump of χ² (an optimum on a
  // phase wall, phase-edge.ts): difference on the side that stays in the piece, or keep the exact
  // entry when no side does.
  const stays = (dz: number) => !objective.crossesPhaseEdge(theta, z + dz);
  let second: number;
  if (stays(h) && stays(-h)) second = chisqAt(h) - 2 * chisq + chisqAt(-h);
  else if (stays(h) && stays(2 * h)) second = chisqAt(2 * h) - 2 * chisqAt(h) + chisq;
  else if (stays(-h) && stays(-2 * h)) second = chisq - 2 * chisqAt(-h) + chisqAt(-2 * h);
  else return;
  half[zc * m + zc] = second / (2 * h * h);
}
