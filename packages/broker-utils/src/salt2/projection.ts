/**
 * Exact fast band fluxes (salt2-spec §7.2–7.3). For one band and one (z, c), the wavelength sum of
 * the photon integral is pushed inside the phase interpolation: the integrand weights are scattered
 * onto the template's wavelength nodes and projected on each template row, leaving a 1-D phase
 * interpolation per data point. The same projection with other weights gives ∂/∂c and ∂/∂z; the
 * phase-kernel derivative gives ∂/∂t0. Only the summation order differs from sncosmo.
 */
import { integrationGrid, type Bandpass } from "./bandpass.js";
import { HC_ERG_AA, MODEL_BANDFLUX_SPACING } from "./constants.js";
import { BandpassError } from "./errors.js";
import { cellIndex, cubicWeightDerivatives, cubicWeights, isCubicCell } from "./interpolation.js";
import type { Salt2Model } from "./model.js";

/** Slots of the array `interpolate` fills (per unit x0, before the zero-point factor). */
export const SLOT = {
  /** ∫ M0 and ∫ M1: photon flux of each template through the band. */
  A0: 0,
  A1: 1,
  /** d/dphase of A0, A1 (per day). */
  P0: 2,
  P1: 3,
  /** ∂/∂c of A0, A1. */
  C0: 4,
  C1: 5,
  /** ∂/∂a of A0, A1 at fixed phase, a = 1/(1+z). */
  Z0: 6,
  Z1: 7,
} as const;
export const SLOT_COUNT = 8;

