/**
 * `fitSalt2`: sncosmo's `fit_lc` for the SALT2 model (docs/spec/salt2.md §4.4) with the same start point,
 * bounds and band cut, minimised by bounded Levenberg–Marquardt with analytic derivatives (§4.12).
 */
import { PRODUCT_FIT_CONFIG, type FitConfig, type ParamBounds } from "./config.js";
import { parameterCovariance } from "./covariance.js";
import { FitProblem, type Descent } from "./fit-problem.js";
import { prepareFit } from "./fit-setup.js";
import { FullCovariance } from "./full-covariance.js";
import { modelCovariance, salt2ErrorModel } from "./model-covariance.js";
import { PARAM_NAMES, salt2Model, type ParamName, type Salt2Params } from "./model.js";
import { T0, Z } from "./objective.js";
import type { PhotometryPoint } from "./photometry.js";
import { profileScan, type ProfileScan } from "./profile-scan.js";
import { PhaseWall, PieceGuard, phaseEdgeSearch } from "./phase-edge.js";

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

/** Local minima of the profile scan refitted at most, and the evaluation budget of each refit. */
const SCAN_REFITS = 2;
const REFIT_EVALUATIONS = 100;
/** Fewer degrees of freedom per varied parameter than this make a light curve sparse. */
const SPARSE_NDOF_PER_PARAMETER = 2;
/**
 * Evaluations over which a descent from the start, run after the scan's best minimum, extrapolates
 * its pace when judged against it (refits: all those left). Shorter horizons abandoned it earlier on
 * the alerts without changing a fit (docs/salt2.md).
 */
const START_HORIZON = 5;

/**
 * Fits the salt2 model to photometry. `config` defaults to the product configuration (docs/spec/broker.md §6);
 * fields missing from a given config take sncosmo's defaults (all five parameters varied, x1 and c
 * unbounded, automatic t0 bounds). Throws `DataQualityError`, `NoBandOverlapError`, `FitConfigError`,
 * `BandpassError` or `PhotometryError` for the failure modes of docs/spec/salt2.md §4.10.
 *
 * The stages: a descent from sncosmo's start and, on a degenerate light curve, refits from the minima
 * of a profile scan (a sparse one is scanned first); the phase-edge search; the model-covariance
 * refits; the errors.
 */
export function fitSalt2(
  rows: readonly PhotometryPoint[],
  config: FitConfig = PRODUCT_FIT_CONFIG,
): FitResult {
  const setup = prepareFit(rows, config, config.model ?? salt2Model());
  const problem = new FitProblem(setup, config.maxEvaluations ?? 2000);
  const restarts = config.restarts ?? true;
  let lm = restarts ? scanRefits(problem) : fromStart(problem);
  if (restarts) lm = phaseEdge(problem, lm);
  const covariance = modelCovarianceRefits(problem, lm, config);
  return fitResult(problem, covariance, rows);
}

/**
 * χ² is multimodal for sparse light curves: refit from the local minima of a coarse profile scan
 * of the box and keep the lowest χ² (profile-scan.ts, docs/salt2.md). Light curves that pin the fit
 * (the start's minimum interior, a fair χ², two degrees of freedom per parameter or more) are not
 * scanned: there the descent from sncosmo's start is what Minuit finds. A sparse light curve is
 * known to be degenerate from its data alone, so it is scanned first and the descent from the start
 * runs against the scan's best minimum (it mostly ends in a higher one).
 */
function scanRefits(problem: FitProblem): Descent {
  const { vary, bounds, params } = problem.setup;
  const { ndof, linear } = problem;
  const cBox = vary.includes("c") ? bounds.c : params.c;
  if (!vary.includes("t0") || linear === 0 || cBox === undefined) return fromStart(problem);
  let first: Descent | undefined;
  if (ndof >= SPARSE_NDOF_PER_PARAMETER * vary.length) {
    first = fromStart(problem);
    const degenerate =
      !first.converged ||
      problem.onBound(first.theta) ||
      first.chisq > 2 * Math.max(ndof, 1) ||
      problem.unpinned(first);
    if (!degenerate) return first;
  }
  const scan = profileScan(problem.objective, {
    z: vary.includes("z") && bounds.z !== undefined ? bounds.z : params.z,
    t0: bounds.t0 as [number, number],
    c: cBox,
    x1: linear === 2 ? problem.x1Bounds : [params.x1, params.x1],
  });
  return refitMinima(problem, scan, first);
}

/**
 * Refits from the scan's minima that the profile ranks below its value at the best fit's grid node
 * (both with the scan's approximations), and that are not next to a minimum already reached. Without
 * a `first` descent, the scan's best minimum is refitted first and the descent from the start runs
 * against it.
 */
function refitMinima(problem: FitProblem, scan: ProfileScan, first: Descent | undefined): Descent {
  let lm = first;
  const reached = first === undefined ? [] : [first.theta];
  let refits = 0;
  for (const m of scan.minima) {
    if (refits >= SCAN_REFITS) break;
    if (lm !== undefined) {
      if (m.chisq >= scan.near(lm.theta[Z] as number, lm.theta[T0] as number)) break;
      if (reached.some((t) => scan.neighbours(m.z, m.t0, t[Z] as number, t[T0] as number)))
        continue;
    }
    refits++;
    // a refit that cannot beat the incumbent is stopped early; where it was heading is unknown
    const candidate = problem.minimise(
      problem.thetaOf(problem.clamp({ ...problem.start, z: m.z, t0: m.t0, c: m.c })),
      REFIT_EVALUATIONS,
      undefined,
      lm === undefined ? undefined : { chisq: lm.chisq },
    );
    if (!candidate.abandoned) reached.push(candidate.theta);
    if (lm === undefined) {
      // where the start's descent ends (or was abandoned) counts as reached, as in the other order
      const start = fromStart(problem, candidate);
      reached.push(start.theta);
      const startWins = start.converged && start.chisq < candidate.chisq;
      lm = candidate.converged && !startWins ? candidate : start;
    } else if (candidate.converged && candidate.chisq < lm.chisq - 1e-6) lm = candidate;
  }
  return lm ?? fromStart(problem);
}

