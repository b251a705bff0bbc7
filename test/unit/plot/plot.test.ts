import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { renderSalt2Plot, type RenderedPlot, type Salt2PlotInput } from "@pgb/salt2/plot";
import {
  PRODUCT_FIT_CONFIG,
  fitSalt2,
  parseLightCurveCsv,
  type FitResult,
  type PhotometryPoint,
} from "@pgb/salt2";

import { decodePng, type DecodedImage } from "./png-decode.js";

const epochs = parseLightCurveCsv(
  readFileSync(new URL("../../fixtures/salt2/lc-a.csv", import.meta.url), "utf8"),
);
const fit = fitSalt2(epochs, PRODUCT_FIT_CONFIG);

type Rgb = [number, number, number];
/** ztfg's #2ca02c, also blended with white (the points are 70 % opaque). */
const GREEN = ([r, g, b]: Rgb): boolean => g - r > 40 && g - b > 40;
/** ztfr's #d62728 */
const RED = ([r, g, b]: Rgb): boolean => r - g > 60 && r - b > 60;
/** the model's #333333 (the axes are #888888, the grid #dddddd) */
const MODEL = (rgb: Rgb): boolean => rgb.every((c) => c < 100);

interface Panel {
  band: string;
  /** Top left corner of the 300 × 220 plot area, SVG pixels. */
  x: number;
  y: number;
  svg: string;
}

/** The panel groups of the SVG, in order, with their own markup. */
function panels(svg: string): Panel[] {
  const starts = [
    ...svg.matchAll(
      /<g class="panel" data-band="([^"]+)" transform="translate\(([\d.]+) ([\d.]+)\)">/g,
    ),
  ];
  return starts.map((m, i) => ({
    band: m[1]!,
    x: Number(m[2]),
    y: Number(m[3]),
    svg: svg.slice(m.index, starts[i + 1]?.index ?? svg.length),
  }));
}

const count = (svg: string, pattern: RegExp): number => svg.match(pattern)?.length ?? 0;

/** Pixels of the PNG (2× the SVG) inside a panel's plot area that pass `like`. */
function pixelsLike(image: DecodedImage, panel: Panel, like: (rgb: Rgb) => boolean): number {
  const [left, top] = [Math.round(2 * panel.x), Math.round(2 * panel.y)];
  let n = 0;
  for (let y = top; y < top + 440; y++) {
    for (let x = left; x < left + 600; x++) {
      const i = (y * image.width + x) * 4;
      if (like([image.rgba[i]!, image.rgba[i + 1]!, image.rgba[i + 2]!])) n++;
    }
  }
  return n;
}

function render(
  overrides: Partial<Omit<Salt2PlotInput, "fit">> & { fit?: Partial<FitResult> } = {},
) {
  return renderSalt2Plot({
    epochs: overrides.epochs ?? epochs,
    fit: { ...fit, ...overrides.fit },
    title: overrides.title ?? "LC-A",
  });
}

function pngSize(plot: RenderedPlot): [number, number] {
  const view = new DataView(plot.png.buffer, plot.png.byteOffset);
  return [view.getUint32(16), view.getUint32(20)];
}

