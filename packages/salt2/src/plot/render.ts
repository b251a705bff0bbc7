/**
 * Browser-free rendering of Vega-Lite specifications: vega-lite → vega → SVG (headless view) → PNG
 * with resvg and the fonts shipped in `data/fonts/` (DejaVu Sans). System fonts are not used: the
 * Cloud Functions runtime image may have none, and the same files give the same PNG everywhere.
 */
import { fileURLToPath } from "node:url";
import type { TopLevelSpec } from "vega-lite";

/** `data/` sits two levels above both `src/plot/` and the compiled `dist/plot/`. */
const FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((f) =>
  fileURLToPath(new URL(`../../data/fonts/${f}`, import.meta.url)),
);

export interface RenderedPlot {
  readonly svg: string;
  readonly png: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** Renders a spec to SVG and PNG; `scale` multiplies the PNG resolution. */
export async function renderVegaLite(spec: TopLevelSpec, scale = 2): Promise<RenderedPlot> {
  // vega is ESM with top-level await: load it dynamically.
  const vegaLite = await import("vega-lite");
  const vega = await import("vega");
  const { Resvg } = await import("@resvg/resvg-js");
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    const image = new Resvg(svg, {
      font: { fontFiles: FONT_FILES, loadSystemFonts: false, defaultFontFamily: "DejaVu Sans" },
      fitTo: { mode: "zoom", value: scale },
      background: "white",
    }).render();
    return { svg, png: new Uint8Array(image.asPng()), width: image.width, height: image.height };
  } finally {
    view.finalize();
  }
}
