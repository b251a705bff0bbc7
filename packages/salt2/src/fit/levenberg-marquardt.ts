/**
 * Levenberg–Marquardt on whitened residuals with box bounds (docs/spec/salt2.md §4.12): Marquardt-scaled
 * damping (invariant to parameter units), an active set for parameters held at a bound by the
 * gradient, projected steps, and Nielsen's damping update. It stops when the expected distance to
 * the minimum, EDM = gᵀ(JᵀJ)⁻¹g over the free parameters, is far below Minuit's (2×10⁻⁴); in a
 * degenerate valley, when several steps in a row gain less than that in total; at a kink or jump of
 * χ² (the phase-50 edge of the model), when no step decreases χ² at any damping.
 */
import { cholesky, choleskySolve } from "./linalg.js";

export interface LeastSquaresProblem {
  readonly nResiduals: number;
  readonly nParams: number;
  /** Fills r (and the row-major Jacobian ∂r/∂x when `jac` is given) at x; returns Σ r². */
  evaluate(x: Float64Array, r: Float64Array, jac: Float64Array | null): number;
  /** Called when the last evaluated x becomes the current point (the start, an accepted step). */
  accept?(): void;
  /**
   * May shorten the damped step from x to `trial` in place, before its predicted decrease is
   * computed (a piecewise objective keeps the descent within one piece).
   */
  shorten?(x: Float64Array, trial: Float64Array): void;
  /**
   * Told that the step from x to `trial` crossed what looks like a jump of χ² (it rose by far more
   * than the model predicted it would fall); returns true when `shorten` will now end such a step at
   * the jump, so that the same damping is tried again.
   */
  refuse?(x: Float64Array, trial: Float64Array): boolean;
}

export interface LmOptions {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** Budget of `evaluate` calls (with or without Jacobian). */
  readonly maxEvaluations: number;
  /** Convergence goal on the EDM in χ² units. */
  readonly edmGoal: number;
  /** Initial Marquardt damping: ~1 takes cautious first steps, ≪ 1 nearly Gauss–Newton ones. */
  readonly initialDamping: number;
  /**
   * A χ² already reached elsewhere (a refit's incumbent): the descent is abandoned once it stays
   * clearly above it (see `hopeless`).
   */
  readonly abandonAbove?: number;
  /**
   * Evaluations over which `hopeless` extrapolates the pace of the last step (default: all those
   * left); a shorter horizon abandons a descent that is still gaining, but slowing, sooner.
   */
  readonly abandonHorizon?: number;
}

export interface LmResult {
  readonly x: Float64Array;
  readonly chisq: number;
  /** Residuals and Jacobian at x. */
  readonly r: Float64Array;
  readonly jac: Float64Array;
  /** Free (not held at a bound) parameters at x. */
  readonly free: boolean[];
  readonly edm: number;
  readonly evaluations: number;
  readonly converged: boolean;
  readonly reachedLimit: boolean;
  /** Stopped by `abandonAbove`: not converged, χ² above the incumbent's. */
  readonly abandoned: boolean;
}

/** Damping beyond which no smaller χ² exists along any descent direction at double precision. */
const MAX_DAMPING = 1e16;
/**
 * A predicted decrease below this fraction of χ² is lost in its rounding: no damping gives a step
 * worth an evaluation (a descent held at a wall is left steps that round t0 to itself).
 */
const RESOLUTION = 1e-13;
/** Relative ridge that bounds the EDM in near-degenerate directions, as Minuit's forced-positive covariance does. */
const EDM_RIDGE = 1e-9;
/** A crawl along a degenerate valley ends when FLAT_STEPS accepted steps gained less than FLAT_GAIN in
 * total (4× below Minuit's EDM goal). */
const FLAT_STEPS = 5;
/** Evaluations after which a zig-zagging descent also tries PARTAN's move along the valley. */
const CRAWL = 20;
const FLAT_GAIN = 5e-5;
/**
 * A rejected trial whose χ² rose by more than JUMP × the decrease the model predicted (ρ < −JUMP)
 * crossed a jump rather than overshot a smooth minimum. Across the bench's and the fixtures' fits,
 * rejected phase-50 crossings at ρ = −9.5…−10⁸ were descents pressed against a wall; holding every
 * refused crossing at its wall (three at ρ = −0.36…−2.7) ended three fits in higher minima.
 */
const JUMP = 5;
/**
 * A descent is hopeless when χ² exceeds the incumbent by more than ABANDON_MARGIN plus both
 * ABANDON_FACTOR × the EDM (what the Gauss–Newton model still promises) and what the remaining
 * evaluations would gain at the pace of the last accepted step. Early in a descent the EDM alone
 * misjudges (a refit at χ² 1490 with an EDM of 135 went on to 580), and a slow crawl along a valley
 * can still arrive; a descent that can do neither is polishing a higher minimum. The last step's
 * pace, not the mean of the last three, judges a slowing descent by where it is now (docs/salt2.md:
 * the descents that won kept ≥ 2.8× the margin they needed). The margin keeps refits that end in
 * the incumbent's own minimum.
 */
