/**
 * A coarse scan of the χ² profile over the parameter box, for light curves whose χ² has several
 * minima (few points, sparse phases): a descent from sncosmo's start then ends in whichever basin the
 * start lies in, and so does Minuit, often a different one. On a grid of (z, t0), x0 and x1 are
 * solved exactly (docs/spec/salt2.md §7.4, the 2 × 2 normal system with x1's bounds) and c by a 1-D scan;
 * the grid's local minima are the starts of exact refits (fit.ts).
 *
 * The band fluxes are exact at the grid's (z, t0) and the scan's reference colour c0; other colours
 * use each band's colour-law moments, ln F(c) ≈ ln F(c0) + κΔc·mean + ½κ²Δc²·variance (κ = −0.4 ln 10),
 * which ranks basins well enough (the refit is exact) at a fraction of a projection's cost.
 */
import type { Salt2Objective } from "./objective.js";
import { boundedChisq } from "./separable.js";
import { valueTable, type ValueTable } from "./value-table.js";

/** What the scan covers: a range or a fixed value of z and c, the t0 window and x1's bounds. */
export interface ScanBox {
  readonly z: readonly [number, number] | number;
  readonly t0: readonly [number, number];
  readonly c: readonly [number, number] | number;
  readonly x1: readonly [number, number];
}

export interface ScanMinimum {
  readonly z: number;
  readonly t0: number;
  readonly c: number;
  /** χ² of the scan's approximate model at the grid node. */
  readonly chisq: number;
}

/**
 * Grid: z nodes over its range (both ends included); t0 nodes down from its upper bound (where
 * windows that miss the maximum leave t0, docs/spec/salt2.md §4.11) in steps of T0_NODES template phase nodes
 * at each z (about 2 days), so that every point keeps its interpolation taps along a row; c nodes over
 * its range, refined by a parabola.
 */
const Z_NODES = 9;
const T0_NODES = 2;
const C_NODES = 11;
const KAPPA = -0.4 * Math.LN10;

/** Nodes from lo to hi (both included), `count` of them. */
function nodes(lo: number, hi: number, count: number): Float64Array {
  if (count <= 1 || !(hi > lo)) return Float64Array.of(lo);
  return Float64Array.from({ length: count }, (_, k) =>
    k === count - 1 ? hi : lo + ((hi - lo) * k) / (count - 1),
  );
}

/** The scanned profile: its local minima and the values near any (z, t0). */
export interface ProfileScan {
  /** Local minima over the grid neighbours, lowest first. */
  readonly minima: readonly ScanMinimum[];
  /** The profile value at the grid node nearest to (z, t0) (Infinity off the grid). */
  near(z: number, t0: number): number;
  /** Whether two points lie within one grid step of each other in z and t0. */
  neighbours(z1: number, t1: number, z2: number, t2: number): boolean;
}

/** One z of the grid: its t0 nodes thi − k·step and the profile along them. */
interface Row {
  readonly z: number;
  readonly step: number;
  readonly profile: Float64Array;
  readonly c: Float64Array;
}

/**
 * The χ² profile min over (x0, x1, c) of χ²(z, t0) on the grid. Nodes where no point lies inside the
 * model's phase range are not minima. Needs a uniform template phase grid (salt2-4's is); without
 * one, the scan finds no minima. One function because it is the profile's hot loop over the grid
 * (a fit's scan is ~15 % of an alert fit's CPU), sharing its buffers across rows.
 */
