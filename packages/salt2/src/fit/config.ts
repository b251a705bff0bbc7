/**
 * Fit configurations: sncosmo's defaults, the product's (docs/spec/broker.md §6) and the reference broker's
 * t0 window (docs/spec/salt2.md §4.3, §4.11).
 */
import { DataQualityError } from "./errors.js";
import { PARAM_NAMES, type ParamName, type Salt2Model, type Salt2Params } from "./model.js";
import type { Salt2ErrorModel } from "./model-covariance.js";
import type { PhotometryPoint } from "./photometry.js";

/** Two-sided bounds per parameter. */
export type ParamBounds = Readonly<Partial<Record<ParamName, readonly [number, number]>>>;

export interface FitConfig {
  /** Varied parameters (any order; reported in sncosmo's). Default: all five. */
  readonly vary?: readonly ParamName[];
  /** Two-sided bounds; z must be bounded when varied. x0 is never bounded by the product. */
  readonly bounds?: ParamBounds;
  /**
   * t0 window when `bounds.t0` is absent: "auto" (sncosmo's, the default) or "reference", the
   * reference broker's [int(T) − 10, int(T) + 10] with T the earliest epoch with S/N ≥ 5.
   */
  readonly t0Window?: "auto" | "reference";
  /** Values of the parameters before fitting: the fixed ones, and the start of x1 and c. */
  readonly params?: Partial<Salt2Params>;
  /** Start z at the middle of its bounds (sncosmo's guess_z). Default true. */
  readonly guessZ?: boolean;
  /** S/N threshold of the start guess (strict). Default 5. */
  readonly minsnr?: number;
  /**
   * Search the box for a lower minimum than the descent from sncosmo's start reaches: for degenerate
   * fits (on a bound, poor χ², sparse data, or a parameter not pinned within its bounds) a profile
   * scan over (z, t0) whose local minima are refitted, and for every fit the pieces of χ² across the
   * model's phase-50 edge next to the minimum (docs/salt2.md). Default true; false keeps the single
   * descent from sncosmo's start.
   */
  readonly restarts?: boolean;
  /** Budget of model evaluations per minimisation. Default 2000. */
  readonly maxEvaluations?: number;
  /** Model to fit. Default: the shipped salt2-4. */
  readonly model?: Salt2Model;
  /** Include the model covariance (sncosmo's modelcov, docs/spec/salt2.md §4.2, §4.8). Default false. */
  readonly modelcov?: boolean;
  /** Error surfaces for `modelcov`. Default: the shipped salt2-4's. */
  readonly errorModel?: Salt2ErrorModel;
}

/**
 * The product's SALT2 fit (docs/spec/broker.md §6): z ∈ [0.01, 0.2], x1, c ∈ [−5, 5], x0 free, t0 with
 * sncosmo's automatic bounds and start guess.
 */
export const PRODUCT_FIT_CONFIG: FitConfig = Object.freeze({
  vary: PARAM_NAMES,
  bounds: Object.freeze({ z: [0.01, 0.2], x1: [-5, 5], c: [-5, 5] } as const),
  t0Window: "auto",
});

/** The reference broker's (Pitt-Google's) fit: the product's bounds with its t0 window. */
export const REFERENCE_FIT_CONFIG: FitConfig = Object.freeze({
  ...PRODUCT_FIT_CONFIG,
  t0Window: "reference",
});

/** [int(T) − 10, int(T) + 10], T the earliest time with flux/fluxerr ≥ 5 (docs/spec/salt2.md §4.3). */
export function referenceT0Window(rows: readonly PhotometryPoint[]): [number, number] {
  let first = Infinity;
  for (const row of rows) if (row.flux / row.fluxerr >= 5 && row.time < first) first = row.time;
  if (first === Infinity) {
    throw new DataQualityError(
      "No data points with S/N >= 5: the reference t0 window is undefined.",
    );
  }
  const t = Math.trunc(first);
  return [t - 10, t + 10];
}
