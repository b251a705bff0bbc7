/**
 * `fitSalt2`: sncosmo's `fit_lc` for the SALT2 model (salt2-spec §4.4) with the same start point,
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
import { levenbergMarquardt, type LmResult } from "./levenberg-marquardt.js";
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
import { Salt2Objective, X0 } from "./objective.js";
import { PreparedPhotometry, type PhotometryPoint } from "./photometry.js";

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
/** Redshifts (fractions of the z range) from which a poor fit is restarted. */
const Z_RESTARTS = [0.05, 0.3, 0.7, 0.95];
/** Evaluation budget of a restart; one that does not converge within it is discarded. */
const RESTART_EVALUATIONS = 100;

/**
 * Fits the salt2 model to photometry. `config` defaults to the product configuration (broker-spec §6);
 * fields missing from a given config take sncosmo's defaults (all five parameters varied, x1 and c
 * unbounded, automatic t0 bounds). Throws `DataQualityError`, `NoBandOverlapError`, `FitConfigError`,
 * `BandpassError` or `PhotometryError` for the failure modes of salt2-spec §4.10.
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
  const initial: Salt2Params = { ...params };
  if (vary.includes("t0") || vary.includes("x0")) {
    const guess = guessT0AndAmplitude(data, params, model, minsnr);
    if (vary.includes("x0")) params.x0 = guess.x0;
    if (vary.includes("t0")) params.t0 = guess.t0;
  }

  const objective = new Salt2Objective(data, model);
  const varied = Int32Array.from(vary, (name) => PARAM_NAMES.indexOf(name));
  const theta = Float64Array.from(PARAM_NAMES, (name) => params[name]);
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
  const nv = vary.length;
  const ndof = data.length - nv;
  const maxEvaluations = config.maxEvaluations ?? 2000;
  // x0 is fitted as ln x0 when positive and unbounded: the amplitude–colour degeneracy
  // (x0·10^(0.4 c P)) is then a straight valley instead of a curved one.
  const ix0 = vary.indexOf("x0");
  const logX0 = ix0 >= 0 && bounds.x0 === undefined;
  const toInternal = (p: Salt2Params) =>
    Float64Array.from(vary, (name) => (name === "x0" && logX0 ? Math.log(p.x0) : p[name]));
  const internalLower = Float64Array.from(lower, (v, i) => (i === ix0 && logX0 ? -Infinity : v));
  const internalUpper = Float64Array.from(upper, (v, i) => (i === ix0 && logX0 ? Infinity : v));
  const minimise = (
    from: Salt2Params,
    maxEvaluations: number,
    initialDamping = 1,
    full?: FullCovariance,
  ) => {
    const useLog = logX0 && from.x0 > 0;
    const lm = levenbergMarquardt(
      {
        nResiduals: data.length,
        nParams: nv,
        evaluate(x, r, jac) {
          varied.forEach((k, v) => (theta[k] = x[v] as number));
          if (useLog) theta[X0] = Math.exp(x[ix0] as number);
          const value = objective.evaluate(theta, r, jac, varied);
          if (useLog && jac !== null) {
            for (let i = 0; i < data.length; i++)
              jac[i * nv + ix0] = (jac[i * nv + ix0] as number) * (theta[X0] as number);
          }
          return full === undefined ? value : full.whiten(r, jac, nv);
        },
      },
      useLog ? toInternal(from) : Float64Array.from(vary, (name) => from[name]),
      {
        lower: useLog ? internalLower : lower,
        upper: useLog ? internalUpper : upper,
        maxEvaluations,
        edmGoal: EDM_GOAL,
        initialDamping,
      },
    );
    if (useLog) lm.x[ix0] = Math.exp(lm.x[ix0] as number);
    return lm;
  };
  const paramsOf = (x: Float64Array): Salt2Params => {
    const p: Record<ParamName, number> = { ...start };
    vary.forEach((name, v) => (p[name] = x[v] as number));
    return p;
  };
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
  const onBound = (x: Float64Array) => vary.some((_, v) => x[v] === lower[v] || x[v] === upper[v]);

  let lm = minimise(start, maxEvaluations, 1e-3);
  const poor = () => !lm.converged || onBound(lm.x) || lm.chisq > 2 * Math.max(ndof, 1);
  const consider = (candidate: LmResult) => {
    if (candidate.converged && candidate.chisq < lm.chisq - 1e-6) lm = candidate;
  };
  // Degenerate light curves have several minima; from sncosmo's start, cautious and bold first steps
  // (Marquardt damping 1 and 1e-3) reach different ones as often as Minuit's path does: a poor fit
  // also takes the second path and keeps the lower χ² (docs/salt2.md).
  if (poor()) consider(minimise(start, maxEvaluations, 1));
  // Optionally, restarts from other redshifts, with sncosmo's guess made there.
  const zb = bounds.z;
  if ((config.restarts ?? false) && zb !== undefined && vary.includes("z") && poor()) {
    for (const q of Z_RESTARTS) {
      const from: Record<ParamName, number> = { ...initial, z: zb[0] + q * (zb[1] - zb[0]) };
      const guess = guessT0AndAmplitude(data, from, model, minsnr);
      if (vary.includes("x0")) from.x0 = guess.x0;
      if (vary.includes("t0")) from.t0 = guess.t0;
      consider(minimise(clamp(from), RESTART_EVALUATIONS));
    }
  }

  // Model covariance (§4.2, §4.8): refit from the optimum with C_model frozen there, while a
  // parameter moves by more than 0.1σ, the fit is valid and fewer than 22 fits were made.
  let nfit = 1;
  let full: FullCovariance | undefined;
  let refit = config.modelcov ?? false;
  const sigma = Float64Array.from(data.fluxerr);
  while (refit) {
    const from = paramsOf(lm.x);
    full = new FullCovariance(
      sigma,
      modelCovariance(data, from, modelFluxes(from), model, config.errorModel ?? salt2ErrorModel()),
    );
    lm = minimise(from, maxEvaluations, 1e-3, full);
    nfit++;
    refit = false;
    if (lm.converged && nfit < 22) {
      varied.forEach((k, v) => (theta[k] = lm.x[v] as number));
      const { covariance } = parameterCovariance(
        objective,
        theta,
        varied,
        vary.map(() => true),
        NaN,
        full,
      );
      refit = vary.some(
        (name, v) =>
          Math.abs((lm.x[v] as number) - from[name]) / Math.sqrt(covariance[v]?.[v] ?? NaN) > 0.1,
      );
    }
  }

  const best = Object.fromEntries(
    PARAM_NAMES.map((name, i) => {
      const v = vary.indexOf(name);
      return [name, v < 0 ? theta[i] : lm.x[v]];
    }),
  ) as unknown as Salt2Params;
  varied.forEach((k, v) => (theta[k] = lm.x[v] as number));
  const atBound = vary.filter((_, v) => lm.x[v] === lower[v] || lm.x[v] === upper[v]);
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
