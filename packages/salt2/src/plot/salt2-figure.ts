/**
 * The SALT2 light-curve figure as an SVG string: a header (title, fitted parameters, legend) over a
 * grid of panels, one per band (at most three per row), each with its data, 1σ error bars and the
 * model curve. Sizes are CSS pixels; the PNG is rendered at 2× (`render.ts`). The look follows the
 * Vega-Lite figure it replaced: same panel size, fonts, colours and axis conventions.
 */
import type { BandPanel, Salt2PlotData } from "./salt2-data.js";
import { PLOT_ZP } from "./salt2-data.js";
import { formatTick, linearScale, niceTicks, type Ticks } from "./scale.js";
import { PLOT_FONT, element, num, polylinePath, text, textWidth } from "./svg.js";

export interface Salt2Figure {
  readonly svg: string;
  readonly width: number;
  readonly height: number;
}

const PAD = 16;
const TITLE_SIZE = 15;
const SUBTITLE_SIZE = 12;
const LEGEND_SIZE = 11;
const BAND_SIZE = 13;
const LABEL_SIZE = 10;
const AXIS_TITLE_SIZE = 11;
const PANEL_W = 300;
const PANEL_H = 220;
const COLUMNS = 3;
const COLUMN_GAP = 28;
const ROW_GAP = 16;
const TICK = 5;
/** Space between a tick and its label. */
const LABEL_GAP = 3;
/** Band title above the plot area; tick labels and axis title below it. */
const PANEL_TOP = 22;
const PANEL_BOTTOM = 38;
/** Area of a point in px², Vega-Lite's `size: 30`. */
const POINT_RADIUS = Math.sqrt(30 / Math.PI);
const Y_TICKS = 5;
const LEGEND_W = 190;

const STYLE = {
  grid: "#dddddd",
  axis: "#888888",
  frame: "#cccccc",
  model: "#333333",
  legend: "#666666",
} as const;

const Y_TITLE = `flux (zp ${PLOT_ZP} AB)`;

interface PanelAxes {
  readonly x: Ticks;
  readonly y: Ticks;
  /** Width of the widest y label. */
  readonly yLabelWidth: number;
}

function finite(values: Iterable<number>): number[] {
  return [...values].filter(Number.isFinite);
}

function axesOf(panel: BandPanel): PanelAxes {
  const xs = finite([...panel.points.map((p) => p.mjd), ...panel.curveMjd]);
  const ys = finite([
    0, // flux axes start at zero, as in Vega-Lite
    ...panel.points.flatMap((p) => [p.flux, p.lo, p.hi]),
    ...panel.curveFlux,
  ]);
  // about one x label per 60 px: an MJD label is ~32 px wide
  const x = niceTicks(Math.min(...xs), Math.max(...xs), PANEL_W / 60);
  const y = niceTicks(Math.min(...ys), Math.max(...ys), Y_TICKS);
  const yLabelWidth = Math.max(
    ...y.values.map((v) => textWidth(formatTick(v, y.step), LABEL_SIZE)),
  );
  return { x, y, yLabelWidth };
}

/** Axis-aligned lines snap to whole pixels: sharp at 2×, and cheaper to rasterise. */
function crispPath(d: string, stroke: string): string {
  return element("path", { d, stroke, fill: "none", "shape-rendering": "crispEdges" });
}

/** The x axis: grid, ticks and labels (every k-th label when they would touch). */
function xAxis(ticks: Ticks, scale: (v: number) => number): string {
  const labels = ticks.values.map((v) => formatTick(v, ticks.step, false));
  const labelW = Math.max(...labels.map((l) => textWidth(l, LABEL_SIZE)));
  const spacing = PANEL_W / Math.max(ticks.values.length - 1, 1);
  const every = Math.max(1, Math.ceil((labelW + 12) / spacing));
  const xs = ticks.values.map((v) => num(scale(v)));
  return (
    crispPath(xs.map((x) => `M${x} 0V${PANEL_H}`).join(""), STYLE.grid) +
    crispPath(xs.map((x) => `M${x} ${PANEL_H}v${TICK}`).join(""), STYLE.axis) +
    labels
      .filter((_, i) => i % every === 0)
      .map((label, k) =>
        text(label, {
          x: scale(ticks.values[k * every] as number),
          y: PANEL_H + TICK + LABEL_GAP + LABEL_SIZE,
          "text-anchor": "middle",
          "font-size": LABEL_SIZE,
        }),
      )
      .join("")
  );
}

