/**
 * The fit objective (salt2-spec §4.1): whitened residuals r_i = (f_i − model_i)/σ_i of every point,
 * χ² = Σ r², the analytic Jacobian ∂r/∂θ (§7.3) and the exact Hessian of χ². Points outside the
 * model's phase range count with model flux 0.
 */
import { bandProjection } from "./bandflux.js";
import { PARAM_NAMES, salt2Model, type Salt2Model, type Salt2Params } from "./model.js";
import { FullCovariance } from "./full-covariance.js";
import { modelCovariance, salt2ErrorModel, type Salt2ErrorModel } from "./model-covariance.js";
import { PreparedPhotometry, type PhotometryPoint } from "./photometry.js";
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
  /** ∂f/∂θ and ∂²f/∂θ² (5 and 5×5) of the current point. */
  readonly #df = new Float64Array(5);
  readonly #d2f = new Float64Array(25);
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
   * Fills `r` with the whitened residuals at θ = [z, t0, x0, x1, c]; with `jac`, also ∂r/∂θ_v
   * (row-major, one column per entry of `varied`). Returns χ².
   */
  evaluate(
    theta: Float64Array,
    r: Float64Array,
    jac: Float64Array | null = null,
    varied: Int32Array | null = null,
  ): number {
    const nv = jac !== null && varied !== null ? varied.length : 0;
    return this.#run(theta, nv > 0 ? 1 : 0, (i, ri, w, df) => {
      r[i] = ri;
      for (let v = 0; v < nv; v++)
        (jac as Float64Array)[i * nv + v] =
          -w * (df[(varied as Int32Array)[v] as number] as number);
    });
  }

  /**
   * Half the Hessian of χ² over the varied parameters at θ (row-major nv × nv), exact. With diagonal
   * errors: Σ ∇r ∇rᵀ + Σ r ∇²r. With a full data covariance C (model covariance, §4.2), pass
   * `gaussNewton` = JᵀC⁻¹J and `weights` u = C⁻¹(f_data − f_model): the result is that minus Σ u ∇²f.
   * Its inverse is Minuit's covariance for errordef 1 (salt2-spec §4.7).
   */
  halfHessian(
    theta: Float64Array,
    varied: Int32Array,
    full?: { readonly gaussNewton: Float64Array; readonly weights: Float64Array },
  ): Float64Array {
    const nv = varied.length;
    const h = full === undefined ? new Float64Array(nv * nv) : Float64Array.from(full.gaussNewton);
    this.#run(theta, 2, (i, ri, w, df, d2f) => {
      // ∂r = −w ∂f, ∂²r = −w ∂²f; u = r·w for diagonal errors.
      const u = full === undefined ? ri * w : (full.weights[i] as number);
      for (let a = 0; a < nv; a++) {
        const ka = varied[a] as number;
        const ga = full === undefined ? w * (df[ka] as number) : 0;
        for (let b = 0; b <= a; b++) {
          const kb = varied[b] as number;
          h[a * nv + b] =
            (h[a * nv + b] as number) +
            ga * w * (df[kb] as number) -
            u * (d2f[ka * 5 + kb] as number);
        }
      }
    });
    for (let a = 0; a < nv; a++)
      for (let b = 0; b < a; b++) h[b * nv + a] = h[a * nv + b] as number;
    return h;
  }

  /**
   * Evaluates the model at every point with derivatives up to `order` and calls `visit` with the
   * point's index, whitened residual, 1/σ, ∂f/∂θ (order ≥ 1) and ∂²f/∂θ² (order 2, 5×5). Returns χ².
   */
  #run(
    theta: Float64Array,
    order: 0 | 1 | 2,
    visit: (i: number, r: number, w: number, df: Float64Array, d2f: Float64Array) => void,
  ): number {
    this.evaluations++;
    const data = this.#data;
    const z = theta[Z] as number;
    const t0 = theta[T0] as number;
    const x0 = theta[X0] as number;
    const x1 = theta[X1] as number;
    const c = theta[C] as number;
    const a = 1 / (1 + z);
    const s = this.#slots;
    const df = this.#df;
    const d2f = this.#d2f;
    // Both templates' value of a slot, combined with x1.
    const mix = (slot: number) => (s[slot] as number) + x1 * (s[slot + 1] as number);
    let chisq = 0;
    this.#projections.forEach((projection, b) => {
      const members = this.#members[b] as Int32Array;
      if (members.length === 0) return;
      projection.prepare(z, c, order);
      for (const i of members) {
        const T = (data.time[i] as number) - t0;
        projection.interpolate(T * a, s, order);
        const scale = this.#scale[i] as number;
        const N = mix(SLOT.A);
        const f = x0 * N * scale;
        const w = this.#invErr[i] as number;
        const ri = ((data.flux[i] as number) - f) * w;
        chisq += ri * ri;
        if (order >= 1) {
          // N depends on a = 1/(1+z) directly and through the phase p = (t − t0)·a.
          const Np = mix(SLOT.P);
          const Na = mix(SLOT.Z) + T * Np;
          const g = x0 * scale;
          df[Z] = g * Na * (-a * a);
          df[T0] = g * Np * -a;
          df[X0] = N * scale;
          df[X1] = g * (s[SLOT.A + 1] as number);
          df[C] = g * mix(SLOT.C);
          if (order === 2) {
            const Npp = mix(SLOT.PP);
            const Nap = mix(SLOT.ZP);
            const Ncp = mix(SLOT.CP);
            const Naa = mix(SLOT.ZZ) + 2 * T * Nap + T * T * Npp;
            const Nca = mix(SLOT.CZ) + T * Ncp;
            const a2 = a * a;
            // d/dz = −a² d/da; d²/dz² = 2a³ d/da + a⁴ d²/da².
            const second: [number, number, number][] = [
              [Z, Z, g * (2 * a2 * a * Na + a2 * a2 * Naa)],
              [T0, Z, g * a2 * (Np + a * Nap + a * T * Npp)],
              [T0, T0, g * a2 * Npp],
              [C, Z, g * -a2 * Nca],
              [C, T0, g * -a * Ncp],
              [C, C, g * mix(SLOT.CC)],
              [X0, Z, scale * Na * -a2],
              [X0, T0, scale * Np * -a],
              [X0, X0, 0],
              [X0, X1, scale * (s[SLOT.A + 1] as number)],
              [X0, C, scale * mix(SLOT.C)],
              [X1, Z, g * ((s[SLOT.Z + 1] as number) + T * (s[SLOT.P + 1] as number)) * -a2],
              [X1, T0, g * (s[SLOT.P + 1] as number) * -a],
              [X1, X1, 0],
              [X1, C, g * (s[SLOT.C + 1] as number)],
            ];
            for (const [u, v, value] of second) {
              d2f[u * 5 + v] = value;
              d2f[v * 5 + u] = value;
            }
          }
        }
        visit(i, ri, w, df, d2f);
      }
    });
    return chisq;
  }
}

/**
 * χ² of the model at `params` against all rows (sncosmo's `chisq`: no band cut; diagonal errors, plus
 * the model covariance with `modelcov`).
 */
export function chisq(
  rows: readonly PhotometryPoint[],
  params: Salt2Params,
  options: {
    readonly model?: Salt2Model;
    readonly modelcov?: boolean;
    readonly errorModel?: Salt2ErrorModel;
  } = {},
): number {
  const model = options.model ?? salt2Model();
  const data = new PreparedPhotometry(rows);
  const objective = new Salt2Objective(data, model);
  const theta = Float64Array.from(PARAM_NAMES, (name) => params[name]);
  const r = new Float64Array(data.length);
  const value = objective.evaluate(theta, r);
  if (options.modelcov !== true) return value;
  const flux = Float64Array.from(
    r,
    (ri, i) => (data.flux[i] as number) - ri * (data.fluxerr[i] as number),
  );
  const covariance = modelCovariance(
    data,
    params,
    flux,
    model,
    options.errorModel ?? salt2ErrorModel(),
  );
  return new FullCovariance(Float64Array.from(data.fluxerr), covariance).whiten(r, null, 0);
}
