/**
 * SALT2 model covariance of band fluxes (docs/spec/salt2.md §4.2, sncosmo `bandfluxcov`): a relative variance
 * per point from the light-curve error surfaces at the rest-frame effective wavelength, plus a
 * colour-dispersion term shared by all points of a band; C_ij = f_i R_ij f_j.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { Bandpass, integrationGrid } from "./bandpass.js";
import { HC_ERG_AA, MODEL_BANDFLUX_SPACING } from "./constants.js";
import { parseColumns2, parseGrid3 } from "./grid-file.js";
import { BicubicInterpolator } from "./interpolation.js";
import { SALT2_4_DIR, type Salt2Model, type Salt2Params } from "./model.js";
import type { PreparedPhotometry } from "./photometry.js";

/** The error surfaces of a SALT2 model directory. */
export class Salt2ErrorModel {
  readonly #v00: BicubicInterpolator;
  readonly #v11: BicubicInterpolator;
  readonly #v01: BicubicInterpolator;
  readonly #scale: BicubicInterpolator;
  readonly #cdWave: Float64Array;
  readonly #cd: Float64Array;

  constructor(dir: string = SALT2_4_DIR) {
    const grid = (file: string) =>
      new BicubicInterpolator(parseGrid3(readFileSync(join(dir, file), "utf8"), file));
    this.#v00 = grid("salt2_lc_relative_variance_0.dat");
    this.#v11 = grid("salt2_lc_relative_variance_1.dat");
    this.#v01 = grid("salt2_lc_relative_covariance_01.dat");
    this.#scale = grid("salt2_lc_dispersion_scaling.dat");
    const cd = parseColumns2(
      readFileSync(join(dir, "salt2_color_dispersion.dat"), "utf8"),
      "salt2_color_dispersion.dat",
    );
    this.#cdWave = cd.a;
    this.#cd = cd.b;
  }

  /** Relative variance of a rest-frame band flux (sncosmo's `_bandflux_rvar_single`). */
  relativeVariance(phase: number, waveEff: number, x1: number, f0: number, f1: number): number {
    let v =
      this.#v00.eval(phase, waveEff) +
      2 * x1 * this.#v01.eval(phase, waveEff) +
      x1 * x1 * this.#v11.eval(phase, waveEff);
    // Interpolation can make the variance negative: snfit's floor.
    if (v < 0) v = 1e-4;
    const total = f0 + x1 * f1;
    if (!(total > 0)) return 1e4;
    const s = this.#scale.eval(phase, waveEff);
    return v * (f0 / total) ** 2 * s * s;
  }

  /** Colour dispersion at a rest-frame wavelength: linear, extrapolated linearly outside the table. */
  colorDispersion(wave: number): number {
    const x = this.#cdWave;
    const y = this.#cd;
    const n = x.length;
    let i = 0;
    while (i < n - 2 && (x[i + 1] as number) < wave) i++;
    const x0 = x[i] as number;
    const x1 = x[i + 1] as number;
    return (y[i] as number) + (((y[i + 1] as number) - (y[i] as number)) * (wave - x0)) / (x1 - x0);
  }
}

let defaultErrorModel: Salt2ErrorModel | undefined;

/** The error surfaces of the shipped salt2-4 model, loaded once. */
export function salt2ErrorModel(): Salt2ErrorModel {
  defaultErrorModel ??= new Salt2ErrorModel();
  return defaultErrorModel;
}

/**
 * Model covariance (N × N, row-major) of the points of `data` at `params`, given the model fluxes at
 * each point's zero point.
 */
export function modelCovariance(
  data: PreparedPhotometry,
  params: Salt2Params,
  modelFlux: Float64Array,
  model: Salt2Model,
  errors: Salt2ErrorModel,
): Float64Array {
  const n = data.length;
  const a = 1 / (1 + params.z);
  const relative = new Float64Array(n);
  const dispersion = data.bands.map((band) => {
    // The band seen in the rest frame: wavelengths × a, no trim (sncosmo's `Bandpass.shifted`).
    const rest = new Bandpass(
      band.wave.map((w) => a * w),
      band.trans,
      { name: band.name, trimLevel: null },
    );
    const { wave, spacing } = integrationGrid(rest.minwave, rest.maxwave, MODEL_BANDFLUX_SPACING);
    const weight = wave.map((w) => (rest.transmission(w) * w * spacing) / HC_ERG_AA);
    return { rest, wave, weight, waveEff: rest.waveEff };
  });
  for (let i = 0; i < n; i++) {
    const b = data.bandIndex[i] as number;
    const { wave, weight, waveEff } = dispersion[b] as (typeof dispersion)[number];
    const phase = ((data.time[i] as number) - params.t0) * a;
    let f0 = 0;
    let f1 = 0;
    wave.forEach((w, k) => {
      const [m0, m1] = model.templates(phase, w);
      f0 += m0 * (weight[k] as number);
      f1 += m1 * (weight[k] as number);
    });
    relative[i] = errors.relativeVariance(phase, waveEff, params.x1, f0, f1);
  }
  const cov = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const bi = data.bandIndex[i] as number;
    const cd = errors.colorDispersion((dispersion[bi] as (typeof dispersion)[number]).waveEff);
    for (let j = 0; j < n; j++) {
      let r = i === j ? (relative[i] as number) : 0;
      if (data.bandIndex[j] === bi) r += cd * cd;
      cov[i * n + j] = (modelFlux[i] as number) * r * (modelFlux[j] as number);
    }
  }
  return cov;
}