const MINUS_0_4_LN10 = -0.4 * Math.LN10;

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
  /** Whether the node vectors match the current (z, c). */
  scattered = false;
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
    this.done.fill(0);
    this.linearDone.fill(0);
  }
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
  readonly #cl: Float64Array;
  readonly #dcl: Float64Array;
  /** 1 / (template wavelength spacing of the sample's cell). */
  readonly #invDl: Float64Array;
  /** Cubic weights and their τ-derivatives, 4 per sample. */
  readonly #w: Float64Array;
  readonly #dw: Float64Array;
  #hasEdge = false;
  #jlo = 0;
  #jhi = -1;
  // Per-sample weights at the current (z, c).
  #c = Number.NaN;
  readonly #e: Float64Array;
  readonly #vw: Float64Array;
  readonly #dvw: Float64Array;
  readonly #value: Projection;
  readonly #dc: Projection;
  readonly #dz: Projection;
  readonly #pw = new Float64Array(4);
  readonly #pdw = new Float64Array(4);

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
    this.#invDl = new Float64Array(nk);
    this.#w = new Float64Array(4 * nk);
    this.#dw = new Float64Array(4 * nk);
    this.#e = new Float64Array(nk);
    this.#vw = new Float64Array(nk);
    this.#dvw = new Float64Array(nk);
    const nw = model.wave.length;
    const np = model.phase.length;
    this.#value = new Projection(nw, np);
    this.#dc = new Projection(nw, np);
    this.#dz = new Projection(nw, np);
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
        this.#e[k] =
          a * (this.#beta[k] as number) * Math.exp(MINUS_0_4_LN10 * (this.#cl[k] as number) * c);
      }
      this.#value.invalidate();
      this.#dc.invalidate();
      this.#dz.invalidate();
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
    const iyk = this.#iy;
    const tauk = this.#tau;
    const w = this.#w;
    const dw = this.#dw;
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
      iyk[k] = iy;
      tauk[k] = t;
      this.#invDl[k] = 1 / dl;
      const o = 4 * k;
      if (isCubicCell(iy, nw)) {
        this.#cubic[k] = 1;
        // Keys weights at distances 1+t, t, 1−t, 2−t and their t-derivatives, inlined (salt2-spec §1.3).
        const u = 1 - t;
        w[o] = ((-0.5 * (1 + t) + 2.5) * (1 + t) - 4) * (1 + t) + 2;
        w[o + 1] = (1.5 * t - 2.5) * t * t + 1;
        w[o + 2] = (1.5 * u - 2.5) * u * u + 1;
        w[o + 3] = ((-0.5 * (2 - t) + 2.5) * (2 - t) - 4) * (2 - t) + 2;
        dw[o] = (-1.5 * (1 + t) + 5) * (1 + t) - 4;
        dw[o + 1] = (4.5 * t - 5) * t;
        dw[o + 2] = -(4.5 * u - 5) * u;
        dw[o + 3] = -((-1.5 * (2 - t) + 5) * (2 - t) - 4);
        if (iy - 1 < jlo) jlo = iy - 1;
        if (iy + 2 > jhi) jhi = iy + 2;
      } else {
        this.#cubic[k] = 0;
        this.#hasEdge = true;
        if (iy < jlo) jlo = iy;
        if (iy + 1 > jhi) jhi = iy + 1;
      }
    }
    colorLaw.evaluate(rest, nk, this.#cl, this.#dcl);
    this.#jlo = jlo;
    this.#jhi = jhi;
  }

  /**
   * Scatters per-sample weights onto the template wavelength nodes: `vw` multiplies the interpolation
   * weights, `dvw` (may be null) their wavelength derivatives.
   */
  #scatter(p: Projection, vw: Float64Array, dvw: Float64Array | null): void {
    const { vc, ve, vl } = p;
    const jlo = this.#jlo;
    const jhi = this.#jhi + 1;
    vc.fill(0, jlo, jhi);
    ve.fill(0, jlo, jhi);
    vl.fill(0, jlo, jhi);
    const w = this.#w;
    const dw = this.#dw;
    for (let k = 0; k < this.#nk; k++) {
      const iy = this.#iy[k] as number;
      const tau = this.#tau[k] as number;
      const v = vw[k] as number;
      const d = dvw === null ? 0 : (dvw[k] as number);
      const lin0 = v * (1 - tau) - d;
      const lin1 = v * tau + d;
      vl[iy] = (vl[iy] as number) + lin0;
      vl[iy + 1] = (vl[iy + 1] as number) + lin1;
      if (this.#cubic[k] === 1) {
        const o = 4 * k;
        const j = iy - 1;
        vc[j] = (vc[j] as number) + v * (w[o] as number) + d * (dw[o] as number);
        vc[j + 1] = (vc[j + 1] as number) + v * (w[o + 1] as number) + d * (dw[o + 1] as number);
        vc[j + 2] = (vc[j + 2] as number) + v * (w[o + 2] as number) + d * (dw[o + 2] as number);
        vc[j + 3] = (vc[j + 3] as number) + v * (w[o + 3] as number) + d * (dw[o + 3] as number);
      } else {
        ve[iy] = (ve[iy] as number) + lin0;
        ve[iy + 1] = (ve[iy + 1] as number) + lin1;
      }
    }
    p.scattered = true;
  }

  #ensureScattered(p: Projection): void {
    if (p.scattered) return;
    const nk = this.#nk;
    const e = this.#e;
    if (p === this.#value) {
      this.#scatter(p, e, null);
    } else if (p === this.#dc) {
      const vw = this.#vw;
      for (let k = 0; k < nk; k++)
        vw[k] = (e[k] as number) * MINUS_0_4_LN10 * (this.#cl[k] as number);
      this.#scatter(p, vw, null);
    } else {
      // ∂/∂a at fixed phase of a Σ β E(aλ) M(p, aλ): value weights β E (1 + aλ E'/E), derivative
      // weights a β λ E / Δλ (salt2-spec §7.3).
      const a = this.#a;
      const kappa = MINUS_0_4_LN10 * this.#c;
      const vw = this.#vw;
      const dvw = this.#dvw;
      for (let k = 0; k < nk; k++) {
        const lam = this.#lam[k] as number;
        const ek = e[k] as number;
        vw[k] = (ek / a) * (1 + a * lam * kappa * (this.#dcl[k] as number));
        dvw[k] = ek * lam * (this.#invDl[k] as number);
      }
      this.#scatter(p, vw, dvw);
    }
  }

  /**
   * hc (and he when edge samples exist) of phase node i for the value projection and/or the two
   * derivative projections, sharing the template loads (the dominant cost of a fit).
   */
  #computeNode(i: number, value: boolean, derivatives: boolean): void {
    const { m0, m1, wave } = this.#model;
    const row = i * wave.length;
    const jlo = this.#jlo;
    const jhi = this.#jhi;
    const vv = this.#value.vc;
    const vc = this.#dc.vc;
    const vz = this.#dz.vc;
    let s0 = 0;
    let s1 = 0;
    let c0 = 0;
    let c1 = 0;
    let z0 = 0;
    let z1 = 0;
    if (value && derivatives) {
      for (let j = jlo; j <= jhi; j++) {
        const a0 = m0[row + j] as number;
        const a1 = m1[row + j] as number;
        const v = vv[j] as number;
        const c = vc[j] as number;
        const z = vz[j] as number;
        s0 += a0 * v;
        s1 += a1 * v;
        c0 += a0 * c;
        c1 += a1 * c;
        z0 += a0 * z;
        z1 += a1 * z;
      }
    } else if (value) {
      for (let j = jlo; j <= jhi; j++) {
        const v = vv[j] as number;
        s0 += (m0[row + j] as number) * v;
        s1 += (m1[row + j] as number) * v;
      }
    } else {
      for (let j = jlo; j <= jhi; j++) {
        const a0 = m0[row + j] as number;
        const a1 = m1[row + j] as number;
        const c = vc[j] as number;
        const z = vz[j] as number;
        c0 += a0 * c;
        c1 += a1 * c;
        z0 += a0 * z;
        z1 += a1 * z;
      }
    }
    const targets: Projection[] = [];
    if (value) {
      this.#value.hc0[i] = s0;
      this.#value.hc1[i] = s1;
      this.#value.done[i] = 1;
      targets.push(this.#value);
    }
    if (derivatives) {
      this.#dc.hc0[i] = c0;
      this.#dc.hc1[i] = c1;
      this.#dc.done[i] = 1;
      this.#dz.hc0[i] = z0;
      this.#dz.hc1[i] = z1;
      this.#dz.done[i] = 1;
      targets.push(this.#dc, this.#dz);
    }
    if (this.#hasEdge) {
      for (const r of targets) {
        let e0 = 0;
        let e1 = 0;
        for (let j = jlo; j <= jhi; j++) {
          const v = r.ve[j] as number;
          e0 += (m0[row + j] as number) * v;
          e1 += (m1[row + j] as number) * v;
        }
        r.he0[i] = e0;
        r.he1[i] = e1;
      }
    }
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

  /** Makes the nodes of cubic phase cell ix available for the value (and derivative) projections. */
  #ensureCubicCell(ix: number, derivatives: boolean): void {
    const value = this.#value.done;
    const dc = this.#dc.done;
    for (let i = ix - 1; i <= ix + 2; i++) {
      const needValue = value[i] === 0;
      const needDerivatives = derivatives && dc[i] === 0;
      if (needValue || needDerivatives) this.#computeNode(i, needValue, needDerivatives);
    }
  }

  #ensureLinearCell(ix: number, derivatives: boolean): void {
    for (const p of derivatives ? [this.#value, this.#dc, this.#dz] : [this.#value]) {
      if (p.linearDone[ix] === 0) this.#computeLinearNode(ix, p);
      if (p.linearDone[ix + 1] === 0) this.#computeLinearNode(ix + 1, p);
    }
  }

  /**
   * Moves to (z, c); with `derivatives`, also prepares the c and z projections. Phase nodes are
   * projected lazily by `interpolate`, once per (z, c).
   */
  prepare(z: number, c: number, derivatives: boolean): void {
    this.#setState(z, c);
    this.#ensureScattered(this.#value);
    if (derivatives) {
      this.#ensureScattered(this.#dc);
      this.#ensureScattered(this.#dz);
    }
  }

  /**
   * Writes the band integrals at rest phase p into `out` (slots in `SLOT`; the c, z slots only with
   * `derivatives`, which `prepare` must have been given). Returns false, with zeros, outside the
   * model's phase range.
   */
  interpolate(p: number, out: Float64Array, derivatives: boolean): boolean {
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
    const value = this.#value;
    if (!isCubicCell(ix, np)) {
      this.#ensureLinearCell(ix, derivatives);
      linear(value, ix, tau, dp, out, SLOT.A0);
      if (derivatives) {
        linear(this.#dc, ix, tau, dp, out, SLOT.C0);
        linear(this.#dz, ix, tau, dp, out, SLOT.Z0);
      }
      return true;
    }
    this.#ensureCubicCell(ix, derivatives);
    const w = this.#pw;
    const dw = this.#pdw;
    cubicWeights(tau, w);
    cubicWeightDerivatives(tau, dw);
    const edge = this.#hasEdge;
    cubic(value, ix, tau, dp, w, dw, edge, out, SLOT.A0, true);
    if (derivatives) {
      cubic(this.#dc, ix, tau, dp, w, dw, edge, out, SLOT.C0, false);
      cubic(this.#dz, ix, tau, dp, w, dw, edge, out, SLOT.Z0, false);
    }
    return true;
  }

  /** a = 1/(1+z) of the prepared state. */
  get a(): number {
    return this.#a;
  }
}

/** Bilinear phase interpolation of the all-bilinear projection (phase edge cell). */
function linear(
  p: Projection,
  ix: number,
  tau: number,
  dp: number,
  out: Float64Array,
  slot: number,
) {
  const a0 = p.hl0[ix] as number;
  const b0 = p.hl0[ix + 1] as number;
  const a1 = p.hl1[ix] as number;
  const b1 = p.hl1[ix + 1] as number;
  out[slot] = (1 - tau) * a0 + tau * b0;
  out[slot + 1] = (1 - tau) * a1 + tau * b1;
  if (slot === SLOT.A0) {
    out[SLOT.P0] = (b0 - a0) / dp;
    out[SLOT.P1] = (b1 - a1) / dp;
  }
}

/** Cubic phase interpolation of hc plus the bilinear part of wavelength-edge samples (he). */
function cubic(
  p: Projection,
  ix: number,
  tau: number,
  dp: number,
  w: Float64Array,
  dw: Float64Array,
  edge: boolean,
  out: Float64Array,
  slot: number,
  withPhaseDerivative: boolean,
) {
  const j = ix - 1;
  const { hc0, hc1 } = p;
  let s0 = 0;
  let s1 = 0;
  let d0 = 0;
  let d1 = 0;
  for (let q = 0; q < 4; q++) {
    const h0 = hc0[j + q] as number;
    const h1 = hc1[j + q] as number;
    s0 += (w[q] as number) * h0;
    s1 += (w[q] as number) * h1;
    d0 += (dw[q] as number) * h0;
    d1 += (dw[q] as number) * h1;
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
  if (withPhaseDerivative) {
    out[SLOT.P0] = d0 / dp;
    out[SLOT.P1] = d1 / dp;
  }
}
