/**
 * The minimisation problem of one fit: the objective over the light curve, which parameters the
 * minimiser varies (an unbounded x0, and x1 with it, are solved by variable projection, §7.4), their
 * bounds, and the descents every stage of `fitSalt2` makes from a start point.
 */
import { levenbergMarquardt, type LeastSquaresProblem } from "./levenberg-marquardt.js";
import { cholesky, choleskyInverse } from "./linalg.js";
import type { FullCovariance } from "./full-covariance.js";
import { PARAM_NAMES, type ParamName, type Salt2Params } from "./model.js";
import { Salt2Objective, T0 } from "./objective.js";
import { PieceGuard } from "./phase-edge.js";
import type { FitSetup } from "./fit-setup.js";
import { SeparableProblem, type LinearSet } from "./separable.js";

/** Expected distance to the minimum at which the fit stops: 20× stricter than Minuit's goal. */
const EDM_GOAL = 1e-5;
/** Fraction of a bounded parameter's range beyond which its error leaves it unpinned. */
const UNPINNED = 0.2;

/**
 * A χ² already reached elsewhere: a descent that cannot end below it is abandoned, judging what it
 * can still gain by its pace over `horizon` evaluations (default: all those left).
 */
export interface Incumbent {
  readonly chisq: number;
  readonly horizon?: number;
}

/** The outcome of one descent, with all five parameters where it ended. */
export type Descent = ReturnType<typeof levenbergMarquardt> & { theta: Float64Array };

export class FitProblem {
  readonly objective: Salt2Objective;
  /** Indices (in PARAM_NAMES) of the varied parameters, and their bounds. */
  readonly varied: Int32Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly linear: LinearSet;
  /** The parameters the minimiser itself varies (the varied ones not solved linearly). */
  readonly nonlinearNames: ParamName[];
  readonly nonlinear: Int32Array;
  readonly nonlinearLower: Float64Array;
  readonly nonlinearUpper: Float64Array;
  readonly x1Bounds: readonly [number, number];
  /** The start point: the setup's parameters clamped into the bounds. */
  readonly start: Salt2Params;
  readonly ndof: number;

  constructor(
    readonly setup: FitSetup,
    readonly maxEvaluations: number,
  ) {
    const { vary, bounds, data, model } = setup;
    this.objective = new Salt2Objective(data, model);
    this.varied = Int32Array.from(vary, (name) => PARAM_NAMES.indexOf(name));
    this.lower = Float64Array.from(vary, (name) => bounds[name]?.[0] ?? -Infinity);
    this.upper = Float64Array.from(vary, (name) => bounds[name]?.[1] ?? Infinity);
    this.start = this.clamp(setup.params);
    this.ndof = data.length - vary.length;
    const linear: LinearSet =
      vary.includes("x0") && bounds.x0 === undefined ? (vary.includes("x1") ? 2 : 1) : 0;
    this.linear = linear;
    this.nonlinearNames = vary.filter(
      (name) => linear === 0 || !(name === "x0" || (linear === 2 && name === "x1")),
    );
    this.nonlinear = Int32Array.from(this.nonlinearNames, (name) => PARAM_NAMES.indexOf(name));
    this.nonlinearLower = this.nonlinearBounds(0, -Infinity);
    this.nonlinearUpper = this.nonlinearBounds(1, Infinity);
    this.x1Bounds = bounds.x1 ?? [-Infinity, Infinity];
  }

  private nonlinearBounds(end: 0 | 1, none: number): Float64Array {
    return Float64Array.from(this.nonlinearNames, (name) => this.setup.bounds[name]?.[end] ?? none);
  }

  /** `p` with each varied parameter clamped into its bounds. */
  clamp(p: Salt2Params): Salt2Params {
    const { vary } = this.setup;
    return Object.fromEntries(
      PARAM_NAMES.map((name) => {
        const v = vary.indexOf(name);
        return [
          name,
          v < 0
            ? p[name]
            : Math.min(Math.max(p[name], this.lower[v] as number), this.upper[v] as number),
        ];
      }),
    ) as unknown as Salt2Params;
  }

