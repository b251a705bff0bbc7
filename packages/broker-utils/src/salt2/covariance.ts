/**
 * Parameter covariance at the optimum as Minuit reports it for χ² with errordef 1 (salt2-spec §4.7):
 * 2·H⁻¹ with H the Hessian of χ², here from central differences of the analytic gradient 2Jᵀr. The
 * Gauss–Newton matrix JᵀJ omits the residual-curvature term and differs from Minuit by up to tens of
 * percent in poorly constrained fits (docs/salt2.md); it only sets the difference steps.
 */
import { cholesky, choleskyInverse, forcePositiveDefinite } from "./linalg.js";
import type { Salt2Objective } from "./objective.js";

/** Difference step in units of the Gauss–Newton error: small against the curvature scale, large against rounding. */
const STEP_SIGMAS = 1e-3;

export interface CovarianceResult {
  /** p × p over the varied parameters; rows/columns not in `free` are 0 (NaN if unavailable). */
  readonly covariance: number[][];
  /** Minuit-style flags ("Covariance not positive definite.", …). */
  readonly flags: string[];
}

/**
 * Covariance of the `free` subset of the varied parameters (`varied[v]` indexes θ) at θ.
 */
export function parameterCovariance(
  objective: Salt2Objective,
  theta: Float64Array,
  varied: Int32Array,
  free: readonly boolean[],
): CovarianceResult {
  const n = objective.length;
  const p = varied.length;
  const idx = Array.from({ length: p }, (_, v) => v).filter((v) => free[v]);
  const m = idx.length;
  const cols = Int32Array.from(idx, (v) => varied[v] as number);
  const r = new Float64Array(n);
  const jac = new Float64Array(n * m);
  const gradient = (at: Float64Array): Float64Array => {
    objective.evaluate(at, r, jac, cols);
    const g = new Float64Array(m);
    for (let i = 0; i < n; i++) {
      const ri = r[i] as number;
      for (let a = 0; a < m; a++) g[a] = (g[a] as number) + 2 * (jac[i * m + a] as number) * ri;
    }
    return g;
  };
  const covariance = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  if (m === 0) return { covariance, flags: [] };

  // Gauss–Newton errors for the step sizes.
  gradient(theta);
  const gn = new Float64Array(m * m);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < m; a++) {
      const ja = jac[i * m + a] as number;
      for (let b = 0; b < m; b++)
        gn[a * m + b] = (gn[a * m + b] as number) + ja * (jac[i * m + b] as number);
    }
  }
  const Lgn = cholesky(gn, m);
  const gnInverse = Lgn === null ? null : choleskyInverse(Lgn, m);

  const H = new Float64Array(m * m);
  const at = Float64Array.from(theta);
  for (let a = 0; a < m; a++) {
    const k = cols[a] as number;
    const x = theta[k] as number;
    const sigma = gnInverse === null ? NaN : Math.sqrt(gnInverse[a * m + a] as number);
    const h =
      Number.isFinite(sigma) && sigma > 0 ? STEP_SIGMAS * sigma : 1e-6 * Math.max(Math.abs(x), 1);
    at[k] = x + h;
    const gp = gradient(at);
    at[k] = x - h;
    const gm = gradient(at);
    at[k] = x;
    for (let b = 0; b < m; b++) {
      const d = ((gp[b] as number) - (gm[b] as number)) / (2 * h);
      H[b * m + a] = (H[b * m + a] as number) + d / 2;
      H[a * m + b] = (H[a * m + b] as number) + d / 2;
    }
  }
  // Minuit's covariance is 2·H⁻¹ = (H/2)⁻¹.
  for (let q = 0; q < m * m; q++) H[q] = (H[q] as number) / 2;

  const flags: string[] = [];
  const forced = forcePositiveDefinite(H, m);
  if (forced !== null)
    flags.push("Covariance not positive definite.", "Covariance forced positive definite.");
  const L = cholesky(forced ?? H, m);
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
