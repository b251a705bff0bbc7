/**
 * `fitSalt2`: sncosmo's `fit_lc` for the SALT2 model (docs/spec/salt2.md §4.4) with the same start point,
 * bounds and band cut, minimised by bounded Levenberg–Marquardt with analytic derivatives (§4.12).
 */
import type { Bandpass } from "./bandpass.js";
import {
  PRODUCT_FIT_CONFIG,
  referenceT0Window,
  type FitConfig,
  type ParamBounds,
} from "./config.js";
import { FitConfigError, NoBandOverlapError } from "./errors.js";
import { autoT0Bounds, guessT0AndAmplitude } from "./guess.js";
import { levenbergMarquardt, type LeastSquaresProblem } from "./levenberg-marquardt.js";
import { cholesky, choleskyInverse } from "./linalg.js";
import { parameterCovariance } from "./covariance.js";
import { FullCovariance } from "./full-covariance.js";
import { modelCovariance, salt2ErrorModel } from "./model-covariance.js";
import {
  DEFAULT_PARAMS,
  PARAM_NAMES,
  salt2Model,
  type ParamName,
  type Salt2Params,
} from "./model.js";
import { Salt2Objective, T0, Z } from "./objective.js";
import { PreparedPhotometry, type PhotometryPoint } from "./photometry.js";
import { SeparableProblem, type LinearSet } from "./separable.js";
import { profileScan } from "./profile-scan.js";
import { PhaseWall, phaseEdgeSearch } from "./phase-edge.js";

export interface FitResult {
  /** Converged, within the evaluation budget, finite parameters (Minuit's `is_valid`; not a goodness of fit). */
  readonly success: boolean;
  /** sncosmo's message strings ("Minimization exited successfully." when nothing is flagged). */
  readonly message: string;
  /** Model evaluations (value or value + Jacobian); not comparable with Minuit's call count. */
  readonly ncall: number;
  /** Fits made: 1, or more with the model covariance (§4.8). */
  readonly nfit: number;
  readonly chisq: number;
  /** Points used minus varied parameters. */
  readonly ndof: number;
  /** All five parameters at the optimum (fixed ones as given). */
  readonly params: Salt2Params;
  /** Varied parameters, in sncosmo's order. */
  readonly vparamNames: readonly ParamName[];
  /** 1σ errors of the varied parameters (0 for a parameter held at a bound). */
  readonly errors: Readonly<Partial<Record<ParamName, number>>>;
  /** Covariance of the varied parameters, `vparamNames` order (rows/columns of bound-held parameters are 0). */
  readonly covariance: readonly (readonly number[])[];
  /** Varied parameters that end on a bound; their errors and correlations are not meaningful. */
  readonly atBound: readonly ParamName[];
  /** Bounds used, including the automatic or reference t0 window. */
  readonly bounds: ParamBounds;
  /** Start point after the guess and clamping into the bounds. */
  readonly start: Salt2Params;
  /** Per input row, in the caller's order: whether it was used (its band overlaps the model). */
  readonly dataMask: readonly boolean[];
  /** sncosmo's warnings, e.g. dropped bands. */
  readonly warnings: readonly string[];
}

/** Expected distance to the minimum at which the fit stops: 20× stricter than Minuit's goal. */
const EDM_GOAL = 1e-5;
/** Local minima of the profile scan refitted at most, and the evaluation budget of each refit. */
const SCAN_REFITS = 2;
const REFIT_EVALUATIONS = 100;
/** Fraction of a bounded parameter's range beyond which its error leaves it unpinned. */
const UNPINNED = 0.2;
/** Fewer degrees of freedom per varied parameter than this make a light curve sparse. */
const SPARSE_NDOF_PER_PARAMETER = 2;

/**
 * Fits the salt2 model to photometry. `config` defaults to the product configuration (docs/spec/broker.md §6);
 * fields missing from a given config take sncosmo's defaults (all five parameters varied, x1 and c
 * unbounded, automatic t0 bounds). Throws `DataQualityError`, `NoBandOverlapError`, `FitConfigError`,
 * `BandpassError` or `PhotometryError` for the failure modes of docs/spec/salt2.md §4.10.
 */
