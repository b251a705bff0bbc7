/**
 * The SALT2 plot as value-added rendered it before its own SVG renderer, kept here only to compare
 * against: a Vega-Lite specification of the same content (`salt2PlotData`) → vega → SVG (headless
 * view) → PNG with resvg, the full DejaVu Sans fonts in `fonts/` and resvg's PNG encoder. vega and
 * vega-lite are development dependencies of the repository; no function bundle includes them.
 */
import { fileURLToPath } from "node:url";

import { Resvg } from "@resvg/resvg-js";
import type { TopLevelSpec } from "vega-lite";

import { PLOT_ZP, salt2PlotData, type RenderedPlot, type Salt2PlotInput } from "@pgb/salt2/plot";

const FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((f) =>
  fileURLToPath(new URL(`fonts/${f}`, import.meta.url)),
);

export function salt2VegaSpec(input: Salt2PlotInput): TopLevelSpec {
  const data = salt2PlotData(input);
  const panels = data.panels.map((panel) => ({
    title: { text: panel.band, fontSize: 13 },
    width: 300,
    height: 220,
    layer: [
      {
        data: {
          values: Array.from(panel.curveMjd, (mjd, i) => ({ mjd, flux: panel.curveFlux[i] })),
        },
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
        data: { values: panel.points },
        mark: { type: "rule" as const, color: panel.color },
        encoding: {
          x: { field: "mjd", type: "quantitative" as const },
          y: { field: "lo", type: "quantitative" as const },
          y2: { field: "hi" },
        },
      },
      {
        data: { values: panel.points },
        mark: { type: "point" as const, filled: true, color: panel.color, size: 30 },
        encoding: {
          x: { field: "mjd", type: "quantitative" as const },
          y: { field: "flux", type: "quantitative" as const },
        },
      },
    ],
  }));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: data.title,
      subtitle: [...data.summary],
      anchor: "start",
      fontSize: 15,
      subtitleFontSize: 12,
      subtitlePadding: 6,
      offset: 12,
    },
    background: "white",
    padding: 16,
    config: { font: "DejaVu Sans", view: { stroke: "#cccccc" } },
    columns: Math.min(panels.length, 3),
    concat: panels,
  } as TopLevelSpec;
}

/** The old renderer: spec → vega → SVG → resvg PNG at 2×. */
export async function renderSalt2PlotWithVega(input: Salt2PlotInput): Promise<RenderedPlot> {
  // vega is ESM with top-level await: load it dynamically.
  const vegaLite = await import("vega-lite");
  const vega = await import("vega");
  const view = new vega.View(vega.parse(vegaLite.compile(salt2VegaSpec(input)).spec), {
    renderer: "none",
  });
  try {
    const svg = await view.toSVG();
    const image = new Resvg(svg, {
      font: { fontFiles: FONT_FILES, loadSystemFonts: false, defaultFontFamily: "DejaVu Sans" },
      fitTo: { mode: "zoom", value: 2 },
      background: "white",
    }).render();
    return { svg, png: new Uint8Array(image.asPng()), width: image.width, height: image.height };
  } finally {
    view.finalize();
  }
}
