/**
 * Exact fast band fluxes (salt2-spec §7.2–7.3). For one band and one (z, c), the wavelength sum of
 * the photon integral is pushed inside the phase interpolation: the integrand weights are scattered
 * onto the template's wavelength nodes and projected on each template row, leaving a 1-D phase
 * interpolation per data point. The same projection with other weights gives the derivatives in c
 * and in a = 1/(1+z) at fixed phase (first and second order); the phase-kernel derivatives give
 * those in phase. Only the summation order differs from sncosmo.
 */
import { integrationGrid, type Bandpass } from "./bandpass.js";
import { HC_ERG_AA, MODEL_BANDFLUX_SPACING } from "./constants.js";
import { BandpassError } from "./errors.js";
import { cellIndex, isCubicCell } from "./interpolation.js";
import type { Salt2Model } from "./model.js";

/**
 * Slots of the array `interpolate` fills, per unit x0 and before the zero-point factor, two per
 * quantity (templates M0, M1). A is the band integral; subscripts are derivatives in p (phase,
 * days), c, and a = 1/(1+z) at fixed phase.
 */
export const SLOT = {
  A: 0,
  P: 2,
  C: 4,
  Z: 6,
  PP: 8,
  CP: 10,
  ZP: 12,
  CC: 14,
  CZ: 16,
  ZZ: 18,
} as const;
export const SLOT_COUNT = 20;

/** What `interpolate` computes: values, up to first derivatives, up to second derivatives. */
export type Order = 0 | 1 | 2;

const KAPPA = -0.4 * Math.LN10;

/** One projected weight set: node vectors over template wavelengths and their per-phase-node dot products. */
class Projection {
  /** Cubic-cell, edge-cell (bilinear) and all-samples-bilinear node vectors. */
  readonly vc: Float64Array;
  readonly ve: Float64Array;
  readonly vl: Float64Array;
  readonly hc0: Float64Array;
  readonly hc1: Float64Array;
  readonly he0: Float64Array;
  readonly he1: Float64Array;
  readonly hl0: Float64Array;
  readonly hl1: Float64Array;
  /** Whether the cubic/edge and the all-bilinear node vectors match the current (z, c). */
  scattered = false;
  linearScattered = false;
  /** Per phase node: whether hc/he (`done`) and hl (`linearDone`) are computed. */
  readonly done: Uint8Array;
  readonly linearDone: Uint8Array;

  constructor(nWave: number, nPhase: number) {
    this.vc = new Float64Array(nWave);
    this.ve = new Float64Array(nWave);
    this.vl = new Float64Array(nWave);
    this.hc0 = new Float64Array(nPhase);
    this.hc1 = new Float64Array(nPhase);
    this.he0 = new Float64Array(nPhase);
    this.he1 = new Float64Array(nPhase);
    this.hl0 = new Float64Array(nPhase);
    this.hl1 = new Float64Array(nPhase);
    this.done = new Uint8Array(nPhase);
    this.linearDone = new Uint8Array(nPhase);
  }

  invalidate(): void {
    this.scattered = false;
    this.linearScattered = false;
    this.done.fill(0);
    this.linearDone.fill(0);
  }
}

/** Keys kernel weights of nodes i−1 … i+2 at fraction t (salt2-spec §1.3), and their first t-derivatives. */
function keysWeights(t: number, w: Float64Array, dw: Float64Array, o: number): void {
  const s0 = 1 + t;
  const u = 1 - t;
  const s3 = 2 - t;
  w[o] = ((-0.5 * s0 + 2.5) * s0 - 4) * s0 + 2;
  w[o + 1] = (1.5 * t - 2.5) * t * t + 1;
  w[o + 2] = (1.5 * u - 2.5) * u * u + 1;
  w[o + 3] = ((-0.5 * s3 + 2.5) * s3 - 4) * s3 + 2;
  dw[o] = (-1.5 * s0 + 5) * s0 - 4;
  dw[o + 1] = (4.5 * t - 5) * t;
  dw[o + 2] = -(4.5 * u - 5) * u;
  dw[o + 3] = -((-1.5 * s3 + 5) * s3 - 4);
}