const ABANDON_FACTOR = 4;
const ABANDON_MARGIN = 0.01;

/**
 * A bounded Levenberg–Marquardt descent. One function on purpose: the damped step and the PARTAN
 * move share the loop's state (x, residuals and Jacobian with their trial buffers, χ², damping,
 * history) and swap buffers in place; the pure pieces are the helpers below it.
 */
export function levenbergMarquardt(
  problem: LeastSquaresProblem,
  start: Float64Array,
  options: LmOptions,
): LmResult {
  const { lower, upper, maxEvaluations, edmGoal } = options;
  const n = problem.nResiduals;
  const p = problem.nParams;
  const x = Float64Array.from(start, (v, j) =>
    Math.min(Math.max(v, lower[j] as number), upper[j] as number),
  );
  let r = new Float64Array(n);
  let jac = new Float64Array(n * p);
  let trialR = new Float64Array(n);
  let trialJac = new Float64Array(n * p);
  const trial = new Float64Array(p);
  const g = new Float64Array(p);
  const A = new Float64Array(p * p);
  let evaluations = 1;
  let chisq = problem.evaluate(x, r, jac);
  problem.accept?.();
  let mu = options.initialDamping;
  let nu = 2;
  let free: boolean[] = [];
  let edm = Infinity;
  let converged = false;
  let abandoned = false;
  /** χ² after each accepted step. */
  const history: number[] = [chisq];
  const points: Float64Array[] = [Float64Array.from(x)];
  /** Moves to the trial just evaluated (its residuals and Jacobian are in trialR, trialJac). */
  const acceptTrial = (trialChisq: number): void => {
    x.set(trial);
    [r, trialR] = [trialR, r];
    [jac, trialJac] = [trialJac, jac];
    chisq = trialChisq;
    problem.accept?.();
    history.push(chisq);
  };

  while (evaluations < maxEvaluations) {
    normalEquations(r, jac, n, p, g, A);

    // A parameter on a bound whose descent direction points outside stays there.
    free = Array.from({ length: p }, (_, j) => {
      const xj = x[j] as number;
      const gj = g[j] as number;
      return !((xj <= (lower[j] as number) && gj > 0) || (xj >= (upper[j] as number) && gj < 0));
    });
    const idx = free.flatMap((f, j) => (f ? [j] : []));
    const m = idx.length;
    if (m === 0) {
      edm = 0;
      converged = true;
      break;
    }
    const { Af, gf, diag } = freeSystem(A, g, idx, p);

    const ridged = Float64Array.from(Af);
    for (let a = 0; a < m; a++)
      ridged[a * m + a] = (ridged[a * m + a] as number) + EDM_RIDGE * (diag[a] as number);
    const L0 = cholesky(ridged, m);
    edm = L0 === null ? Infinity : dot(gf, choleskySolve(L0, m, gf));
    const gains =
      history.length >= FLAT_STEPS
        ? (history[history.length - FLAT_STEPS] as number) - chisq
        : Infinity;
    if (edm < edmGoal || gains < FLAT_GAIN) {
      converged = true;
      break;
    }
    const left = Math.min(maxEvaluations - evaluations, options.abandonHorizon ?? Infinity);
    if (hopeless(chisq, edm, history, left, options.abandonAbove)) {
      abandoned = true;
      break;
    }

    let accepted = false;
    while (!accepted && evaluations < maxEvaluations && mu < MAX_DAMPING) {
      const damped = Float64Array.from(Af);
      for (let a = 0; a < m; a++)
        damped[a * m + a] = (damped[a * m + a] as number) + mu * (diag[a] as number);
      const L = cholesky(damped, m);
      if (L === null) {
        mu *= nu;
        nu *= 2;
        continue;
      }
      const step = choleskySolve(L, m, gf);
      trial.set(x);
      idx.forEach((j, a) => {
        const v = (x[j] as number) - (step[a] as number);
        trial[j] = Math.min(Math.max(v, lower[j] as number), upper[j] as number);
      });
      problem.shorten?.(x, trial);
      const pred = predictedDecrease(g, A, x, trial);
      if (!(pred > 0)) {
        mu *= nu;
        nu *= 2;
        continue;
      }
      if (pred < RESOLUTION * chisq) {
        mu = MAX_DAMPING;
        break;
      }
      // The trial comes with its Jacobian: most trials are accepted, and the derivative projections
      // share the template loads with the value.
      evaluations++;
      const trialChisq = problem.evaluate(trial, trialR, trialJac);
      const rho = (chisq - trialChisq) / pred;
      if (trialChisq < chisq) {
        accepted = true;
        acceptTrial(trialChisq);
        mu *= Math.max(1 / 3, 1 - (2 * rho - 1) ** 3);
        nu = 2;
      } else if (!(rho < -JUMP && problem.refuse?.(x, trial) === true)) {
        // (otherwise the same damping again, its step now ending at the jump)
        mu *= nu;
        nu *= 2;
      }
    }
    if (!accepted) {
      // No decrease at any damping: x is a local minimum to double precision, on a kink or at the
      // edge of a jump of χ² where the gradient does not vanish (Minuit also ends there).
      converged = mu >= MAX_DAMPING;
      break;
    }
    // Zig-zag across a narrow curved valley: PARTAN's move along the valley, x_k − x_(k−2).
    points.push(Float64Array.from(x));
    if (evaluations > CRAWL && points.length >= 3) {
      const x2 = points[points.length - 3] as Float64Array;
      const x1 = points[points.length - 2] as Float64Array;
      if (zigZag(x2, x1, x, A)) {
        let gamma = 1;
        const base = Float64Array.from(x);
        for (let tries = 0; tries < 6 && evaluations < maxEvaluations; tries++) {
          for (let j = 0; j < p; j++) {
            const v = (base[j] as number) + gamma * ((base[j] as number) - (x2[j] as number));
            trial[j] = Math.min(Math.max(v, lower[j] as number), upper[j] as number);
          }
          evaluations++;
          const trialChisq = problem.evaluate(trial, trialR, trialJac);
          if (!(trialChisq < chisq)) break;
          acceptTrial(trialChisq);
          gamma *= 2;
        }
        points.push(Float64Array.from(x));
      }
    }
  }
  return {
    x,
    chisq,
    r,
    jac,
    free,
    edm,
    evaluations,
    converged,
    reachedLimit: !converged && !abandoned && evaluations >= maxEvaluations,
    abandoned,
  };
}

