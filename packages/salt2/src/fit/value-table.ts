/**
 * Band integrals of both templates at one (z, c) for every phase node, kept per band across fits.
 * The profile scan evaluates the same grid of (z, c) for every light curve fitted with the same
 * bounds, and the start guess the same (z, c) for all of them: each table is projected once per
 * process instead of once per fit (docs/salt2.md#speed). Values equal `BandProjection.interpolate`'s.
 */
import { isCubicCell } from "./interpolation.js";
import {
  SLOT,
  SLOT_COUNT,
  cubic,
  keysWeights,
  linear,
  phaseCell,
  type BandProjection,
  type ValueNodes,
} from "./projection.js";

/** Tables kept per band; beyond this many (z, c), the band's tables are dropped and rebuilt on use. */
const TABLES_PER_BAND = 256;

export class ValueTable {
  readonly #phase: Float64Array;
  /** The template's phase spacing if uniform, else 0. */
  readonly #spacing: number;
  readonly #nodes: ValueNodes;
  /** Kernel weights of `series` and of `value` (which `series` calls between its own uses). */
  readonly #w = new Float64Array(4);
  readonly #dw = new Float64Array(4);
  readonly #valueW = new Float64Array(4);
  readonly #none = new Float64Array(4);
  readonly #slots = new Float64Array(SLOT_COUNT);
  readonly #cell = new Float64Array(2);

  constructor(phase: Float64Array, spacing: number, nodes: ValueNodes) {
    this.#phase = phase;
    this.#spacing = spacing;
    this.#nodes = nodes;
  }

  /** Colour-law moments over the band at this (z, c) (see `profileScan`). */
  get mean(): number {
    return this.#nodes.mean;
  }

  get variance(): number {
    return this.#nodes.variance;
  }

  /**
   * Both templates' band integrals at rest phase p into out[SLOT.A], out[SLOT.A + 1]; false, with
   * zeros, outside the model's phase range.
   */
  value(p: number, out: Float64Array): boolean {
    const phase = this.#phase;
    const cell = this.#cell;
    const ix = phaseCell(phase, p, out, cell);
    if (ix < 0) return false;
    const tau = cell[0] as number;
    const dp = cell[1] as number;
    if (!isCubicCell(ix, phase.length)) {
      linear(this.#nodes, ix, tau, dp, out, SLOT.A, -1);
      return true;
    }
    const none = this.#none;
    keysWeights(tau, this.#valueW, this.#dw, 0);
    cubic(
      this.#nodes,
      ix,
      tau,
      dp,
      this.#valueW,
      none,
      none,
      this.#nodes.hasEdge,
      out,
      SLOT.A,
      -1,
      -1,
    );
    return true;
  }

  /**
   * Values at the phases p0 − k·step·Δ (k = 0 … count − 1, `step` a whole number of nodes of either
   * sign, Δ the template's phase spacing): out[2k], out[2k + 1] = both templates' band integrals, 0
   * outside the phase range. The cubic taps are the same for every k (a whole number of nodes
   * apart), so a value costs eight multiply-adds: the profile scan's inner loop.
   */
  series(p0: number, step: number, count: number, out: Float64Array): void {
    const phase = this.#phase;
    const np = phase.length;
    const spacing = this.#spacing;
    const { hc0, hc1, he0, he1, hasEdge } = this.#nodes;
    const w = this.#w;
    const slots = this.#slots;
    const u = spacing === 0 ? NaN : (p0 - (phase[0] as number)) / spacing;
    const cell0 = Math.floor(u);
    const tau = u - cell0;
    if (Number.isFinite(tau)) keysWeights(tau, w, this.#dw, 0);
    // The taps' weights in locals: the same for every k.
    const w0 = w[0] as number;
    const w1 = w[1] as number;
    const w2 = w[2] as number;
    const w3 = w[3] as number;
    const rest = 1 - tau;
    for (let k = 0; k < count; k++) {
      const ix = cell0 - k * step;
      const o = 2 * k;
      if (ix <= -2 || ix >= np) {
        // A whole cell outside the phase range, far beyond any rounding of the phase: `value` gives 0.
        out[o] = 0;
        out[o + 1] = 0;
        continue;
      }
      if (!(ix >= 1 && ix <= np - 3)) {
        // Outside, in a phase edge cell, or a non-uniform grid: the general path.
        this.value(p0 - k * step * spacing, slots);
        out[o] = slots[SLOT.A] as number;
        out[o + 1] = slots[SLOT.A + 1] as number;
        continue;
      }
      const j = ix - 1;
      let s0 = 0;
      let s1 = 0;
      s0 += w0 * (hc0[j] as number);
      s1 += w0 * (hc1[j] as number);
      s0 += w1 * (hc0[j + 1] as number);
      s1 += w1 * (hc1[j + 1] as number);
      s0 += w2 * (hc0[j + 2] as number);
      s1 += w2 * (hc1[j + 2] as number);
      s0 += w3 * (hc0[j + 3] as number);
      s1 += w3 * (hc1[j + 3] as number);
      if (hasEdge) {
        s0 += rest * (he0[ix] as number) + tau * (he0[ix + 1] as number);
        s1 += rest * (he1[ix] as number) + tau * (he1[ix + 1] as number);
      }
      out[o] = s0;
      out[o + 1] = s1;
    }
  }
}

const tables = new WeakMap<BandProjection, Map<string, ValueTable>>();

/** The table of `projection`'s band at (z, c), projected on first use and kept. */
export function valueTable(projection: BandProjection, z: number, c: number): ValueTable {
  let byState = tables.get(projection);
  if (byState === undefined) {
    byState = new Map();
    tables.set(projection, byState);
  }
  const key = `${z} ${c}`;
  let table = byState.get(key);
  if (table === undefined) {
    if (byState.size >= TABLES_PER_BAND) byState.clear();
    table = new ValueTable(projection.phase, projection.phaseStep, projection.valueNodes(z, c));
    byState.set(key, table);
  }
  return table;
}