function yAxis(ticks: Ticks, scale: (v: number) => number): string {
  const ys = ticks.values.map((v) => num(scale(v)));
  return (
    crispPath(ys.map((y) => `M0 ${y}H${PANEL_W}`).join(""), STYLE.grid) +
    crispPath(ys.map((y) => `M0 ${y}h${-TICK}`).join(""), STYLE.axis) +
    ticks.values
      .map((v) =>
        text(formatTick(v, ticks.step), {
          x: -TICK - LABEL_GAP,
          y: scale(v) + LABEL_SIZE * 0.35,
          "text-anchor": "end",
          "font-size": LABEL_SIZE,
        }),
      )
      .join("")
  );
}

/** Error bars and points of the data; a point without a finite flux or time is not drawn. */
function dataMarks(panel: BandPanel, sx: (v: number) => number, sy: (v: number) => number): string {
  const drawn = panel.points.filter((p) => Number.isFinite(p.mjd) && Number.isFinite(p.flux));
  const bars = drawn
    .filter((p) => Number.isFinite(p.lo) && Number.isFinite(p.hi))
    .map((p) => {
      const x = num(sx(p.mjd));
      return element("path", { class: "errorbar", d: `M${x} ${num(sy(p.lo))}V${num(sy(p.hi))}` });
    });
  const points = drawn.map((p) =>
    element("circle", { class: "point", cx: sx(p.mjd), cy: sy(p.flux), r: POINT_RADIUS }),
  );
  return (
    element("g", { stroke: panel.color, "stroke-width": 1 }, bars.join("")) +
    element("g", { fill: panel.color, "fill-opacity": 0.7 }, points.join(""))
  );
}

/** One band's panel, its plot area's top left corner at (0, 0); `left` is the room for y labels. */
function panelSvg(panel: BandPanel, axes: PanelAxes, left: number): string {
  const sx = linearScale(axes.x.lo, axes.x.hi, 0, PANEL_W);
  const sy = linearScale(axes.y.lo, axes.y.hi, PANEL_H, 0);
  const d = polylinePath(Array.from(panel.curveMjd, sx), Array.from(panel.curveFlux, sy));
  const model =
    d === ""
      ? ""
      : element("path", {
          class: "model",
          d,
          fill: "none",
          stroke: STYLE.model,
          "stroke-width": 1.5,
          "stroke-linejoin": "round",
        });
  return (
    crispPath(`M0 0H${PANEL_W}V${PANEL_H}H0Z`, STYLE.frame) +
    xAxis(axes.x, sx) +
    yAxis(axes.y, sy) +
    crispPath(`M0 0V${PANEL_H}H${PANEL_W}`, STYLE.axis) +
    model +
    dataMarks(panel, sx, sy) +
    text(panel.band, {
      class: "band",
      x: PANEL_W / 2,
      y: -PANEL_TOP + BAND_SIZE,
      "text-anchor": "middle",
      "font-size": BAND_SIZE,
      "font-weight": "bold",
    }) +
    text("MJD", {
      x: PANEL_W / 2,
      y: PANEL_H + PANEL_BOTTOM - 4,
      "text-anchor": "middle",
      "font-size": AXIS_TITLE_SIZE,
      "font-weight": "bold",
    }) +
    text(Y_TITLE, {
      transform: `translate(${num(-left + AXIS_TITLE_SIZE)} ${PANEL_H / 2}) rotate(-90)`,
      "text-anchor": "middle",
      "font-size": AXIS_TITLE_SIZE,
      "font-weight": "bold",
    })
  );
}

