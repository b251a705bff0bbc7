/**
 * Small SVG string builders: escaped text, elements, polyline paths and a text-width estimate for
 * the plot font (DejaVu Sans, the only font the plots are rendered with), enough to lay out labels
 * without a browser.
 */

/** The family of the fonts in `data/fonts/`, a subset of DejaVu Sans. */
export const PLOT_FONT = "DejaVu Sans Plot";

const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ESCAPES[c] ?? c);
}

/** Coordinates with 2 decimals: sub-pixel enough at 2× and keeps the SVG small. */
export function num(v: number): string {
  return String(Math.round(v * 100) / 100);
}

export type Attributes = Readonly<Record<string, string | number>>;

function attributes(attrs: Attributes): string {
  return Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${typeof v === "number" ? num(v) : escapeXml(v)}"`)
    .join("");
}

/** An element; `content` is inserted as is (already escaped SVG). */
export function element(name: string, attrs: Attributes, content?: string): string {
  return content === undefined
    ? `<${name}${attributes(attrs)}/>`
    : `<${name}${attributes(attrs)}>${content}</${name}>`;
}

export function text(content: string, attrs: Attributes): string {
  return element("text", attrs, escapeXml(content));
}

/**
 * Path data through the points; a non-finite coordinate breaks the line (a model that is undefined
 * there) instead of drawing to NaN.
 */
export function polylinePath(xs: ArrayLike<number>, ys: ArrayLike<number>): string {
  let d = "";
  let pen = false;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as number;
    const y = ys[i] as number;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${num(x)} ${num(y)}`;
    pen = true;
  }
  return d;
}

/** Advance widths of DejaVu Sans in em, for the characters of numbers; others get an average. */
const ADVANCE: Readonly<Record<string, number>> = {
  ",": 0.318,
  ".": 0.318,
  " ": 0.318,
  "-": 0.361,
  "\u2212": 0.838,
};
const DIGIT = 0.636;
const AVERAGE = 0.6;
const BOLD = 1.1;

/** Estimated width in pixels of `content` at `size` px (bold glyphs are about 10 % wider). */
export function textWidth(content: string, size: number, bold = false): number {
  let em = 0;
  for (const c of content) em += c >= "0" && c <= "9" ? DIGIT : (ADVANCE[c] ?? AVERAGE);
  return em * size * (bold ? BOLD : 1);
}
