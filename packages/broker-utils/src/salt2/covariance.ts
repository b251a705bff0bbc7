/**
 * Parameter covariance at the optimum as Minuit reports it for χ² with errordef 1 (salt2-spec §4.7):
 * (H/2)⁻¹ with H the exact Hessian of χ², including the residual-curvature term that the
 * Gauss–Newton matrix JᵀJ omits (which differs from Minuit by tens of percent in poorly constrained
 * fits, docs/salt2.md).
 */
import { cholesky, choleskyInverse, forcePositiveDefinite } from "./linalg.js";
import type { Salt2Objective } from "./objective.js";

export interface CovarianceResult {
  /** p × p over the varied parameters; rows/columns not in `free` are 0 (NaN if unavailable). */
  readonly covariance: number[][];
  /** Minuit-style flags ("Covariance not positive definite.", …). */
  readonly flags: string[];
}

/** Covariance of the `free` subset of the varied parameters (`varied[v]` indexes θ) at θ. */
export function parameterCovariance(
  objective: Salt2Objective,
  theta: Float64Array,
  varied: Int32Array,
  free: readonly boolean[],
): CovarianceResult {
  const p = varied.length;
  const idx = Array.from({ length: p }, (_, v) => v).filter((v) => free[v]);
  const m = idx.length;
  const covariance = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  if (m === 0) return { covariance, flags: [] };
  const half = objective.halfHessian(
    theta,
    Int32Array.from(idx, (v) => varied[v] as number),
  );
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
  idx.forEach((i, a) =>
    idx.forEach((j, b) => ((covariance[i] as number[])[j] = inverse[a * m + b] as number)),
  );
  return { covariance, flags };
}