/** The legend: what a point with its bar and what the line mean. */
function legend(): string {
  const y = -4;
  const dot =
    element("path", { d: `M6 ${y - 6}V${y + 6}`, stroke: STYLE.legend }) +
    element("circle", { cx: 6, cy: y, r: POINT_RADIUS, fill: STYLE.legend, "fill-opacity": 0.7 });
  const line = element("path", {
    d: `M88 ${y}h22`,
    stroke: STYLE.model,
    "stroke-width": 1.5,
  });
  const label = (x: number, content: string): string =>
    text(content, { x, y: y + LEGEND_SIZE * 0.35, "font-size": LEGEND_SIZE });
  return dot + label(16, "data ± 1σ") + line + label(116, "SALT2 model");
}

function header(data: Salt2PlotData, width: number): string {
  const titleY = PAD + TITLE_SIZE;
  const lines = data.summary.map((line, i) =>
    text(line, {
      x: PAD,
      y: titleY + 8 + (i + 1) * (SUBTITLE_SIZE + 4),
      "font-size": SUBTITLE_SIZE,
    }),
  );
  return (
    text(data.title, {
      class: "title",
      x: PAD,
      y: titleY,
      "font-size": TITLE_SIZE,
      "font-weight": "bold",
    }) +
    lines.join("") +
    element("g", { transform: `translate(${num(width - PAD - LEGEND_W)} ${titleY})` }, legend())
  );
}

function headerHeight(data: Salt2PlotData): number {
  return PAD + TITLE_SIZE + 8 + data.summary.length * (SUBTITLE_SIZE + 4) + 18;
}

function headerWidth(data: Salt2PlotData): number {
  const title = textWidth(data.title, TITLE_SIZE, true) + 24 + LEGEND_W;
  const lines = data.summary.map((line) => textWidth(line, SUBTITLE_SIZE));
  return 2 * PAD + Math.max(title, ...lines);
}

/** When the fit used no epoch: the header and a note where the panels would be. */
function emptyFigure(data: Salt2PlotData): Salt2Figure {
  const width = Math.max(headerWidth(data), PANEL_W + 2 * PAD);
  const top = headerHeight(data);
  const height = top + PANEL_H / 2 + PAD;
  const note = text("no epoch was used by the fit", {
    x: width / 2,
    y: top + PANEL_H / 4,
    "text-anchor": "middle",
    "font-size": BAND_SIZE,
  });
  return { svg: document(width, height, header(data, width) + note), width, height };
}

function document(width: number, height: number, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" ` +
    `viewBox="0 0 ${num(width)} ${num(height)}" font-family="${PLOT_FONT}">` +
    body +
    "</svg>"
  );
}

export function salt2Figure(data: Salt2PlotData): Salt2Figure {
  if (data.panels.length === 0) return emptyFigure(data);
  const axes = data.panels.map(axesOf);
  // the same room for y labels in every panel, so the columns line up
  const left = TICK + LABEL_GAP + Math.max(...axes.map((a) => a.yLabelWidth)) + 8 + AXIS_TITLE_SIZE;
  const columns = Math.min(data.panels.length, COLUMNS);
  const rows = Math.ceil(data.panels.length / COLUMNS);
  const cellW = left + PANEL_W;
  const cellH = PANEL_TOP + PANEL_H + PANEL_BOTTOM;
  const width = Math.ceil(
    Math.max(2 * PAD + columns * cellW + (columns - 1) * COLUMN_GAP, headerWidth(data)),
  );
  const top = headerHeight(data);
  const height = Math.ceil(top + rows * cellH + (rows - 1) * ROW_GAP + PAD);
  const panels = data.panels.map((panel, i) => {
    const x = PAD + (i % COLUMNS) * (cellW + COLUMN_GAP) + left;
    const y = top + Math.floor(i / COLUMNS) * (cellH + ROW_GAP) + PANEL_TOP;
    return element(
      "g",
      { class: "panel", "data-band": panel.band, transform: `translate(${num(x)} ${num(y)})` },
      panelSvg(panel, axes[i] as PanelAxes, left),
    );
  });
  return { svg: document(width, height, header(data, width) + panels.join("")), width, height };
}
