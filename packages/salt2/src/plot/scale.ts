/**
 * Linear scales and "nice" axis ticks (steps of 1, 2 or 5 × 10^k, as d3 and Vega choose them), so
 * the plot's axes read like the Vega-Lite ones it replaced.
 */

export interface Ticks {
  /** The domain widened to whole steps. */
  readonly lo: number;
  readonly hi: number;
  readonly step: number;
  readonly values: readonly number[];
}

/** A step of 1, 2 or 5 × 10^k close to `span / count`. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(count, 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  const ratio = raw / power;
  if (ratio >= Math.sqrt(50)) return 10 * power;
  if (ratio >= Math.sqrt(10)) return 5 * power;
  if (ratio >= Math.sqrt(2)) return 2 * power;
  return power;
}

/**
 * About `count` ticks covering [lo, hi], the domain widened to whole steps. An empty or non-finite
 * range gets a unit around its finite end (or [0, 1]), so one point or no data still has an axis.
 */
export function niceTicks(lo: number, hi: number, count: number): Ticks {
  [lo, hi] = usableRange(lo, hi);
  const step = niceStep(hi - lo, count);
  const first = Math.floor(lo / step);
  const last = Math.ceil(hi / step);
  const values = Array.from({ length: last - first + 1 }, (_, i) => (first + i) * step);
  return { lo: first * step, hi: last * step, step, values };
}

function usableRange(lo: number, hi: number): [number, number] {
  if (!Number.isFinite(lo) && !Number.isFinite(hi)) return [0, 1];
  if (!Number.isFinite(lo)) lo = hi;
  if (!Number.isFinite(hi)) hi = lo;
  if (hi > lo) return [lo, hi];
  const half = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 0.5;
  return [lo - half, lo + half];
}

/** Maps [d0, d1] onto [r0, r1] (r1 < r0 for a y axis drawn downwards). */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const k = (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

const MINUS = "\u2212";

/**
 * A tick label with as many decimals as the step needs; `grouping` adds thousands separators
 * ("1,000", as Vega's default format does; MJDs are written without them).
 */
export function formatTick(value: number, step: number, grouping = true): string {
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  const text = Math.abs(value).toFixed(decimals);
  const [whole = "", fraction] = text.split(".");
  const grouped = grouping ? whole.replace(/\B(?=(\d{3})+$)/g, ",") : whole;
  const sign = value < 0 && Number(text) !== 0 ? MINUS : "";
  return sign + grouped + (fraction === undefined ? "" : `.${fraction}`);
}
