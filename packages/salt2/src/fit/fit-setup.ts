/**
 * What a fit starts from, as sncosmo's `fit_lc` sets it up (docs/spec/salt2.md §4.4): the varied
 * parameters in sncosmo's order, validated bounds, the z guess, the band cut (§2.5), the t0 window
 * and the t0 and amplitude guess.
 */
import type { Bandpass } from "./bandpass.js";
import { referenceT0Window, type FitConfig, type ParamBounds } from "./config.js";
import { FitConfigError, NoBandOverlapError } from "./errors.js";
import { autoT0Bounds, guessT0AndAmplitude } from "./guess.js";
import { DEFAULT_PARAMS, PARAM_NAMES, type ParamName, type Salt2Model } from "./model.js";
import { PreparedPhotometry, type PhotometryPoint } from "./photometry.js";

export interface FitSetup {
  model: Salt2Model;
  /** Varied parameters, in sncosmo's order. */
  vary: ParamName[];
  bounds: Partial<Record<ParamName, readonly [number, number]>>;
  /** Start values of all five parameters (before clamping into the bounds). */
  params: Record<ParamName, number>;
  /** The photometry of the bands the model covers. */
  data: PreparedPhotometry;
  warnings: string[];
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

function validatedBounds(
  given: ParamBounds | undefined,
): Partial<Record<ParamName, readonly [number, number]>> {
  const bounds: Partial<Record<ParamName, readonly [number, number]>> = {};
  for (const [name, b] of Object.entries(given ?? {}) as [ParamName, readonly [number, number]][]) {
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
  return bounds;
}

/** Band cut (§2.5): strict overlap at both z bounds when given, else at the current z. */
function cutBands(
  rows: readonly PhotometryPoint[],
  model: Salt2Model,
  zs: readonly number[],
): { data: PreparedPhotometry; warnings: string[] } {
  const all = new PreparedPhotometry(rows);
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
  return { data, warnings };
}

export function prepareFit(
  rows: readonly PhotometryPoint[],
  config: FitConfig,
  model: Salt2Model,
): FitSetup {
  const minsnr = config.minsnr ?? 5;
  const vary = orderedNames(config.vary ?? PARAM_NAMES);
  const bounds = validatedBounds(config.bounds);
  const params: Record<ParamName, number> = { ...DEFAULT_PARAMS, ...config.params };

  if (vary.includes("z")) {
    const zb = bounds.z;
    if (zb === undefined) throw new FitConfigError("z must be bounded if fit.");
    if (config.guessZ ?? true) params.z = (zb[0] + zb[1]) / 2;
    if (params.z < zb[0] || params.z > zb[1]) throw new FitConfigError("z out of range.");
  }
  const { data, warnings } = cutBands(rows, model, bounds.z ?? [params.z]);

  if (vary.includes("t0") && bounds.t0 === undefined) {
    bounds.t0 =
      config.t0Window === "reference" ? referenceT0Window(rows) : autoT0Bounds(data, params, model);
  }
  if (vary.includes("t0") || vary.includes("x0")) {
    const guess = guessT0AndAmplitude(data, params, model, minsnr);
    if (vary.includes("x0")) params.x0 = guess.x0;
    if (vary.includes("t0")) params.t0 = guess.t0;
  }
  return { model, vary, bounds, params, data, warnings };
}
