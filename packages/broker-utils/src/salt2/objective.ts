/**
 * The fit objective (salt2-spec §4.1): whitened residuals r_i = (f_i − model_i)/σ_i of every point,
 * χ² = Σ r², and the analytic Jacobian ∂r/∂θ for the varied parameters (§7.3). Points outside the
 * model's phase range count with model flux 0.
 */
import { bandProjection } from "./bandflux.js";

import { PreparedPhotometry, type PhotometryPoint } from "./photometry.js";
import { PARAM_NAMES, salt2Model, type Salt2Model, type Salt2Params } from "./model.js";
import { SLOT, SLOT_COUNT, type BandProjection } from "./projection.js";

/** Parameter vector layout: [z, t0, x0, x1, c]. */
export const Z = 0;
export const T0 = 1;
export const X0 = 2;
export const X1 = 3;
export const C = 4;

export class Salt2Objective {
  readonly #data: PreparedPhotometry;
  readonly #projections: readonly BandProjection[];
  /** 10^(0.4 zp_i) / ZP_AB(band_i): model photons → flux at the point's zero point. */
  readonly #scale: Float64Array;
  readonly #invErr: Float64Array;
  /** Sorted-point indices of each band. */
  readonly #members: readonly Int32Array[];
  readonly #slots = new Float64Array(SLOT_COUNT);
  /** Number of model evaluations so far. */
  evaluations = 0;

  constructor(data: PreparedPhotometry, model: Salt2Model) {
    this.#data = data;
    this.#projections = data.bands.map((band) => bandProjection(model, band));
    const n = data.length;
    this.#scale = new Float64Array(n);
    this.#invErr = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const projection = this.#projections[data.bandIndex[i] as number] as BandProjection;
      this.#scale[i] = Math.pow(10, 0.4 * (data.zp[i] as number)) * projection.invZpAB;
      this.#invErr[i] = 1 / (data.fluxerr[i] as number);
    }
    this.#members = data.bands.map((_, b) =>
      Int32Array.from(
        Array.from({ length: n }, (_, i) => i).filter((i) => data.bandIndex[i] === b),
      ),
    );
  }

  get length(): number {
    return this.#data.length;
  }

  /**
   * Fills `model` with the model fluxes and `r` with the whitened residuals at θ = [z, t0, x0, x1, c];
   * with `jac`, also ∂r/∂θ_v (row-major, one column per entry of `varied`). Returns χ².
   */
  evaluate(
    theta: Float64Array,
    r: Float64Array,
    jac: Float64Array | null = null,
    varied: Int32Array | null = null,
    model: Float64Array | null = null,
  ): number {
    this.evaluations++;
    const data = this.#data;
    const z = theta[Z] as number;
    const t0 = theta[T0] as number;
    const x0 = theta[X0] as number;
    const x1 = theta[X1] as number;
    const c = theta[C] as number;
    const a = 1 / (1 + z);
    const derivatives = jac !== null && varied !== null;
    const nv = derivatives ? varied.length : 0;
    const s = this.#slots;
    let chisq = 0;
    this.#projections.forEach((projection, b) => {
      const members = this.#members[b] as Int32Array;
      if (members.length === 0) return;
      projection.prepare(z, c, derivatives);
      for (const i of members) {
        const dt = (data.time[i] as number) - t0;
        projection.interpolate(dt * a, s, derivatives);
        const scale = this.#scale[i] as number;
        const a0 = s[SLOT.A0] as number;
        const a1 = s[SLOT.A1] as number;
        const f = x0 * (a0 + x1 * a1) * scale;
        const w = this.#invErr[i] as number;
        const ri = ((data.flux[i] as number) - f) * w;
        r[i] = ri;
        if (model !== null) model[i] = f;
        chisq += ri * ri;
        if (!derivatives) continue;
        // ∂r/∂θ = −w ∂f/∂θ.
        const g = -w * scale;
        const dp = (s[SLOT.P0] as number) + x1 * (s[SLOT.P1] as number);
        for (let v = 0; v < nv; v++) {
          let d: number;
          switch (varied[v]) {
            case Z:
              d = x0 * ((s[SLOT.Z0] as number) + x1 * (s[SLOT.Z1] as number) + dt * dp) * (-a * a);
              break;
            case T0:
              d = x0 * dp * -a;
              break;
            case X0:
              d = a0 + x1 * a1;
              break;
            case X1:
              d = x0 * a1;
              break;
            default:
              d = x0 * ((s[SLOT.C0] as number) + x1 * (s[SLOT.C1] as number));
          }
          jac[i * nv + v] = g * d;
        }
      }
    });
    return chisq;
  }
}

/** χ² of the model at `params` against all rows (sncosmo's `chisq`: no band cut, diagonal errors). */
export function chisq(
  rows: readonly PhotometryPoint[],
  params: Salt2Params,
  model: Salt2Model = salt2Model(),
): number {
  const data = new PreparedPhotometry(rows);
  const objective = new Salt2Objective(data, model);
  const theta = Float64Array.from(PARAM_NAMES, (name) => params[name]);
  return objective.evaluate(theta, new Float64Array(data.length));
}