export function profileScan(objective: Salt2Objective, box: ScanBox): ProfileScan {
  const { data, projections, scale, invErr } = objective;
  const n = data.length;
  const nb = projections.length;
  const spacing = projections[0]?.phaseStep ?? 0;
  const zs = typeof box.z === "number" ? Float64Array.of(box.z) : nodes(...box.z, Z_NODES);
  const [tlo, thi] = box.t0;
  const [clo, chi] = typeof box.c === "number" ? [box.c, box.c] : box.c;
  const c0 = Math.min(Math.max(0, clo), chi);
  // With one band a colour change only rescales the band (no information in the approximation).
  const cs = nb > 1 ? nodes(clo, chi, C_NODES) : Float64Array.of(c0);
  const nc = cs.length;
  const [x1lo, x1hi] = box.x1;

  const y = Float64Array.from(data.flux, (f, i) => f * (invErr[i] as number));
  let yy = 0;
  for (const v of y) yy += v * v;
  const moments = new Float64Array(2 * nb);
  /** Per band: the flux factor of each c node at the current z. */
  const factors = new Float64Array(nb * nc);
  const factor = (b: number, c: number) => {
    const dc = KAPPA * (c - c0);
    return Math.exp(
      dc * (moments[2 * b] as number) + 0.5 * dc * dc * (moments[2 * b + 1] as number),
    );
  };
  /**
   * χ² from the band statistics with band b's flux factor e[first + b·stride] (a column of
   * `factors`, or a scratch vector).
   */
  const chisqWith = (e: Float64Array, first: number, stride: number) => {
    let g00 = 0;
    let g01 = 0;
    let g11 = 0;
    let h0 = 0;
    let h1 = 0;
    for (let b = 0; b < nb; b++) {
      const f = e[first + b * stride] as number;
      const ff = f * f;
      const s = b * 5;
      g00 += ff * (stats[s] as number);
      g01 += ff * (stats[s + 1] as number);
      g11 += ff * (stats[s + 2] as number);
      h0 += f * (stats[s + 3] as number);
      h1 += f * (stats[s + 4] as number);
    }
    return boundedChisq(g00, g01, g11, h0, h1, yy, x1lo, x1hi);
  };
  const chis = new Float64Array(nc);
  const scratch = new Float64Array(nb);

  const count = (z: number) => Math.floor((thi - tlo) / (T0_NODES * spacing * (1 + z))) + 1;
  const ntMax = spacing > 0 ? Math.max(...Array.from(zs, count)) : 0;
  // The points band by band, each band's in data order: every sum adds its terms in the order of a
  // pass over the data.
  const order = Int32Array.from({ length: n }, (_, i) => i).sort(
    (i, j) => (data.bandIndex[i] as number) - (data.bandIndex[j] as number) || i - j,
  );
  const bandStart = Int32Array.from(
    { length: nb + 1 },
    (_, b) => data.bandIndex.filter((other) => other < b).length,
  );
  const yOrdered = Float64Array.from(order, (i) => y[i] as number);
  const series = new Float64Array(2 * ntMax);
  const u = new Float64Array(2 * ntMax * n);
  /** Per band at one t0 node: Σu0², Σu0u1, Σu1², Σu0y, Σu1y (u whitened basis, y whitened data). */
  const stats = new Float64Array(nb * 5);
  /** Fills `stats` at t0 node k; whether any point lies inside the model's phase range there. */
  const bandSums = (k: number) => {
    let inside = false;
    for (let b = 0; b < nb; b++) {
      let s00 = 0;
      let s01 = 0;
      let s11 = 0;
      let s0y = 0;
      let s1y = 0;
      const end = bandStart[b + 1] as number;
      for (let j = bandStart[b] as number; j < end; j++) {
        const o = (k * n + j) * 2;
        const u0 = u[o] as number;
        const u1 = u[o + 1] as number;
        if (u0 === 0 && u1 === 0) continue;
        inside = true;
        const yj = yOrdered[j] as number;
        s00 += u0 * u0;
        s01 += u0 * u1;
        s11 += u1 * u1;
        s0y += u0 * yj;
        s1y += u1 * yj;
      }
      const o = b * 5;
      stats[o] = s00;
      stats[o + 1] = s01;
      stats[o + 2] = s11;
      stats[o + 3] = s0y;
      stats[o + 4] = s1y;
    }
    return inside;
  };

  const rows: Row[] = [];
  if (spacing > 0) {
    // An index loop: for-of would wrap the rows in the iterator's try block (3–4 % of the scan).
    for (let iz = 0; iz < zs.length; iz++) {
      const z = zs[iz] as number;
      const a = 1 / (1 + z);
      const step = T0_NODES * spacing * (1 + z);
      const nt = count(z);
      const tables: ValueTable[] = projections.map((projection) => valueTable(projection, z, c0));
      tables.forEach((table, b) => {
        moments[2 * b] = table.mean;
        moments[2 * b + 1] = table.variance;
      });
      for (let b = 0; b < nb; b++)
        for (let ic = 0; ic < nc; ic++) factors[b * nc + ic] = factor(b, cs[ic] as number);
      // Whitened basis u of every point (band by band) at every t0 node: u[(k·n + j)·2 + 0, 1].
      for (let j = 0; j < n; j++) {
        const i = order[j] as number;
        const table = tables[data.bandIndex[i] as number] as ValueTable;
        table.series(((data.time[i] as number) - thi) * a, -T0_NODES, nt, series);
        const s = (scale[i] as number) * (invErr[i] as number);
        for (let k = 0; k < nt; k++) {
          const o = (k * n + j) * 2;
          u[o] = (series[2 * k] as number) * s;
          u[o + 1] = (series[2 * k + 1] as number) * s;
        }
      }
      const profile = new Float64Array(nt).fill(NaN);
      const bestC = new Float64Array(nt);
      for (let k = 0; k < nt; k++) {
        if (!bandSums(k)) continue;
        let best = Infinity;
        let ib = 0;
        for (let ic = 0; ic < nc; ic++) {
          const v = chisqWith(factors, ic, nc);
          chis[ic] = v;
          if (v < best) {
            best = v;
            ib = ic;
          }
        }
        let cBest = cs[ib] as number;
        if (ib > 0 && ib < nc - 1) {
          // The parabola through the best node and its neighbours.
          const h = (cs[ib + 1] as number) - cBest;
          const lo = chis[ib - 1] as number;
          const hi = chis[ib + 1] as number;
          const curvature = lo + hi - 2 * best;
          if (curvature > 0) {
            const c = cBest + (0.5 * h * (lo - hi)) / curvature;
            for (let b = 0; b < nb; b++) scratch[b] = factor(b, c);
            const v = chisqWith(scratch, 0, 1);
            if (v < best) {
              best = v;
              cBest = c;
            }
          }
        }
        profile[k] = best;
        bestC[k] = cBest;
      }
      rows.push({ z, step, profile, c: bestC });
    }
  }

  const nearest = (row: Row, t0: number) => Math.round((thi - t0) / row.step);
  const value = (row: Row | undefined, k: number) =>
    row === undefined || k < 0 || k >= row.profile.length ? NaN : (row.profile[k] as number);
  const minima: ScanMinimum[] = [];
  rows.forEach((row, iz) => {
    row.profile.forEach((v, k) => {
      if (Number.isNaN(v)) return;
      const t0 = thi - k * row.step;
      for (let dz = -1; dz <= 1; dz++) {
        const other = rows[iz + dz];
        if (other === undefined) continue;
        const centre = dz === 0 ? k : nearest(other, t0);
        for (let dk = -1; dk <= 1; dk++) {
          if (dz === 0 && dk === 0) continue;
          const u = value(other, centre + dk);
          // Ties (plateaus) go to the first node in grid order.
          const earlier = dz < 0 || (dz === 0 && dk < 0);
          if (u < v || (earlier && u === v)) return;
        }
      }
      minima.push({ z: row.z, t0, c: row.c[k] as number, chisq: v });
    });
  });
  const dz = zs.length > 1 ? (zs[1] as number) - (zs[0] as number) : Infinity;
  const rowOf = (z: number) =>
    Number.isFinite(dz)
      ? Math.min(Math.max(Math.round((z - (zs[0] as number)) / dz), 0), rows.length - 1)
      : 0;
  return {
    minima: minima.sort((p, q) => p.chisq - q.chisq),
    near(z, t0) {
      const row = rows[rowOf(z)];
      const v = row === undefined ? NaN : value(row, nearest(row, t0));
      return Number.isNaN(v) ? Infinity : v;
    },
    neighbours(z1, t1, z2, t2) {
      const step = rows[rowOf(z1)]?.step ?? Infinity;
      return Math.abs(z1 - z2) <= dz * (1 + 1e-9) && Math.abs(t1 - t2) <= step * (1 + 1e-9);
    },
  };
}