  separable(theta: Float64Array, full?: FullCovariance): SeparableProblem {
    return new SeparableProblem(
      this.objective,
      theta,
      this.nonlinear,
      this.linear,
      this.x1Bounds,
      full,
    );
  }

  /** A bounded Levenberg–Marquardt descent of `problem` from `x`. */
  run(
    problem: LeastSquaresProblem & { readonly theta: Float64Array },
    x: Float64Array,
    lower: Float64Array,
    upper: Float64Array,
    budget: number,
    incumbent?: Incumbent,
  ): Descent {
    const lm = levenbergMarquardt(problem, x, {
      lower,
      upper,
      maxEvaluations: budget,
      edmGoal: EDM_GOAL,
      initialDamping: 1,
      ...(incumbent === undefined ? {} : { abandonAbove: incumbent.chisq }),
      ...(incumbent?.horizon === undefined ? {} : { abandonHorizon: incumbent.horizon }),
    });
    return { ...lm, theta: Float64Array.from(problem.theta) };
  }

  nonlinearOf(theta: Float64Array): Float64Array {
    return Float64Array.from(this.nonlinear, (k) => theta[k] as number);
  }

  thetaOf(p: Salt2Params): Float64Array {
    return Float64Array.from(PARAM_NAMES, (name) => p[name]);
  }

  paramsOf(theta: Float64Array): Salt2Params {
    return Object.fromEntries(
      PARAM_NAMES.map((name, k) => [name, theta[k]]),
    ) as unknown as Salt2Params;
  }

  /**
   * A descent from `theta`; one that cannot end below the `incumbent` is stopped early. A phase-50
   * wall that refused a step holds the descent (a step towards it ends on it).
   */
  minimise(
    theta: Float64Array,
    budget = this.maxEvaluations,
    full?: FullCovariance,
    incumbent?: Incumbent,
  ): Descent {
    const { data, model } = this.setup;
    const inner = this.separable(theta, full);
    return this.run(
      this.nonlinear.includes(T0)
        ? new PieceGuard(inner, this.nonlinear, data.time, model.maxphase, false)
        : inner,
      this.nonlinearOf(theta),
      this.nonlinearLower,
      this.nonlinearUpper,
      budget,
      incumbent,
    );
  }

  /** The model's fluxes at `p`, from the residuals. */
  modelFluxes(p: Salt2Params): Float64Array {
    const { data } = this.setup;
    const r = new Float64Array(data.length);
    this.objective.evaluate(
      Float64Array.from(PARAM_NAMES, (name) => p[name]),
      r,
    );
    return Float64Array.from(
      r,
      (ri, i) => (data.flux[i] as number) - ri * (data.fluxerr[i] as number),
    );
  }

  /**
   * A bounded nonlinear parameter whose Gauss–Newton error at the minimum exceeds UNPINNED of its
   * range is not determined by the data: χ² is flat along it, with shallow minima (phase-node
   * ripples in z) that a descent picks by its path.
   */
  unpinned(fit: { jac: Float64Array }): boolean {
    const p = this.nonlinear.length;
    const n = this.setup.data.length;
    const A = new Float64Array(p * p);
    for (let i = 0; i < n; i++)
      for (let a = 0; a < p; a++)
        for (let b = 0; b < p; b++)
          A[a * p + b] =
            (A[a * p + b] as number) +
            (fit.jac[i * p + a] as number) * (fit.jac[i * p + b] as number);
    const L = cholesky(A, p);
    if (L === null) return true;
    const inverse = choleskyInverse(L, p);
    return this.nonlinearNames.some((_, v) => {
      const range = (this.nonlinearUpper[v] as number) - (this.nonlinearLower[v] as number);
      return Math.sqrt(inverse[v * p + v] as number) > UNPINNED * range;
    });
  }

  /** Whether a varied parameter of `theta` sits on a bound. */
  onBound(theta: Float64Array): boolean {
    return this.setup.vary.some((name, v) => {
      const value = theta[PARAM_NAMES.indexOf(name)];
      return value === this.lower[v] || value === this.upper[v];
    });
  }
}
