/**
 * Model band fluxes (docs/spec/salt2.md §2.3–2.4), computed through the exact projection of §7.2.
 */
import type { Bandpass } from "./bandpass.js";
import { getBandpass } from "./bandpass-registry.js";
import { salt2Model, type Salt2Model, type Salt2Params } from "./model.js";
import { BandProjection, SLOT, SLOT_COUNT } from "./projection.js";
import { valueTable } from "./value-table.js";

const cache = new WeakMap<Salt2Model, Map<Bandpass, BandProjection>>();

/** The projection engine of (model, band), kept for reuse. */
export function bandProjection(model: Salt2Model, band: Bandpass): BandProjection {
  let byBand = cache.get(model);
  if (byBand === undefined) {
    byBand = new Map();
    cache.set(model, byBand);
  }
  let projection = byBand.get(band);
  if (projection === undefined) {
    projection = new BandProjection(model, band);
    byBand.set(band, projection);
  }
  return projection;
}

/**
 * Band fluxes of the model at observer times. Without `zp`: photon flux (photons s⁻¹ cm⁻²); with
 * `zp` (one value or one per time): flux at that AB zero point, 10^(−0.4 (m_AB − zp)). Throws
 * `BandpassError` when the band is not inside the model's wavelength range at `params.z`.
 */
export function bandflux(
  params: Salt2Params,
  band: string | Bandpass,
  times: ArrayLike<number>,
  zp?: number | ArrayLike<number>,
  model: Salt2Model = salt2Model(),
): Float64Array {
  const projection = bandProjection(model, typeof band === "string" ? getBandpass(band) : band);
  projection.prepare(params.z, params.c, 0);
  return fluxesAt(params, projection, times, zp, (p, slots) => projection.interpolate(p, slots, 0));
}

/**
 * `bandflux` at a (z, c) that recurs from fit to fit (the start guess at the middle of z's bounds),
 * from the band's kept `ValueTable`: the same values, projected once per process.
 */
export function tabulatedBandflux(
  params: Salt2Params,
  band: Bandpass,
  times: ArrayLike<number>,
  zp: number,
  model: Salt2Model,
): Float64Array {
  const projection = bandProjection(model, band);
  const table = valueTable(projection, params.z, params.c);
  return fluxesAt(params, projection, times, zp, (p, slots) => table.value(p, slots));
}

/** Band fluxes from `interpolate(rest phase, slots)`, which fills both templates' integrals. */
function fluxesAt(
  params: Salt2Params,
  projection: BandProjection,
  times: ArrayLike<number>,
  zp: number | ArrayLike<number> | undefined,
  interpolate: (p: number, slots: Float64Array) => boolean,
): Float64Array {
  const a = 1 / (1 + params.z);
  const out = new Float64Array(times.length);
  const slots = new Float64Array(SLOT_COUNT);
  // One zero point for all times: its factor once (the start guess's light curves).
  const factor = typeof zp === "number" ? Math.pow(10, 0.4 * zp) * projection.invZpAB : NaN;
  for (let i = 0; i < out.length; i++) {
    if (!interpolate(((times[i] as number) - params.t0) * a, slots)) continue;
    const photons =
      params.x0 * ((slots[SLOT.A] as number) + params.x1 * (slots[SLOT.A + 1] as number));
    if (zp === undefined) out[i] = photons;
    else if (typeof zp === "number") out[i] = photons * factor;
    else out[i] = photons * (Math.pow(10, 0.4 * (zp[i] as number)) * projection.invZpAB);
  }
  return out;
}
