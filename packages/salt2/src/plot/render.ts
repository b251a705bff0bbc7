/**
 * SVG → PNG with resvg and the fonts shipped in `data/fonts/` ("DejaVu Sans Plot": a subset of
 * DejaVu Sans, see its README; resvg's text costs grow with the font's size). System fonts are not
 * used: the Cloud Functions runtime image may have none, and the same files give the same PNG
 * everywhere.
 */
import { fileURLToPath } from "node:url";

import { Resvg } from "@resvg/resvg-js";

import { encodePng } from "./png.js";
import { PLOT_FONT } from "./svg.js";

/** `data/` sits two levels above both `src/plot/` and the compiled `dist/plot/`. */
const FONT_FILES = ["DejaVuSansPlot.ttf", "DejaVuSansPlot-Bold.ttf"].map((f) =>
  fileURLToPath(new URL(`../../data/fonts/${f}`, import.meta.url)),
);

export interface RenderedPlot {
  readonly svg: string;
  readonly png: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** Rasterises an SVG document on white; `scale` multiplies its resolution. */
export function rasterise(svg: string, scale = 2): RenderedPlot {
  const image = new Resvg(svg, {
    font: { fontFiles: FONT_FILES, loadSystemFonts: false, defaultFontFamily: PLOT_FONT },
    fitTo: { mode: "zoom", value: scale },
    background: "white",
  }).render();
  const { width, height } = image;
  return { svg, png: encodePng(image.pixels, width, height), width, height };
}