/** Gradient of ½χ², Jᵀr, into `g`, and the normal matrix JᵀJ into `A` (p × p). */
function normalEquations(
  r: Float64Array,
  jac: Float64Array,
  n: number,
  p: number,
  g: Float64Array,
  A: Float64Array,
): void {
  g.fill(0);
  A.fill(0);
  for (let i = 0; i < n; i++) {
    const ri = r[i] as number;
    const row = i * p;
    for (let j = 0; j < p; j++) {
      const jij = jac[row + j] as number;
      g[j] = (g[j] as number) + jij * ri;
      for (let k = 0; k <= j; k++)
        A[j * p + k] = (A[j * p + k] as number) + jij * (jac[row + k] as number);
    }
  }
  for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) A[k * p + j] = A[j * p + k] as number;
}

/** The normal equations of the free parameters `idx`, and their damping scale (floored diagonal). */
function freeSystem(
  A: Float64Array,
  g: Float64Array,
  idx: readonly number[],
  p: number,
): { Af: Float64Array; gf: Float64Array; diag: Float64Array } {
  const m = idx.length;
  const Af = new Float64Array(m * m);
  const gf = new Float64Array(m);
  const diag = new Float64Array(m);
  let maxDiag = 0;
  idx.forEach((j, a) => {
    gf[a] = g[j] as number;
    idx.forEach((k, b) => (Af[a * m + b] = A[j * p + k] as number));
    maxDiag = Math.max(maxDiag, A[j * p + j] as number);
  });
  idx.forEach((j, a) => (diag[a] = Math.max(A[j * p + j] as number, 1e-12 * maxDiag, 1e-300)));
  return { Af, gf, diag };
}

/** Predicted decrease of |r + Jδ|² for the projected step δ = trial − x. */
function predictedDecrease(
  g: Float64Array,
  A: Float64Array,
  x: Float64Array,
  trial: Float64Array,
): number {
  const p = x.length;
  let pred = 0;
  for (let j = 0; j < p; j++) {
    const dj = (trial[j] as number) - (x[j] as number);
    if (dj === 0) continue;
    pred -= 2 * (g[j] as number) * dj;
    for (let k = 0; k < p; k++)
      pred -= dj * (A[j * p + k] as number) * ((trial[k] as number) - (x[k] as number));
  }
  return pred;
}

/** Whether the last two steps x2 → x1 → x turn back on each other (in the metric of A's diagonal). */
function zigZag(x2: Float64Array, x1: Float64Array, x: Float64Array, A: Float64Array): boolean {
  const p = x.length;
  let dot01 = 0;
  let n0 = 0;
  let n1 = 0;
  for (let j = 0; j < p; j++) {
    const d = Math.sqrt((A[j * p + j] as number) || 1);
    const s0 = ((x1[j] as number) - (x2[j] as number)) * d;
    const s1 = ((x[j] as number) - (x1[j] as number)) * d;
    dot01 += s0 * s1;
    n0 += s0 * s0;
    n1 += s1 * s1;
  }
  return dot01 < -0.3 * Math.sqrt(n0 * n1);
}

/** Whether a descent (χ², EDM, accepted χ² history, evaluations left) cannot beat `incumbent`. */
function hopeless(
  chisq: number,
  edm: number,
  history: readonly number[],
  left: number,
  incumbent: number | undefined,
): boolean {
  if (incumbent === undefined || history.length < 2) return false;
  const pace = (history[history.length - 2] as number) - chisq;
  return chisq - incumbent > ABANDON_MARGIN + Math.max(ABANDON_FACTOR * edm, pace * left);
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}
