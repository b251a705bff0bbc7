/**
 * The fit objective (docs/spec/salt2.md §4.1): whitened residuals r_i = (f_i − model_i)/σ_i of every point,
 * χ² = Σ r², the analytic Jacobian ∂r/∂θ (§7.3) and the exact Hessian of χ². Points outside the
 * model's phase range count with model flux 0.
 */
import { bandProjection } from "./bandflux.js";
import { PARAM_NAMES, salt2Model, type Salt2Model, type Salt2Params } from "./model.js";
import { FullCovariance } from "./full-covariance.js";
import { modelCovariance, salt2ErrorModel, type Salt2ErrorModel } from "./model-covariance.js";
import { PreparedPhotometry, type PhotometryPoint } from "./photometry.js";
import { SLOT, SLOT_COUNT, WRT_C, WRT_Z, type BandProjection } from "./projection.js";

/** Parameter vector layout: [z, t0, x0, x1, c]. */
export const Z = 0;
export const T0 = 1;
export const X0 = 2;
export const X1 = 3;
export const C = 4;

/**
 * Layout of a `basis` row: the band fluxes of both templates (x0 = 1; M0 then M1) at the point's zero
 * point, then their derivatives in z, t0 and c. The model flux is x0 · (b0 + x1 · b1).
 */
export const BASIS = { F: 0, Z: 2, T0: 4, C: 6 } as const;
export const BASIS_WIDTH = 8;

/** The projections' derivative set (WRT_*) that the varied parameters need. */
export function wrtOf(varied: ArrayLike<number>): number {
  let wrt = 0;
  for (let v = 0; v < varied.length; v++) {
    if (varied[v] === Z) wrt |= WRT_Z;
    else if (varied[v] === C) wrt |= WRT_C;
  }
  return wrt;
}

export class Salt2Objective {
  readonly #data: PreparedPhotometry;
  readonly #projections: readonly BandProjection[];
  /** 10^(0.4 zp_i) / ZP_AB(band_i): model photons → flux at the point's zero point. */
  readonly #scale: Float64Array;
  readonly #invErr: Float64Array;
  /** Sorted-point indices of each band. */
  readonly #members: readonly Int32Array[];
  readonly #slots = new Float64Array(SLOT_COUNT);
  readonly #basis: Float64Array;
  /** ∂f/∂θ and ∂²f/∂θ² (5 and 5×5) of the current point. */
  readonly #df = new Float64Array(5);
  readonly #d2f = new Float64Array(25);
  readonly #maxphase: number;
  /** Number of model evaluations so far. */
  evaluations = 0;

  constructor(data: PreparedPhotometry, model: Salt2Model) {
    this.#data = data;
    this.#maxphase = model.maxphase;
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
    this.#basis = new Float64Array(n * BASIS_WIDTH);
  }

  get length(): number {
    return this.#data.length;
  }