/** The descent from sncosmo's start; against a converged `incumbent`, a refit that may be abandoned. */
function fromStart(problem: FitProblem, incumbent?: Descent): Descent {
  const theta = problem.thetaOf(problem.start);
  if (incumbent?.converged !== true) return problem.minimise(theta);
  return problem.minimise(theta, REFIT_EVALUATIONS, undefined, {
    chisq: incumbent.chisq,
    horizon: START_HORIZON,
  });
}

/** Pieces of χ² across the phase-50 walls of points near the model's last phase. */
function phaseEdge(problem: FitProblem, lm: Descent): Descent {
  const { data, model, bounds } = problem.setup;
  const { nonlinear, nonlinearLower, nonlinearUpper } = problem;
  const t0Bounds = bounds.t0;
  if (!nonlinear.includes(T0) || t0Bounds === undefined || !lm.converged) return lm;
  const r = new Float64Array(data.length);
  const it0 = nonlinear.indexOf(T0);
  return phaseEdgeSearch(lm, {
    time: data.time,
    maxphase: model.maxphase,
    t0Bounds,
    chisqAt: (theta) => problem.separable(theta).evaluate(problem.nonlinearOf(theta), r, null),
    // Within the piece the release enters: the walls beyond are the next move's.
    free: (theta) =>
      problem.run(
        new PieceGuard(problem.separable(theta), nonlinear, data.time, model.maxphase),
        problem.nonlinearOf(theta),
        nonlinearLower,
        nonlinearUpper,
        REFIT_EVALUATIONS,
      ),
    onEdge(theta, i, inside) {
      const time = data.time[i] as number;
      const wall = new PhaseWall(problem.separable(theta), nonlinear, time, model.maxphase, inside);
      // t0 = t_i − maxphase·(1+z) within t0's bounds limits z.
      const lower = wall.reduce(nonlinearLower);
      const upper = wall.reduce(nonlinearUpper);
      const iz = nonlinear.indexOf(Z);
      if (iz >= 0) {
        const k = iz < it0 ? iz : iz - 1;
        lower[k] = Math.max(lower[k] as number, (time - t0Bounds[1]) / model.maxphase - 1);
        upper[k] = Math.min(upper[k] as number, (time - t0Bounds[0]) / model.maxphase - 1);
      }
      const fit = problem.run(
        wall,
        wall.reduce(problem.nonlinearOf(theta)),
        lower,
        upper,
        REFIT_EVALUATIONS,
      );
      return { fit, t0Gradient: wall.t0Gradient };
    },
  });
}

interface FinalDescent {
  lm: Descent;
  full: FullCovariance | undefined;
  nfit: number;
}

/**
 * Model covariance (§4.2, §4.8): refit from the optimum with C_model frozen there, while a
 * parameter moves by more than 0.1σ, the fit is valid and fewer than 22 fits were made.
 */
function modelCovarianceRefits(
  problem: FitProblem,
  first: Descent,
  config: FitConfig,
): FinalDescent {
  const { data, model, vary } = problem.setup;
  let lm = first;
  let nfit = 1;
  let full: FullCovariance | undefined;
  let refit = config.modelcov ?? false;
  const sigma = Float64Array.from(data.fluxerr);
  while (refit) {
    const from = problem.paramsOf(lm.theta);
    full = new FullCovariance(
      sigma,
      modelCovariance(
        data,
        from,
        problem.modelFluxes(from),
        model,
        config.errorModel ?? salt2ErrorModel(),
      ),
    );
    lm = problem.minimise(problem.thetaOf(from), problem.maxEvaluations, full);
    nfit++;
    refit = false;
    if (lm.converged && nfit < 22) {
      const { covariance } = parameterCovariance(
        problem.objective,
        lm.theta,
        problem.varied,
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
  return { lm, full, nfit };
}

/** The result as sncosmo reports it: parameters, errors, covariance, messages, the data mask. */
function fitResult(
  problem: FitProblem,
  { lm, full, nfit }: FinalDescent,
  rows: readonly PhotometryPoint[],
): FitResult {
  const { vary, bounds, data, warnings } = problem.setup;
  const { lower, upper } = problem;
  const best = problem.paramsOf(lm.theta);
  const atBound = vary.filter((name, v) => best[name] === lower[v] || best[name] === upper[v]);
  const { covariance, flags } = parameterCovariance(
    problem.objective,
    lm.theta,
    problem.varied,
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
    ncall: problem.objective.evaluations,
    nfit,
    chisq: lm.chisq,
    ndof: problem.ndof,
    params: best,
    vparamNames: vary,
    errors: Object.fromEntries(vary.map((name, v) => [name, Math.sqrt(covariance[v]?.[v] ?? NaN)])),
    covariance,
    atBound,
    bounds,
    start: problem.start,
    dataMask: mask,
    warnings,
  };
}