/** Second t-derivatives of the Keys weights (piecewise linear in t). */
function keysSecondDerivatives(t: number, d2w: Float64Array, o: number): void {
  d2w[o] = -3 * (1 + t) + 5;
  d2w[o + 1] = 9 * t - 5;
  d2w[o + 2] = 9 * (1 - t) - 5;
  d2w[o + 3] = -3 * (2 - t) + 5;
}

/** The §7.2 machinery for one (model, band) pair; holds the state of the last (z, c). */
export class BandProjection {
  readonly band: Bandpass;
  /** 1 / ZP_AB(band): the AB zero point enters as 10^(0.4 zp) / ZP_AB. */
  readonly invZpAB: number;
  readonly #model: Salt2Model;
  readonly #nk: number;
  readonly #lam: Float64Array;
  /** Δ λ_k T(λ_k) / hc: the z-independent part of the midpoint sum. */
  readonly #beta: Float64Array;
  // Per-sample state at the current z.
  #z = Number.NaN;
  #a = Number.NaN;
  /** Rest-frame wavelengths a·λ_k. */
  readonly #rest: Float64Array;
  readonly #iy: Int32Array;
  readonly #tau: Float64Array;
  readonly #cubic: Uint8Array;
  /** CL and its first two wavelength derivatives at a·λ_k. */
  readonly #cl: Float64Array;
  readonly #dcl: Float64Array;
  readonly #d2cl: Float64Array;
  /** 1 / (template wavelength spacing of the sample's cell). */
  readonly #invDl: Float64Array;
  /** Cubic weights and their τ-derivatives, 4 per sample; second derivatives only for ∂²/∂a². */
  readonly #w: Float64Array;
  readonly #dw: Float64Array;
  readonly #d2w = new Float64Array(4);
  #hasEdge = false;
  #jlo = 0;
  #jhi = -1;
  // Per-sample weights at the current (z, c).
  #c = Number.NaN;
  /** a β_k 10^(−0.4 c CL(aλ_k)). */
  readonly #e: Float64Array;
  readonly #vw: Float64Array;
  readonly #d1w: Float64Array;
  readonly #d2vw: Float64Array;
  /** Projections of the integrand and of its derivatives in c and a (at fixed phase). */
  readonly #value: Projection;
  readonly #dc: Projection;
  readonly #da: Projection;
  readonly #dcc: Projection;
  readonly #dca: Projection;
  readonly #daa: Projection;
  readonly #byOrder: readonly [Projection[], Projection[], Projection[]];
  readonly #pw = new Float64Array(4);
  readonly #pdw = new Float64Array(4);
  readonly #pd2w = new Float64Array(4);

