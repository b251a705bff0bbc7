/**
 * What the SALT2 light-curve plot shows (docs/spec/broker.md §6 "Plot"), independent of how it is
 * drawn: per band used by the fit, the data and 1σ bounds scaled to zp 25 AB, the model curve on a
 * time grid, and the fitted parameters ± errors and χ²/ndof as text lines.
 */
import {
  PARAM_NAMES,
  bandflux,
  type FitResult,
  type ParamName,
  type PhotometryPoint,
} from "../fit/index.js";

export interface Salt2PlotInput {
  /** The light curve that was fitted (all rows; only bands used by the fit are drawn). */
  readonly epochs: readonly PhotometryPoint[];
  readonly fit: FitResult;
  /** Heading, e.g. the objectId. */
  readonly title?: string;
}

/** Zero point the plot scales every flux to. */
export const PLOT_ZP = 25;

export interface PlotPoint {
  readonly mjd: number;
  readonly flux: number;
  /** flux ∓ fluxerr */
  readonly lo: number;
  readonly hi: number;
}

export interface BandPanel {
  readonly band: string;
  readonly color: string;
  readonly points: readonly PlotPoint[];
  /** The model on `curveMjd` (NaN where it cannot be evaluated). */
  readonly curveMjd: Float64Array;
  readonly curveFlux: Float64Array;
}

export interface Salt2PlotData {
  readonly title: string;
  readonly summary: readonly string[];
  readonly panels: readonly BandPanel[];
}

const BAND_COLORS: Readonly<Record<string, string>> = {
  ztfg: "#2ca02c",
  ztfr: "#d62728",
  ztfi: "#8c564b",
  sdssg: "#2ca02c",
  sdssr: "#d62728",
  sdssi: "#8c564b",
  sdssz: "#7f7f7f",
  lsstu: "#9467bd",
  lsstg: "#2ca02c",
  lsstr: "#d62728",
  lssti: "#ff7f0e",
  lsstz: "#8c564b",
  lssty: "#7f7f7f",
};

/** Points of the model curve per band. */
const CURVE_POINTS = 300;

/** A value ± error with a precision suited to the error. */
function formatValue(name: ParamName, fit: FitResult): string {
  const value = fit.params[name];
  if (!fit.vparamNames.includes(name)) return `${name} = ${value.toPrecision(4)} (fixed)`;
  // A parameter held at a bound has no meaningful error (docs/spec/salt2.md §6.1).
  if (fit.atBound.includes(name)) return `${name} = ${value.toPrecision(4)} (at bound)`;
  const error = fit.errors[name] ?? NaN;
  if (name === "x0") {
    const exponent = Math.floor(Math.log10(Math.abs(value) || 1));
    const scale = 10 ** exponent;
    return `x0 = (${(value / scale).toFixed(3)} ± ${(error / scale).toFixed(3)})e${exponent}`;
  }
  const decimals =
    Number.isFinite(error) && error > 0
      ? Math.min(Math.max(1 - Math.floor(Math.log10(error)), 1), 6)
      : 4;
  return `${name} = ${value.toFixed(decimals)} ± ${Number.isFinite(error) ? error.toFixed(decimals) : "?"}`;
}

/** The subtitle lines: parameters ± errors and χ²/ndof (dot separators: SVG collapses runs of spaces). */
export function fitSummaryLines(fit: FitResult): string[] {
  const parts = PARAM_NAMES.map((name) => formatValue(name, fit));
  return [
    parts.slice(0, 3).join("  ·  "),
    `${parts.slice(3).join("  ·  ")}  ·  χ²/ndof = ${fit.chisq.toFixed(2)}/${fit.ndof}`,
  ];
}

/**
 * The model's time grid: where the model is defined and the data are (plus a margin); the data's
 * span alone when the fitted t0 or z is not finite.
 */
function curveGrid(fit: FitResult, times: readonly number[]): Float64Array {
  const finite = times.filter(Number.isFinite);
  if (finite.length === 0) return new Float64Array(0);
  const tmin = Math.min(...finite);
  const tmax = Math.max(...finite);
  const s = 1 + fit.params.z;
  let lo = Math.max(tmin - 10, fit.params.t0 - 20 * s);
  let hi = Math.min(tmax + 10, fit.params.t0 + 50 * s);
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) [lo, hi] = [tmin - 10, tmax + 10];
  return Float64Array.from(
    { length: CURVE_POINTS },
    (_, i) => lo + ((hi - lo) * i) / (CURVE_POINTS - 1),
  );
}

/** The model in `band` on `grid`; NaN (nothing drawn) when a fitted parameter is not finite. */
function modelCurve(fit: FitResult, band: string, grid: Float64Array): Float64Array {
  if (!PARAM_NAMES.every((name) => Number.isFinite(fit.params[name]))) {
    return new Float64Array(grid.length).fill(NaN);
  }
  return bandflux(fit.params, band, grid, PLOT_ZP);
}

export function salt2PlotData(input: Salt2PlotInput): Salt2PlotData {
  const { fit } = input;
  const used = input.epochs.filter((_, i) => fit.dataMask[i] === true);
  const grid = curveGrid(
    fit,
    used.map((e) => e.time),
  );
  const panels = [...new Set(used.map((e) => e.band))].map((band): BandPanel => {
    const points = used
      .filter((e) => e.band === band)
      .map((e) => {
        const scale = 10 ** (0.4 * (PLOT_ZP - e.zp));
        const flux = e.flux * scale;
        const err = e.fluxerr * scale;
        return { mjd: e.time, flux, lo: flux - err, hi: flux + err };
      });
    return {
      band,
      color: BAND_COLORS[band] ?? "#1f77b4",
      points,
      curveMjd: grid,
      curveFlux: modelCurve(fit, band, grid),
    };
  });
  return { title: input.title ?? "SALT2 fit", summary: fitSummaryLines(fit), panels };
}