export function fitSalt2(
  rows: readonly PhotometryPoint[],
  config: FitConfig = PRODUCT_FIT_CONFIG,
): FitResult {
  const model = config.model ?? salt2Model();
  const minsnr = config.minsnr ?? 5;
  const vary = orderedNames(config.vary ?? PARAM_NAMES);
  const bounds: Partial<Record<ParamName, readonly [number, number]>> = {};
  for (const [name, b] of Object.entries(config.bounds ?? {}) as [
    ParamName,
    readonly [number, number],
  ][]) {
    if (!PARAM_NAMES.includes(name)) throw new FitConfigError(`Parameter not in model: '${name}'`);
    if (b.length !== 2 || !Number.isFinite(b[0]) || !Number.isFinite(b[1])) {
      throw new FitConfigError(
        `bounds of ${name} must be two finite numbers (one-sided bounds are not allowed)`,
      );
    }
    if (b[0] > b[1])
      throw new FitConfigError(`bounds of ${name}: lower ${b[0]} is above upper ${b[1]}`);
    bounds[name] = [b[0], b[1]];
  }
  const params: Record<ParamName, number> = { ...DEFAULT_PARAMS, ...config.params };

  if (vary.includes("z")) {
    const zb = bounds.z;
    if (zb === undefined) throw new FitConfigError("z must be bounded if fit.");
    if (config.guessZ ?? true) params.z = (zb[0] + zb[1]) / 2;
    if (params.z < zb[0] || params.z > zb[1]) throw new FitConfigError("z out of range.");
  }

  // Band cut (§2.5): strict overlap at both z bounds when given, else at the current z.
  const all = new PreparedPhotometry(rows);
  const zs = bounds.z ?? [params.z];
  const overlaps = (band: Bandpass) =>
    zs.every(
      (z) => band.minwave > model.minwave * (1 + z) && band.maxwave < model.maxwave * (1 + z),
    );
  const dropped = all.bands.filter((b) => !overlaps(b)).map((b) => b.name);
  if (dropped.length === all.bands.length)
    throw new NoBandOverlapError("No bands in data overlap the model.");
  const data = dropped.length > 0 ? all.subset(overlaps, rows) : all;
  const warnings =
    dropped.length > 0
      ? [`Dropping following bands from data: ${dropped.join(", ")}(out of model wavelength range)`]
      : [];

  if (vary.includes("t0") && bounds.t0 === undefined) {
    bounds.t0 =
      config.t0Window === "reference" ? referenceT0Window(rows) : autoT0Bounds(data, params, model);
  }
  if (vary.includes("t0") || vary.includes("x0")) {
    const guess = guessT0AndAmplitude(data, params, model, minsnr);
    if (vary.includes("x0")) params.x0 = guess.x0;
    if (vary.includes("t0")) params.t0 = guess.t0;
  }

  const objective = new Salt2Objective(data, model);
  const varied = Int32Array.from(vary, (name) => PARAM_NAMES.indexOf(name));
  const lower = Float64Array.from(vary, (name) => bounds[name]?.[0] ?? -Infinity);
  const upper = Float64Array.from(vary, (name) => bounds[name]?.[1] ?? Infinity);
  const clamp = (p: Salt2Params) =>
    Object.fromEntries(
      PARAM_NAMES.map((name) => {
        const v = vary.indexOf(name);
        return [
          name,
          v < 0 ? p[name] : Math.min(Math.max(p[name], lower[v] as number), upper[v] as number),
        ];
      }),
    ) as unknown as Salt2Params;
  const start = clamp(params);
  const ndof = data.length - vary.length;
  const maxEvaluations = config.maxEvaluations ?? 2000;
  // Variable projection (§7.4): an unbounded x0 (and x1 with it) is solved at every evaluation; the
  // minimiser varies the others.
  const linear: LinearSet =
    vary.includes("x0") && bounds.x0 === undefined ? (vary.includes("x1") ? 2 : 1) : 0;
  const nonlinearNames = vary.filter(
    (name) => linear === 0 || !(name === "x0" || (linear === 2 && name === "x1")),
  );
  const nonlinear = Int32Array.from(nonlinearNames, (name) => PARAM_NAMES.indexOf(name));
  const boundsOf = (end: 0 | 1, none: number) =>
    Float64Array.from(nonlinearNames, (name) => bounds[name]?.[end] ?? none);
  const nonlinearLower = boundsOf(0, -Infinity);
  const nonlinearUpper = boundsOf(1, Infinity);
  const x1Bounds = bounds.x1 ?? [-Infinity, Infinity];

  const separable = (theta: Float64Array, full?: FullCovariance) =>
    new SeparableProblem(objective, theta, nonlinear, linear, x1Bounds, full);
  const run = (
    problem: LeastSquaresProblem & { readonly theta: Float64Array },
    x: Float64Array,
    lower: Float64Array,
    upper: Float64Array,
    budget: number,
    abandonAbove?: number,
  ) => {
    const lm = levenbergMarquardt(problem, x, {
      lower,
      upper,
      maxEvaluations: budget,
      edmGoal: EDM_GOAL,
      initialDamping: 1,
      ...(abandonAbove === undefined ? {} : { abandonAbove }),
    });
    return { ...lm, theta: Float64Array.from(problem.theta) };
  };
  const nonlinearOf = (theta: Float64Array) =>
    Float64Array.from(nonlinear, (k) => theta[k] as number);
  const thetaOf = (p: Salt2Params) => Float64Array.from(PARAM_NAMES, (name) => p[name]);
  const minimise = (
    theta: Float64Array,
    budget = maxEvaluations,
    full?: FullCovariance,
    abandonAbove?: number,
  ) =>
    run(
      separable(theta, full),
      nonlinearOf(theta),
      nonlinearLower,
      nonlinearUpper,
      budget,
      abandonAbove,
    );
  const paramsOf = (theta: Float64Array): Salt2Params =>
    Object.fromEntries(PARAM_NAMES.map((name, k) => [name, theta[k]])) as unknown as Salt2Params;
  const modelFluxes = (p: Salt2Params) => {
    const r = new Float64Array(data.length);
    objective.evaluate(
      Float64Array.from(PARAM_NAMES, (name) => p[name]),
      r,
    );
    return Float64Array.from(
      r,
      (ri, i) => (data.flux[i] as number) - ri * (data.fluxerr[i] as number),
    );
  };

  let lm = minimise(thetaOf(start));
  // χ² is multimodal for sparse light curves: refit from the local minima of a coarse profile scan
  // of the box and keep the lowest χ² (profile-scan.ts, docs/salt2.md).
  const cBox = vary.includes("c") ? bounds.c : params.c;
  // A bounded nonlinear parameter whose Gauss–Newton error at the minimum exceeds UNPINNED of its
  // range is not determined by the data: χ² is flat along it, with shallow minima (phase-node
  // ripples in z) that a descent picks by its path.
  const unpinned = (fit: { jac: Float64Array; free: boolean[] }) => {
    const p = nonlinear.length;
    const A = new Float64Array(p * p);
    for (let i = 0; i < data.length; i++)
      for (let a = 0; a < p; a++)
        for (let b = 0; b < p; b++)
          A[a * p + b] =
            (A[a * p + b] as number) +
            (fit.jac[i * p + a] as number) * (fit.jac[i * p + b] as number);
    const L = cholesky(A, p);
    if (L === null) return true;
    const inverse = choleskyInverse(L, p);
    return nonlinearNames.some((_, v) => {
      const range = (nonlinearUpper[v] as number) - (nonlinearLower[v] as number);
      return Math.sqrt(inverse[v * p + v] as number) > UNPINNED * range;
    });
  };
  const onBound = (theta: Float64Array) =>
    vary.some((name, v) => {
      const value = theta[PARAM_NAMES.indexOf(name)];
      return value === lower[v] || value === upper[v];
    });
  // Light curves that pin the fit (the start's minimum interior, a fair χ², two degrees of freedom per
  // parameter or more) are not scanned: there the descent from sncosmo's start is what Minuit finds.
  const degenerate =
    !lm.converged ||
    onBound(lm.theta) ||
    lm.chisq > 2 * Math.max(ndof, 1) ||
    ndof < SPARSE_NDOF_PER_PARAMETER * vary.length ||
    unpinned(lm);
  if (
    (config.restarts ?? true) &&
    degenerate &&
    vary.includes("t0") &&
    linear > 0 &&
    cBox !== undefined
  ) {
    const scan = profileScan(objective, {
      z: vary.includes("z") && bounds.z !== undefined ? bounds.z : params.z,
      t0: bounds.t0 as [number, number],
      c: cBox,
      x1: linear === 2 ? x1Bounds : [params.x1, params.x1],
    });
    // Refit from minima that the profile ranks below its value at the best fit's grid node (both
    // with the scan's approximations), and that are not next to a minimum already reached.
    const reached = [lm.theta];
    let refits = 0;
    for (const m of scan.minima) {
      if (refits >= SCAN_REFITS) break;
      if (m.chisq >= scan.near(lm.theta[Z] as number, lm.theta[T0] as number)) break;
      if (reached.some((t) => scan.neighbours(m.z, m.t0, t[Z] as number, t[T0] as number)))
        continue;
      refits++;
      // a refit that cannot beat the incumbent is stopped early; where it was heading is unknown
      const candidate = minimise(
        thetaOf(clamp({ ...start, z: m.z, t0: m.t0, c: m.c })),
        REFIT_EVALUATIONS,
        undefined,
        lm.chisq,
      );
      if (!candidate.abandoned) reached.push(candidate.theta);
      if (candidate.converged && candidate.chisq < lm.chisq - 1e-6) lm = candidate;
    }
  }

  // Pieces of χ² across the phase-50 walls of points near the model's last phase.
  const t0Bounds = bounds.t0;
  if (
    (config.restarts ?? true) &&
    nonlinear.includes(T0) &&
    t0Bounds !== undefined &&
    lm.converged
  ) {
    const r = new Float64Array(data.length);
    const it0 = nonlinear.indexOf(T0);
    lm = phaseEdgeSearch(lm, {
      time: data.time,
      maxphase: model.maxphase,
      t0Bounds,
      chisqAt: (theta) => separable(theta).evaluate(nonlinearOf(theta), r, null),
      free: (theta) => minimise(theta, REFIT_EVALUATIONS),
      onEdge(theta, i, inside) {
        const time = data.time[i] as number;
        const wall = new PhaseWall(separable(theta), nonlinear, time, model.maxphase, inside);
        // t0 = t_i − maxphase·(1+z) within t0's bounds limits z.
        const lower = wall.reduce(nonlinearLower);
        const upper = wall.reduce(nonlinearUpper);
        const iz = nonlinear.indexOf(Z);
        if (iz >= 0) {
          const k = iz < it0 ? iz : iz - 1;
          lower[k] = Math.max(lower[k] as number, (time - t0Bounds[1]) / model.maxphase - 1);
          upper[k] = Math.min(upper[k] as number, (time - t0Bounds[0]) / model.maxphase - 1);
        }
        return run(wall, wall.reduce(nonlinearOf(theta)), lower, upper, REFIT_EVALUATIONS);
      },
      t0Gradient(theta) {
        const jac = new Float64Array(data.length * nonlinear.length);
        separable(theta).evaluate(nonlinearOf(theta), r, jac);
        let g = 0;
        for (let i = 0; i < data.length; i++)
          g += 2 * (r[i] as number) * (jac[i * nonlinear.length + it0] as number);
        return g;
      },
    });
  }

  // Model covariance (§4.2, §4.8): refit from the optimum with C_model frozen there, while a
  // parameter moves by more than 0.1σ, the fit is valid and fewer than 22 fits were made.
  let nfit = 1;
  let full: FullCovariance | undefined;
  let refit = config.modelcov ?? false;
  const sigma = Float64Array.from(data.fluxerr);
  while (refit) {
    const from = paramsOf(lm.theta);
    full = new FullCovariance(
      sigma,
      modelCovariance(data, from, modelFluxes(from), model, config.errorModel ?? salt2ErrorModel()),
    );
    lm = minimise(thetaOf(from), maxEvaluations, full);
    nfit++;
    refit = false;
    if (lm.converged && nfit < 22) {
      const { covariance } = parameterCovariance(
        objective,
        lm.theta,
        varied,
        vary.map(() => true),
        NaN,
        full,
      );
      refit = vary.some(
        (name, v) =>
          Math.abs((lm.theta[PARAM_NAMES.indexOf(name)] as number) - from[name]) /
            Math.sqrt(covariance[v]?.[v] ?? NaN) >
          0.1,
      );
    }
  }

  const theta = lm.theta;
  const best = paramsOf(theta);
  const atBound = vary.filter((name, v) => best[name] === lower[v] || best[name] === upper[v]);
  const { covariance, flags } = parameterCovariance(
    objective,
    theta,
    varied,
    vary.map((name) => !atBound.includes(name)),
    bounds.z === undefined ? NaN : bounds.z[1] - bounds.z[0],
    full,
  );

  const messages: string[] = [];
  if (lm.reachedLimit) messages.push("Reached call limit.");
  else if (!lm.converged) messages.push(`Minimum not reached (EDM ${lm.edm.toPrecision(3)}).`);
  messages.push(...flags);
  const finite =
    PARAM_NAMES.every((name) => Number.isFinite(best[name])) && Number.isFinite(lm.chisq);
  if (!finite) messages.push("Parameter(s) value and/or error invalid.");

  const mask = new Array<boolean>(rows.length).fill(false);
  for (const src of data.order) mask[src] = true;

  return {
    success: lm.converged && finite,
    message: messages.length > 0 ? messages.join(" ") : "Minimization exited successfully.",
    ncall: objective.evaluations,
    nfit,
    chisq: lm.chisq,
    ndof,
    params: best,
    vparamNames: vary,
    errors: Object.fromEntries(vary.map((name, v) => [name, Math.sqrt(covariance[v]?.[v] ?? NaN)])),
    covariance,
    atBound,
    bounds,
    start,
    dataMask: mask,
    warnings,
  };
}

/** Validates and orders parameter names like sncosmo (`vparam_names`). */
function orderedNames(names: readonly string[]): ParamName[] {
  if (names.length === 0)
    throw new FitConfigError("no parameters to vary: give at least one of z, t0, x0, x1, c");
  for (const name of names) {
    if (!PARAM_NAMES.includes(name as ParamName))
      throw new FitConfigError(`Parameter not in model: '${name}'`);
  }
  return PARAM_NAMES.filter((name) => names.includes(name));
}
