/**
 * sncosmo's start point (docs/spec/salt2.md §4.3, §4.5): automatic t0 bounds and the peak-matching guess of
 * t0 and x0.
 */
import type { Bandpass } from "./bandpass.js";
import { tabulatedBandflux } from "./bandflux.js";
import { DataQualityError } from "./errors.js";
import type { Salt2Model, Salt2Params } from "./model.js";
import type { PreparedPhotometry } from "./photometry.js";

/** `[t0 + min t − maxtime, t0 + max t − mintime]`: the model's last phase at the first point, its first at the last. */
export function autoT0Bounds(
  data: PreparedPhotometry,
  params: Salt2Params,
  model: Salt2Model,
): [number, number] {
  const s = 1 + params.z;
  const tmin = data.time[0] as number;
  const tmax = data.time[data.length - 1] as number;
  return [
    params.t0 + tmin - (params.t0 + model.maxphase * s),
    params.t0 + tmax - (params.t0 + model.minphase * s),
  ];
}

/** Python's str() of a float, for messages that mirror sncosmo's. */
export function pythonFloat(x: number): string {
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}

/**
 * Guess of (t0, x0) from the points with S/N > minsnr, at the current z, x1 and c: match the data
 * maximum (normalised to zp 25 AB) with the model light-curve maximum in the band where their ratio
 * is largest.
 */
export function guessT0AndAmplitude(
  data: PreparedPhotometry,
  params: Salt2Params,
  model: Salt2Model,
  minsnr = 5,
): { t0: number; x0: number } {
  const s = 1 + params.z;
  const mintime = params.t0 + model.minphase * s;
  const maxtime = params.t0 + model.maxphase * s;
  const n = Math.trunc(maxtime - mintime + 1);
  // numpy.linspace: i·step + start, the last point exactly maxtime.
  const step = (maxtime - mintime) / (n - 1);
  const grid = Float64Array.from({ length: n }, (_, i) => i * step + mintime);
  grid[n - 1] = maxtime;

  const best = new Map<number, { flux: number; time: number }>();
  for (let k = 0; k < data.length; k++) {
    const flux = data.flux[k] as number;
    if (!(flux / (data.fluxerr[k] as number) > minsnr)) continue;
    const norm = Math.pow(10, 0.4 * (25 - (data.zp[k] as number))) * flux;
    const b = data.bandIndex[k] as number;
    const current = best.get(b);
    if (current === undefined || norm > current.flux)
      best.set(b, { flux: norm, time: data.time[k] as number });
  }
  if (best.size === 0) {
    throw new DataQualityError(
      `No data points with S/N > ${pythonFloat(minsnr)}. Initial guessing failed.`,
    );
  }
  let maxRatio = -Infinity;
  let t0 = params.t0;
  for (const [b, peak] of best) {
    const lc = tabulatedBandflux(params, data.bands[b] as Bandpass, grid, 25, model).map(
      (f) => f / params.x0,
    );
    let imax = 0;
    for (let i = 1; i < n; i++) if ((lc[i] as number) > (lc[imax] as number)) imax = i;
    const ratio = peak.flux / (lc[imax] as number);
    if (ratio > maxRatio) {
      maxRatio = ratio;
      t0 = params.t0 + peak.time - (grid[imax] as number);
    }
  }
  return { t0, x0: Math.abs(maxRatio) };
}