  constructor(model: Salt2Model, band: Bandpass) {
    this.#model = model;
    this.band = band;
    this.invZpAB = 1 / band.zpAB;
    const { wave, spacing } = integrationGrid(band.minwave, band.maxwave, MODEL_BANDFLUX_SPACING);
    const nk = wave.length;
    this.#nk = nk;
    this.#lam = wave;
    this.#beta = new Float64Array(nk);
    for (let k = 0; k < nk; k++) {
      const lam = wave[k] as number;
      this.#beta[k] = (lam * band.transmission(lam) * spacing) / HC_ERG_AA;
    }
    this.#rest = new Float64Array(nk);
    this.#iy = new Int32Array(nk);
    this.#tau = new Float64Array(nk);
    this.#cubic = new Uint8Array(nk);
    this.#cl = new Float64Array(nk);
    this.#dcl = new Float64Array(nk);
    this.#d2cl = new Float64Array(nk);
    this.#invDl = new Float64Array(nk);
    this.#w = new Float64Array(4 * nk);
    this.#dw = new Float64Array(4 * nk);
    this.#e = new Float64Array(nk);
    this.#vw = new Float64Array(nk);
    this.#d1w = new Float64Array(nk);
    this.#d2vw = new Float64Array(nk);
    const nw = model.wave.length;
    const np = model.phase.length;
    this.#value = new Projection(nw, np);
    this.#dc = new Projection(nw, np);
    this.#da = new Projection(nw, np);
    this.#dcc = new Projection(nw, np);
    this.#dca = new Projection(nw, np);
    this.#daa = new Projection(nw, np);
    const first = [this.#value, this.#dc, this.#da];
    this.#byOrder = [[this.#value], first, [...first, this.#dcc, this.#dca, this.#daa]];
  }

  /** Whether the band lies inside the model at redshift z (sncosmo's non-strict bandflux check). */
  covers(z: number): boolean {
    const s = 1 + z;
    return (
      this.band.minwave >= this.#model.minwave * s && this.band.maxwave <= this.#model.maxwave * s
    );
  }

  /** Moves to (z, c): recomputes the per-sample state that changed. */
  #setState(z: number, c: number): void {
    if (z !== this.#z) {
      if (!this.covers(z)) {
        const m = this.#model;
        throw new BandpassError(
          `bandpass ${this.band.name} [${this.band.minwave}, ${this.band.maxwave}] is outside the model's ` +
            `spectral range [${m.minwave * (1 + z)}, ${m.maxwave * (1 + z)}] at z = ${z}`,
        );
      }
      this.#setZ(z);
      this.#c = Number.NaN;
    }
    if (c !== this.#c) {
      this.#c = c;
      const a = this.#a;
      for (let k = 0; k < this.#nk; k++) {
        this.#e[k] = a * (this.#beta[k] as number) * Math.exp(KAPPA * (this.#cl[k] as number) * c);
      }
      for (const p of this.#byOrder[2]) p.invalidate();
    }
  }

  #setZ(z: number): void {
    const { wave, colorLaw } = this.#model;
    const nw = wave.length;
    const nk = this.#nk;
    const a = 1 / (1 + z);
    this.#z = z;
    this.#a = a;
    this.#hasEdge = false;
    const lam = this.#lam;
    const rest = this.#rest;
    let jlo = nw;
    let jhi = -1;
    let iy = cellIndex(wave, (lam[0] as number) * a);
    for (let k = 0; k < nk; k++) {
      const r = (lam[k] as number) * a;
      rest[k] = r;
      // Samples increase with k: walk the cell forward (largest iy with wave[iy] ≤ r, at most nw − 2).
      while (iy < nw - 2 && (wave[iy + 1] as number) <= r) iy++;
      const w0 = wave[iy] as number;
      const dl = (wave[iy + 1] as number) - w0;
      const t = (r - w0) / dl;
      this.#iy[k] = iy;
      this.#tau[k] = t;
      this.#invDl[k] = 1 / dl;
      if (isCubicCell(iy, nw)) {
        this.#cubic[k] = 1;
        keysWeights(t, this.#w, this.#dw, 4 * k);
        jlo = Math.min(jlo, iy - 1);
        jhi = Math.max(jhi, iy + 2);
      } else {
        this.#cubic[k] = 0;
        this.#hasEdge = true;
        jlo = Math.min(jlo, iy);
        jhi = Math.max(jhi, iy + 1);
      }
    }
    colorLaw.evaluate(rest, nk, this.#cl, this.#dcl, this.#d2cl);
    this.#jlo = jlo;
    this.#jhi = jhi;
  }

  /**
   * Scatters per-sample weights onto the template wavelength nodes: `vw` multiplies the interpolation
   * weights, `d1` and `d2` (may be null) their first and second wavelength derivatives. Fills the
   * cubic and edge-cell vectors, or with `linear` the all-bilinear one (needed in phase edge cells only).
   */
  #scatter(
    p: Projection,
    vw: Float64Array,
    d1: Float64Array | null,
    d2: Float64Array | null,
    linear: boolean,
  ): void {
    const jlo = this.#jlo;
    const jhi = this.#jhi + 1;
    const nk = this.#nk;
    const iyk = this.#iy;
    const tauk = this.#tau;
    if (linear) {
      // The bilinear weights (1−τ, τ) have derivatives (−1, 1) and no second derivative.
      const vl = p.vl;
      vl.fill(0, jlo, jhi);
      for (let k = 0; k < nk; k++) {
        const iy = iyk[k] as number;
        const tau = tauk[k] as number;
        const v = vw[k] as number;
        const d = d1 === null ? 0 : (d1[k] as number);
        vl[iy] = (vl[iy] as number) + v * (1 - tau) - d;
        vl[iy + 1] = (vl[iy + 1] as number) + v * tau + d;
      }
      p.linearScattered = true;
      return;
    }
    const { vc, ve } = p;
    vc.fill(0, jlo, jhi);
    ve.fill(0, jlo, jhi);
    const w = this.#w;
    const dw = this.#dw;
    const d2w = this.#d2w;
    for (let k = 0; k < nk; k++) {
      const iy = iyk[k] as number;
      const tau = tauk[k] as number;
      const v = vw[k] as number;
      const d = d1 === null ? 0 : (d1[k] as number);
      if (this.#cubic[k] === 1) {
        const o = 4 * k;
        const j = iy - 1;
        vc[j] = (vc[j] as number) + v * (w[o] as number) + d * (dw[o] as number);
        vc[j + 1] = (vc[j + 1] as number) + v * (w[o + 1] as number) + d * (dw[o + 1] as number);
        vc[j + 2] = (vc[j + 2] as number) + v * (w[o + 2] as number) + d * (dw[o + 2] as number);
        vc[j + 3] = (vc[j + 3] as number) + v * (w[o + 3] as number) + d * (dw[o + 3] as number);
        if (d2 !== null) {
          const dd = d2[k] as number;
          keysSecondDerivatives(tau, d2w, 0);
          for (let q = 0; q < 4; q++) vc[j + q] = (vc[j + q] as number) + dd * (d2w[q] as number);
        }
      } else {
        ve[iy] = (ve[iy] as number) + v * (1 - tau) - d;
        ve[iy + 1] = (ve[iy + 1] as number) + v * tau + d;
      }
    }
    p.scattered = true;
  }

  /**
   * Weights of each projection (salt2-spec §7.3). With g_k(a) = a β_k E(aλ_k), E = 10^(−0.4 c CL)
   * and κ = −0.4 ln 10: ∂/∂c multiplies by κ CL; ∂/∂a at fixed phase of Σ g_k M(p, aλ_k) is
   * Σ g′_k M + g_k λ_k ∂_λM, and ∂²/∂a² is Σ g″_k M + 2 g′_k λ_k ∂_λM + g_k λ_k² ∂²_λM.
   */
  #ensureScattered(p: Projection, linear = false): void {
    if (linear ? p.linearScattered : p.scattered) return;
    const nk = this.#nk;
    const e = this.#e;
    const a = this.#a;
    const kc = KAPPA * this.#c;
    const vw = this.#vw;
    const d1 = this.#d1w;
    const d2 = this.#d2vw;
    const cl = this.#cl;
    const dcl = this.#dcl;
    if (p === this.#value) {
      this.#scatter(p, e, null, null, linear);
      return;
    }
    const lamk = this.#lam;
    const invDl = this.#invDl;
    if (p === this.#dc || p === this.#dcc) {
      const square = p === this.#dcc;
      for (let k = 0; k < nk; k++) {
        const kcl = KAPPA * (cl[k] as number);
        vw[k] = (e[k] as number) * (square ? kcl * kcl : kcl);
      }
    } else if (p === this.#da) {
      for (let k = 0; k < nk; k++) {
        const ek = e[k] as number;
        const lam = lamk[k] as number;
        // g′ = (g/a)(1 + aλ κ c CL′).
        vw[k] = (ek / a) * (1 + a * lam * kc * (dcl[k] as number));
        d1[k] = ek * lam * (invDl[k] as number);
      }
    } else if (p === this.#dca) {
      for (let k = 0; k < nk; k++) {
        const ek = e[k] as number;
        const lam = lamk[k] as number;
        const kcl = KAPPA * (cl[k] as number);
        const slope = 1 + a * lam * kc * (dcl[k] as number);
        vw[k] = (ek / a) * (kcl * slope + a * lam * KAPPA * (dcl[k] as number));
        d1[k] = ek * lam * (invDl[k] as number) * kcl;
      }
    } else {
      for (let k = 0; k < nk; k++) {
        const ek = e[k] as number;
        const lam = lamk[k] as number;
        const il = invDl[k] as number;
        const kdcl = kc * (dcl[k] as number);
        vw[k] =
          (ek / a) * lam * (2 * kdcl + a * lam * (kdcl * kdcl + kc * (this.#d2cl[k] as number)));
        d1[k] = 2 * (ek / a) * (1 + a * lam * kdcl) * lam * il;
        d2[k] = ek * lam * lam * il * il;
      }
    }
    const first = p === this.#da || p === this.#dca || p === this.#daa;
    this.#scatter(p, vw, first ? d1 : null, p === this.#daa ? d2 : null, linear);
  }

  /**
   * hc (and he when edge samples exist) of phase node i for up to three projections, sharing the
   * template loads (the dominant cost of a fit).
   */
  #computeNode(i: number, p: Projection, q?: Projection, r?: Projection): void {
    const { m0, m1, wave } = this.#model;
    const row = i * wave.length;
    const jlo = this.#jlo;
    const jhi = this.#jhi;
    const vp = p.vc;
    let p0 = 0;
    let p1 = 0;
    if (q === undefined) {
      for (let j = jlo; j <= jhi; j++) {
        const v = vp[j] as number;
        p0 += (m0[row + j] as number) * v;
        p1 += (m1[row + j] as number) * v;
      }
    } else if (r === undefined) {
      const vq = q.vc;
      let q0 = 0;
      let q1 = 0;
      for (let j = jlo; j <= jhi; j++) {
        const a0 = m0[row + j] as number;
        const a1 = m1[row + j] as number;
        const v = vp[j] as number;
        const u = vq[j] as number;
        p0 += a0 * v;
        p1 += a1 * v;
        q0 += a0 * u;
        q1 += a1 * u;
      }
      q.hc0[i] = q0;
      q.hc1[i] = q1;
    } else {
      const vq = q.vc;
      const vr = r.vc;
      let q0 = 0;
      let q1 = 0;
      let r0 = 0;
      let r1 = 0;
      for (let j = jlo; j <= jhi; j++) {
        const a0 = m0[row + j] as number;
        const a1 = m1[row + j] as number;
        const v = vp[j] as number;
        const u = vq[j] as number;
        const s = vr[j] as number;
        p0 += a0 * v;
        p1 += a1 * v;
        q0 += a0 * u;
        q1 += a1 * u;
        r0 += a0 * s;
        r1 += a1 * s;
      }
      q.hc0[i] = q0;
      q.hc1[i] = q1;
      r.hc0[i] = r0;
      r.hc1[i] = r1;
    }
    p.hc0[i] = p0;
    p.hc1[i] = p1;
    p.done[i] = 1;
    if (q !== undefined) q.done[i] = 1;
    if (r !== undefined) r.done[i] = 1;
    if (this.#hasEdge) {
      this.#computeEdgeNode(i, p);
      if (q !== undefined) this.#computeEdgeNode(i, q);
      if (r !== undefined) this.#computeEdgeNode(i, r);
    }
  }

  /** he (wavelength edge-cell samples, bilinear) of phase node i. */
  #computeEdgeNode(i: number, t: Projection): void {
    const { m0, m1, wave } = this.#model;
    const row = i * wave.length;
    let e0 = 0;
    let e1 = 0;
    for (let j = this.#jlo; j <= this.#jhi; j++) {
      const v = t.ve[j] as number;
      e0 += (m0[row + j] as number) * v;
      e1 += (m1[row + j] as number) * v;
    }
    t.he0[i] = e0;
    t.he1[i] = e1;
  }

  /** hl (all samples bilinear) of phase node i. */
  #computeLinearNode(i: number, p: Projection): void {
    const { m0, m1, wave } = this.#model;
    const row = i * wave.length;
    let s0 = 0;
    let s1 = 0;
    for (let j = this.#jlo; j <= this.#jhi; j++) {
      const v = p.vl[j] as number;
      s0 += (m0[row + j] as number) * v;
      s1 += (m1[row + j] as number) * v;
    }
    p.hl0[i] = s0;
    p.hl1[i] = s1;
    p.linearDone[i] = 1;
  }