  /** Whether moving θ's z to `z` (t0 fixed) moves a point across the model's last phase. */
  crossesPhaseEdge(theta: Float64Array, z: number): boolean {
    const t0 = theta[T0] as number;
    const a = 1 / (1 + (theta[Z] as number));
    const b = 1 / (1 + z);
    const { time } = this.#data;
    for (let i = 0; i < time.length; i++) {
      const T = (time[i] as number) - t0;
      if (T * a <= this.#maxphase !== T * b <= this.#maxphase) return true;
    }
    return false;
  }

  get data(): PreparedPhotometry {
    return this.#data;
  }

  /** 1/σ of each point. */
  get invErr(): Float64Array {
    return this.#invErr;
  }

  /** The band projections, in the order of `data.bands`. */
  get projections(): readonly BandProjection[] {
    return this.#projections;
  }

  /** The zero-point factor of each point (model photons → flux). */
  get scale(): Float64Array {
    return this.#scale;
  }

  /**
   * Both templates' model fluxes at (z, t0, c) for every point (rows of `BASIS_WIDTH`, see `BASIS`);
   * with order 1 also their t0 derivatives, and those in z and c that `wrt` asks for (other columns
   * keep stale values). The array is reused by the next call.
   */
  basis(z: number, t0: number, c: number, order: 0 | 1, wrt: number): Float64Array {
    this.evaluations++;
    const data = this.#data;
    const out = this.#basis;
    const s = this.#slots;
    const a = 1 / (1 + z);
    const withZ = order === 1 && (wrt & WRT_Z) !== 0;
    const withC = order === 1 && (wrt & WRT_C) !== 0;
    for (let b = 0; b < this.#projections.length; b++) {
      const members = this.#members[b] as Int32Array;
      if (members.length === 0) continue;
      const projection = this.#projections[b] as BandProjection;
      projection.prepare(z, c, order, wrt);
      for (let m = 0; m < members.length; m++) {
        const i = members[m] as number;
        const T = (data.time[i] as number) - t0;
        const o = i * BASIS_WIDTH;
        const scale = this.#scale[i] as number;
        if (!projection.interpolate(T * a, s, order, wrt)) {
          out.fill(0, o, o + BASIS_WIDTH);
          continue;
        }
        out[o] = (s[SLOT.A] as number) * scale;
        out[o + 1] = (s[SLOT.A + 1] as number) * scale;
        if (order === 0) continue;
        // The flux depends on t0 through the phase p = (t − t0)·a, and on z through a = 1/(1+z)
        // directly and through p: d/dz = −a² (∂/∂a + T ∂/∂p).
        out[o + BASIS.T0] = (s[SLOT.P] as number) * -a * scale;
        out[o + BASIS.T0 + 1] = (s[SLOT.P + 1] as number) * -a * scale;
        if (withZ) {
          const za = -a * a * scale;
          out[o + BASIS.Z] = ((s[SLOT.Z] as number) + T * (s[SLOT.P] as number)) * za;
          out[o + BASIS.Z + 1] = ((s[SLOT.Z + 1] as number) + T * (s[SLOT.P + 1] as number)) * za;
        }
        if (withC) {
          out[o + BASIS.C] = (s[SLOT.C] as number) * scale;
          out[o + BASIS.C + 1] = (s[SLOT.C + 1] as number) * scale;
        }
      }
    }
    return out;
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
    const x0 = theta[X0] as number;
    const x1 = theta[X1] as number;
    const B = this.basis(
      theta[Z] as number,
      theta[T0] as number,
      theta[C] as number,
      nv > 0 ? 1 : 0,
      nv > 0 ? wrtOf(varied as Int32Array) : 0,
    );
    const flux = this.#data.flux;
    let chisq = 0;
    for (let i = 0; i < r.length; i++) {
      const o = i * BASIS_WIDTH;
      const b0 = B[o] as number;
      const b1 = B[o + 1] as number;
      const w = this.#invErr[i] as number;
      const ri = ((flux[i] as number) - x0 * (b0 + x1 * b1)) * w;
      r[i] = ri;
      chisq += ri * ri;
      for (let v = 0; v < nv; v++) {
        const k = (varied as Int32Array)[v] as number;
        let df: number;
        if (k === X0) df = b0 + x1 * b1;
        else if (k === X1) df = x0 * b1;
        else {
          const col = o + (k === Z ? BASIS.Z : k === T0 ? BASIS.T0 : BASIS.C);
          df = x0 * ((B[col] as number) + x1 * (B[col + 1] as number));
        }
        (jac as Float64Array)[i * nv + v] = -w * df;
      }
    }
    return chisq;
  }

  /**
   * Half the Hessian of χ² over the varied parameters at θ (row-major nv × nv), exact. With diagonal
   * errors: Σ ∇r ∇rᵀ + Σ r ∇²r. With a full data covariance C (model covariance, §4.2), pass
   * `gaussNewton` = JᵀC⁻¹J and `weights` u = C⁻¹(f_data − f_model): the result is that minus Σ u ∇²f.
   * Its inverse is Minuit's covariance for errordef 1 (docs/spec/salt2.md §4.7).
   */
  halfHessian(
    theta: Float64Array,
    varied: Int32Array,
    full?: { readonly gaussNewton: Float64Array; readonly weights: Float64Array },
  ): Float64Array {
    this.evaluations++;
    const nv = varied.length;
    const h = full === undefined ? new Float64Array(nv * nv) : Float64Array.from(full.gaussNewton);
    const data = this.#data;
    const z = theta[Z] as number;
    const t0 = theta[T0] as number;
    const x0 = theta[X0] as number;
    const x1 = theta[X1] as number;
    const c = theta[C] as number;
    const a = 1 / (1 + z);
    const a2 = a * a;
    const wrt = wrtOf(varied);
    const s = this.#slots;
    const df = this.#df;
    const d2f = this.#d2f;
    // Both templates' value of a slot, combined with x1.
    const mix = (slot: number) => (s[slot] as number) + x1 * (s[slot + 1] as number);
    const set = (u: number, v: number, value: number) => {
      d2f[u * 5 + v] = value;
      d2f[v * 5 + u] = value;
    };
    this.#projections.forEach((projection, b) => {
      const members = this.#members[b] as Int32Array;
      if (members.length === 0) return;
      projection.prepare(z, c, 2, wrt);
      for (const i of members) {
        const T = (data.time[i] as number) - t0;
        projection.interpolate(T * a, s, 2, wrt);
        const scale = this.#scale[i] as number;
        const w = this.#invErr[i] as number;
        const g = x0 * scale;
        const N = mix(SLOT.A);
        const Np = mix(SLOT.P);
        const Npp = mix(SLOT.PP);
        df[T0] = g * Np * -a;
        df[X0] = N * scale;
        df[X1] = g * (s[SLOT.A + 1] as number);
        set(T0, T0, g * a2 * Npp);
        set(X0, T0, scale * Np * -a);
        set(X0, X0, 0);
        set(X0, X1, scale * (s[SLOT.A + 1] as number));
        set(X1, T0, g * (s[SLOT.P + 1] as number) * -a);
        set(X1, X1, 0);
        if (wrt & WRT_C) {
          const Ncp = mix(SLOT.CP);
          df[C] = g * mix(SLOT.C);
          set(C, T0, g * -a * Ncp);
          set(C, C, g * mix(SLOT.CC));
          set(X0, C, scale * mix(SLOT.C));
          set(X1, C, g * (s[SLOT.C + 1] as number));
        }
        if (wrt & WRT_Z) {
          // N depends on a = 1/(1+z) directly and through the phase p = (t − t0)·a;
          // d/dz = −a² d/da, d²/dz² = 2a³ d/da + a⁴ d²/da².
          const Na = mix(SLOT.Z) + T * Np;
          const Nap = mix(SLOT.ZP);
          const Naa = mix(SLOT.ZZ) + 2 * T * Nap + T * T * Npp;
          df[Z] = g * Na * -a2;
          set(Z, Z, g * (2 * a2 * a * Na + a2 * a2 * Naa));
          set(T0, Z, g * a2 * (Np + a * Nap + a * T * Npp));
          set(X0, Z, scale * Na * -a2);
          set(X1, Z, g * ((s[SLOT.Z + 1] as number) + T * (s[SLOT.P + 1] as number)) * -a2);
          if (wrt & WRT_C) set(C, Z, g * -a2 * (mix(SLOT.CZ) + T * mix(SLOT.CP)));
        }
        const ri = ((data.flux[i] as number) - x0 * N * scale) * w;
        // ∂r = −w ∂f, ∂²r = −w ∂²f; u = r·w for diagonal errors.
        const u = full === undefined ? ri * w : (full.weights[i] as number);
        for (let p = 0; p < nv; p++) {
          const kp = varied[p] as number;
          const gp = full === undefined ? w * (df[kp] as number) : 0;
          for (let q = 0; q <= p; q++) {
            const kq = varied[q] as number;
            h[p * nv + q] =
              (h[p * nv + q] as number) +
              gp * w * (df[kq] as number) -
              u * (d2f[kp * 5 + kq] as number);
          }
        }
      }
    });
    for (let p = 0; p < nv; p++)
      for (let q = 0; q < p; q++) h[q * nv + p] = h[p * nv + q] as number;
    return h;
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