describe("SALT2 light-curve plot", () => {
  it("is a PNG at twice the SVG's size, two bands side by side", async () => {
    const plot = await render();
    expect(Buffer.from(plot.png.subarray(0, 8))).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
    expect(pngSize(plot)).toEqual([plot.width, plot.height]);
    const [, svgWidth, svgHeight] = /<svg [^>]*width="([\d.]+)" height="([\d.]+)"/.exec(plot.svg)!;
    expect([plot.width, plot.height]).toEqual([
      Math.round(2 * Number(svgWidth)),
      Math.round(2 * Number(svgHeight)),
    ]);
    expect(plot.width).toBeGreaterThan(1300);
    expect(plot.width).toBeLessThan(1700);
    expect(plot.height).toBeGreaterThan(600);
    expect(plot.height).toBeLessThan(850);
  });

  it("writes the title, the fit, the band names and the axis titles", async () => {
    const plot = await render();
    for (const text of [
      '<text class="title" x="16" y="31" font-size="15" font-weight="bold">LC-A</text>',
      ">ztfg</text>",
      ">ztfr</text>",
      ">MJD</text>",
      ">flux (zp 25 AB)</text>",
      "z = 0.0509 ± 0.0029",
      "x1 = 0.703 ± 0.045",
      "χ²/ndof = 34.07/43",
      ">data ± 1σ</text>",
      ">SALT2 model</text>",
    ]) {
      expect(plot.svg).toContain(text);
    }
  });

  it("has one panel per band, with an error bar and a point per epoch and the model", async () => {
    const plot = await render();
    const found = panels(plot.svg);
    expect(found.map((p) => p.band)).toEqual(["ztfg", "ztfr"]);
    for (const panel of found) {
      const n = epochs.filter((e) => e.band === panel.band).length;
      expect(count(panel.svg, /class="errorbar"/g)).toBe(n);
      expect(count(panel.svg, /class="point"/g)).toBe(n);
      expect(panel.svg).toMatch(/<path class="model" d="M[\d.]+ [\d.]+(L[\d.]+ [\d.]+){299}"/);
    }
  });

  it("draws each band's data in its own panel, in its colour, over the model curve", async () => {
    const plot = await render();
    const image = decodePng(plot.png);
    const [g, r] = panels(plot.svg);
    expect(pixelsLike(image, g!, GREEN)).toBeGreaterThan(24 * 20);
    expect(pixelsLike(image, g!, RED)).toBe(0);
    expect(pixelsLike(image, r!, RED)).toBeGreaterThan(24 * 20);
    expect(pixelsLike(image, r!, GREEN)).toBe(0);
    for (const panel of [g!, r!]) expect(pixelsLike(image, panel, MODEL)).toBeGreaterThan(500);
  });

  it("escapes the title and keeps every character of it", async () => {
    const plot = await render({ title: "ZTF21abprzfg <&> 1704377621415015002" });
    expect(plot.svg).toContain(">ZTF21abprzfg &lt;&amp;&gt; 1704377621415015002</text>");
  });

  it("leaves out a point without a finite flux and draws the rest", async () => {
    const bad = epochs.map((e, i) =>
      i === 0 ? { ...e, flux: NaN } : i === 1 ? { ...e, fluxerr: NaN } : e,
    );
    const plot = await render({ epochs: bad });
    const [g, r] = panels(plot.svg);
    expect(count(g!.svg, /class="point"/g)).toBe(23);
    expect(count(r!.svg, /class="point"/g)).toBe(24);
    expect(count(r!.svg, /class="errorbar"/g)).toBe(23);
    expect(plot.svg).not.toContain("NaN");
  });

  it("gives no panel to a band the fit did not use", async () => {
    const dataMask = epochs.map((e) => e.band === "ztfr");
    const plot = await render({ fit: { dataMask } });
    expect(panels(plot.svg).map((p) => p.band)).toEqual(["ztfr"]);
    expect(plot.width).toBeLessThan(1000);
  });

  it("draws one point, negative fluxes, an undefined model and no data without failing", async () => {
    const one = await render({ epochs: [epochs[0]!], fit: { dataMask: [true] } });
    expect(count(one.svg, /class="point"/g)).toBe(1);

    const negative: PhotometryPoint[] = epochs.map((e) => ({ ...e, flux: -e.flux }));
    const below = await render({ epochs: negative });
    expect(below.svg).toContain(">\u2212");
    expect(count(below.svg, /class="errorbar"/g)).toBe(48);

    const noModel = await render({ fit: { params: { ...fit.params, t0: NaN, z: NaN } } });
    expect(count(noModel.svg, /class="point"/g)).toBe(48);
    expect(noModel.svg).not.toContain('class="model"');
    expect(noModel.svg).not.toMatch(/="[^"]*NaN/);

    const nothing = await render({ fit: { dataMask: epochs.map(() => false) } });
    expect(panels(nothing.svg)).toEqual([]);
    expect(nothing.svg).toContain("no epoch was used by the fit");
    for (const plot of [one, below, noModel, nothing]) {
      expect(pngSize(plot)).toEqual([plot.width, plot.height]);
    }
  });

  it("puts at most three panels in a row", async () => {
    const bands = ["lsstu", "lsstg", "lsstr", "lssti", "lsstz"];
    const lsst = epochs.map((e, i) => ({ ...e, band: bands[i % bands.length]! }));
    const plot = await render({ epochs: lsst });
    const found = panels(plot.svg);
    expect(found.map((p) => p.band)).toEqual(bands);
    expect(new Set(found.map((p) => p.y)).size).toBe(2);
    expect(found[3]!.x).toBe(found[0]!.x);
  });
});
