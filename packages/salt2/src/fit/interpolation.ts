/**
 * snfit's "bicubic convolution" on a rectilinear grid (docs/spec/salt2.md §1.3): Keys kernel with a = −0.5 in
 * cells that have two neighbours on each side, bilinear in BOTH dimensions as soon as either query
 * lies in an edge cell, and exactly 0 outside the grid (bounds inclusive).
 */
import type { Grid2D } from "./grid-file.js";

/** Keys kernel K(s), a = −0.5, s ≥ 0 in grid units. */
function keys(s: number): number {
  if (s < 1) return (1.5 * s - 2.5) * s * s + 1;
  if (s <= 2) return ((-0.5 * s + 2.5) * s - 4) * s + 2;
  return 0;
}

/** The four cubic weights of nodes i−1 … i+2 at fraction τ of cell i. */
export function cubicWeights(tau: number, out: Float64Array, offset = 0): void {
  out[offset] = keys(1 + tau);
  out[offset + 1] = keys(tau);
  out[offset + 2] = keys(1 - tau);
  out[offset + 3] = keys(2 - tau);
}

/**
 * Cell of x on a grid: the largest i with g[i] ≤ x, clamped to [0, n−2], or −1 when x is out of range
 * (NaN included).
 */
export function cellIndex(grid: Float64Array, x: number): number {
  const n = grid.length;
  if (!(x >= (grid[0] as number) && x <= (grid[n - 1] as number))) return -1;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((grid[mid] as number) <= x) lo = mid;
    else hi = mid;
  }
  return Math.min(lo, n - 2);
}

/** Whether cell i of an n-node grid has the two neighbours each side that the cubic kernel needs. */
export function isCubicCell(i: number, n: number): boolean {
  return n >= 3 && i >= 1 && i <= n - 3;
}

/** A `Grid2D` evaluated with the snfit interpolation rules. */
export class BicubicInterpolator {
  readonly #wx = new Float64Array(4);
  readonly #wy = new Float64Array(4);

  constructor(readonly grid: Grid2D) {}

  /** Value at (x, y): 0 outside the grid. */
  eval(x: number, y: number): number {
    const { x: gx, y: gy, values } = this.grid;
    const ix = cellIndex(gx, x);
    const iy = cellIndex(gy, y);
    if (ix < 0 || iy < 0) return 0;
    const ny = gy.length;
    const tx = (x - (gx[ix] as number)) / ((gx[ix + 1] as number) - (gx[ix] as number));
    const ty = (y - (gy[iy] as number)) / ((gy[iy + 1] as number) - (gy[iy] as number));
    if (isCubicCell(ix, gx.length) && isCubicCell(iy, ny)) {
      const wx = this.#wx;
      const wy = this.#wy;
      cubicWeights(tx, wx);
      cubicWeights(ty, wy);
      let sum = 0;
      for (let a = 0; a < 4; a++) {
        const row = (ix - 1 + a) * ny + iy - 1;
        let inner = 0;
        for (let b = 0; b < 4; b++) inner += (wy[b] as number) * (values[row + b] as number);
        sum += (wx[a] as number) * inner;
      }
      return sum;
    }
    const r0 = ix * ny + iy;
    const r1 = r0 + ny;
    return (
      (1 - tx) * ((1 - ty) * (values[r0] as number) + ty * (values[r0 + 1] as number)) +
      tx * ((1 - ty) * (values[r1] as number) + ty * (values[r1 + 1] as number))
    );
  }
}
