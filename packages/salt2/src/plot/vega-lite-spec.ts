/**
 * Vega-Lite specification of a SALT2 light-curve plot (docs/spec/broker.md §6 "Plot"): one panel per band with
 * the data and 1σ error bars, the fitted model curve, flux scaled to zp 25 AB against MJD, and the
 * fitted parameters ± errors and χ²/ndof printed above the panels.
 */
import type { TopLevelSpec } from "vega-lite";

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

export function salt2PlotSpec(input: Salt2PlotInput): TopLevelSpec {
  const { fit } = input;
  const used = input.epochs.filter((_, i) => fit.dataMask[i]);
  const bands = [...new Set(used.map((e) => e.band))];
  const tmin = Math.min(...used.map((e) => e.time));
  const tmax = Math.max(...used.map((e) => e.time));
  const s = 1 + fit.params.z;
  // The model is drawn where it is defined and the data are (plus a margin).
  const lo = Math.max(tmin - 10, fit.params.t0 - 20 * s);
  const hi = Math.min(tmax + 10, fit.params.t0 + 50 * s);
  const grid = Float64Array.from(
    { length: CURVE_POINTS },
    (_, i) => lo + ((hi - lo) * i) / (CURVE_POINTS - 1),
  );

  const points = used.map((e) => {
    const scale = 10 ** (0.4 * (PLOT_ZP - e.zp));
    return {
      band: e.band,
      mjd: e.time,
      flux: e.flux * scale,
      lo: (e.flux - e.fluxerr) * scale,
      hi: (e.flux + e.fluxerr) * scale,
    };
  });
  const panels = bands.map((band) => {
    const model = bandflux(fit.params, band, grid, PLOT_ZP);
    const color = BAND_COLORS[band] ?? "#1f77b4";
    return {
      title: { text: band, fontSize: 13 },
      width: 300,
      height: 220,
      layer: [
        {
          data: { values: Array.from(grid, (mjd, i) => ({ mjd, flux: model[i] })) },
          mark: { type: "line" as const, color: "#333333", strokeWidth: 1.5 },
          encoding: {
            x: {
              field: "mjd",
              type: "quantitative" as const,
              title: "MJD",
              axis: { format: "d", labelOverlap: true },
              scale: { zero: false },
            },
            y: { field: "flux", type: "quantitative" as const, title: `flux (zp ${PLOT_ZP} AB)` },
          },
        },
        {
          data: { values: points.filter((p) => p.band === band) },
          mark: { type: "rule" as const, color },
          encoding: {
            x: { field: "mjd", type: "quantitative" as const },
            y: { field: "lo", type: "quantitative" as const },
            y2: { field: "hi" },
          },
        },
        {
          data: { values: points.filter((p) => p.band === band) },
          mark: { type: "point" as const, filled: true, color, size: 30 },
          encoding: {
            x: { field: "mjd", type: "quantitative" as const },
            y: { field: "flux", type: "quantitative" as const },
          },
        },
      ],
    };
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: input.title ?? "SALT2 fit",
      subtitle: fitSummaryLines(fit),
      anchor: "start",
      fontSize: 15,
      subtitleFontSize: 12,
      subtitlePadding: 6,
      offset: 12,
    },
    background: "white",
    padding: 16,
    config: { font: "DejaVu Sans", view: { stroke: "#cccccc" } },
    columns: Math.min(bands.length, 3),
    concat: panels,
  } as TopLevelSpec;
}