  /** The projections an order needs. */
  #projections(order: Order): readonly Projection[] {
    return this.#byOrder[order];
  }

  /**
   * Makes the nodes of cubic phase cell ix available for the projections of `order`, computed in
   * fused groups: value with the first derivatives, the three second derivatives together.
   */
  #ensureCubicCell(ix: number, order: Order): void {
    const value = this.#value;
    const dc = this.#dc;
    const dcc = this.#dcc;
    for (let i = ix - 1; i <= ix + 2; i++) {
      const needValue = value.done[i] === 0;
      const needFirst = order >= 1 && dc.done[i] === 0;
      if (needValue && needFirst) this.#computeNode(i, value, dc, this.#da);
      else if (needValue) this.#computeNode(i, value);
      else if (needFirst) this.#computeNode(i, dc, this.#da);
      if (order === 2 && dcc.done[i] === 0) this.#computeNode(i, dcc, this.#dca, this.#daa);
    }
  }

  #ensureLinearCell(ix: number, order: Order): void {
    for (const p of this.#projections(order)) {
      this.#ensureScattered(p, true);
      if (p.linearDone[ix] === 0) this.#computeLinearNode(ix, p);
      if (p.linearDone[ix + 1] === 0) this.#computeLinearNode(ix + 1, p);
    }
  }

  /**
   * Moves to (z, c) and prepares the projections of `order` (0: values; 1: and first derivatives;
   * 2: and second derivatives). Phase nodes are projected lazily by `interpolate`, once per (z, c).
   */
  prepare(z: number, c: number, order: Order): void {
    this.#setState(z, c);
    for (const p of this.#projections(order)) this.#ensureScattered(p);
  }

  /**
   * Writes the band integrals at rest phase p into `out` (slots in `SLOT`, up to `order`, which
   * `prepare` must have been given). Returns false, with zeros, outside the model's phase range.
   */
  interpolate(p: number, out: Float64Array, order: Order): boolean {
    const phase = this.#model.phase;
    const np = phase.length;
    const ix = cellIndex(phase, p);
    if (ix < 0) {
      out.fill(0, 0, SLOT_COUNT);
      return false;
    }
    const p0 = phase[ix] as number;
    const dp = (phase[ix + 1] as number) - p0;
    const tau = (p - p0) / dp;
    if (!isCubicCell(ix, np)) {
      this.#ensureLinearCell(ix, order);
      linear(this.#value, ix, tau, dp, out, SLOT.A, SLOT.P);
      if (order >= 1) {
        linear(this.#dc, ix, tau, dp, out, SLOT.C, SLOT.CP);
        linear(this.#da, ix, tau, dp, out, SLOT.Z, SLOT.ZP);
      }
      if (order >= 2) {
        out[SLOT.PP] = 0;
        out[SLOT.PP + 1] = 0;
        linear(this.#dcc, ix, tau, dp, out, SLOT.CC, -1);
        linear(this.#dca, ix, tau, dp, out, SLOT.CZ, -1);
        linear(this.#daa, ix, tau, dp, out, SLOT.ZZ, -1);
      }
      return true;
    }
    this.#ensureCubicCell(ix, order);
    const w = this.#pw;
    const dw = this.#pdw;
    const d2w = this.#pd2w;
    keysWeights(tau, w, dw, 0);
    if (order === 2) keysSecondDerivatives(tau, d2w, 0);
    const edge = this.#hasEdge;
    const second = order >= 2;
    cubic(this.#value, ix, tau, dp, w, dw, d2w, edge, out, SLOT.A, SLOT.P, second ? SLOT.PP : -1);
    if (order >= 1) {
      cubic(this.#dc, ix, tau, dp, w, dw, d2w, edge, out, SLOT.C, second ? SLOT.CP : -1, -1);
      cubic(this.#da, ix, tau, dp, w, dw, d2w, edge, out, SLOT.Z, second ? SLOT.ZP : -1, -1);
    }
    if (second) {
      cubic(this.#dcc, ix, tau, dp, w, dw, d2w, edge, out, SLOT.CC, -1, -1);
      cubic(this.#dca, ix, tau, dp, w, dw, d2w, edge, out, SLOT.CZ, -1, -1);
      cubic(this.#daa, ix, tau, dp, w, dw, d2w, edge, out, SLOT.ZZ, -1, -1);
    }
    return true;
  }
}

/** Linear phase interpolation of the all-bilinear projection (phase edge cell); `slotP` < 0 skips d/dp. */
function linear(
  p: Projection,
  ix: number,
  tau: number,
  dp: number,
  out: Float64Array,
  slot: number,
  slotP: number,
): void {
  const a0 = p.hl0[ix] as number;
  const b0 = p.hl0[ix + 1] as number;
  const a1 = p.hl1[ix] as number;
  const b1 = p.hl1[ix + 1] as number;
  out[slot] = (1 - tau) * a0 + tau * b0;
  out[slot + 1] = (1 - tau) * a1 + tau * b1;
  if (slotP >= 0) {
    out[slotP] = (b0 - a0) / dp;
    out[slotP + 1] = (b1 - a1) / dp;
  }
}

/**
 * Cubic phase interpolation of hc plus the bilinear part of wavelength-edge samples (he), and its
 * first (`slotP`) and second (`slotPP`) phase derivatives when those slots are ≥ 0.
 */
function cubic(
  p: Projection,
  ix: number,
  tau: number,
  dp: number,
  w: Float64Array,
  dw: Float64Array,
  d2w: Float64Array,
  edge: boolean,
  out: Float64Array,
  slot: number,
  slotP: number,
  slotPP: number,
): void {
  const j = ix - 1;
  const { hc0, hc1 } = p;
  let s0 = 0;
  let s1 = 0;
  let d0 = 0;
  let d1 = 0;
  let dd0 = 0;
  let dd1 = 0;
  for (let q = 0; q < 4; q++) {
    const h0 = hc0[j + q] as number;
    const h1 = hc1[j + q] as number;
    s0 += (w[q] as number) * h0;
    s1 += (w[q] as number) * h1;
    d0 += (dw[q] as number) * h0;
    d1 += (dw[q] as number) * h1;
    dd0 += (d2w[q] as number) * h0;
    dd1 += (d2w[q] as number) * h1;
  }
  if (edge) {
    const { he0, he1 } = p;
    const e00 = he0[ix] as number;
    const e01 = he0[ix + 1] as number;
    const e10 = he1[ix] as number;
    const e11 = he1[ix + 1] as number;
    s0 += (1 - tau) * e00 + tau * e01;
    s1 += (1 - tau) * e10 + tau * e11;
    d0 += e01 - e00;
    d1 += e11 - e10;
  }
  out[slot] = s0;
  out[slot + 1] = s1;
  if (slotP >= 0) {
    out[slotP] = d0 / dp;
    out[slotP + 1] = d1 / dp;
  }
  if (slotPP >= 0) {
    out[slotPP] = dd0 / (dp * dp);
    out[slotPP + 1] = dd1 / (dp * dp);
  }
}
