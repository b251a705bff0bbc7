/**
 * Exact fast band fluxes (docs/spec/salt2.md §7.2–7.3). For one band and one (z, c), the wavelength sum of
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
import { ProjectionKernel } from "./projection-kernel.js";

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

/**
 * Which parameter derivatives `prepare` and `interpolate` provide (bit set): in c, and in a = 1/(1+z)
 * at fixed phase. Phase derivatives come with any order ≥ 1 (they cost only kernel taps). A fit with
 * z or c fixed skips those projections, the dominant cost (docs/spec/salt2.md §7.2).
 */
export const WRT_C = 1;
export const WRT_Z = 2;
export const WRT_ALL = WRT_C | WRT_Z;

const KAPPA = -0.4 * Math.LN10;

/**
 * A projection's per-phase-node band integrals of both templates: cubic cells (hc), the bilinear
 * part of wavelength-edge samples (he) and the all-bilinear sums of phase edge cells (hl).
 */
export class PhaseNodes {
  readonly hc0: Float64Array;
  readonly hc1: Float64Array;
  readonly he0: Float64Array;
  readonly he1: Float64Array;
  readonly hl0: Float64Array;
  readonly hl1: Float64Array;

  constructor(nPhase: number) {
    this.hc0 = new Float64Array(nPhase);
    this.hc1 = new Float64Array(nPhase);
    this.he0 = new Float64Array(nPhase);
    this.he1 = new Float64Array(nPhase);
    this.hl0 = new Float64Array(nPhase);
    this.hl1 = new Float64Array(nPhase);
  }
}

/** One projected weight set: node vectors over template wavelengths and their per-phase-node dot products. */
class Projection extends PhaseNodes {
  /** Cubic-cell (the kernel's vector `slot`), edge-cell (bilinear) and all-samples-bilinear node vectors. */
  readonly vc: Float64Array;
  readonly ve: Float64Array;
  readonly vl: Float64Array;
  /** Whether the cubic/edge and the all-bilinear node vectors match the current (z, c). */
  scattered = false;
  linearScattered = false;
  /** Per phase node: whether hc/he (`done`) and hl (`linearDone`) are computed. */
  readonly done: Uint8Array;
  readonly linearDone: Uint8Array;

  constructor(
    kernel: ProjectionKernel,
    readonly slot: number,
    nWave: number,
    nPhase: number,
  ) {
    super(nPhase);
    this.vc = kernel.vector(slot);
    this.ve = new Float64Array(nWave);
    this.vl = new Float64Array(nWave);
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

/** `BandProjection.valueNodes`: the value projection's phase nodes at one (z, c). */
export interface ValueNodes extends PhaseNodes {
  /** Whether some integration samples lie in wavelength edge cells (he counts). */
  readonly hasEdge: boolean;
  /** Colour-law moments over the band (see `profileScan`). */
  readonly mean: number;
  readonly variance: number;
}

/** Keys kernel weights of nodes i−1 … i+2 at fraction t (docs/spec/salt2.md §1.3). */
function keysValues(t: number, w: Float64Array, o: number): void {
  const s0 = 1 + t;
  const u = 1 - t;
  const s3 = 2 - t;
  w[o] = ((-0.5 * s0 + 2.5) * s0 - 4) * s0 + 2;
  w[o + 1] = (1.5 * t - 2.5) * t * t + 1;
  w[o + 2] = (1.5 * u - 2.5) * u * u + 1;
  w[o + 3] = ((-0.5 * s3 + 2.5) * s3 - 4) * s3 + 2;
}

/** First t-derivatives of the Keys weights. */
function keysDerivatives(t: number, dw: Float64Array, o: number): void {
  const s0 = 1 + t;
  const u = 1 - t;
  const s3 = 2 - t;
  dw[o] = (-1.5 * s0 + 5) * s0 - 4;
  dw[o + 1] = (4.5 * t - 5) * t;
  dw[o + 2] = -(4.5 * u - 5) * u;
  dw[o + 3] = -((-1.5 * s3 + 5) * s3 - 4);
}

/** Keys weights and their first t-derivatives. */
export function keysWeights(t: number, w: Float64Array, dw: Float64Array, o: number): void {
  keysValues(t, w, o);
  keysDerivatives(t, dw, o);
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
  /** CL again, from the pass that computes its derivatives. */
  readonly #clScratch: Float64Array;
  /** 1 / (template wavelength spacing of the sample's cell). */
  readonly #invDl: Float64Array;
  /** Cubic weights and their τ-derivatives, 4 per sample; second derivatives only for ∂²/∂a². */
  readonly #w: Float64Array;
  readonly #dw: Float64Array;
  readonly #d2w = new Float64Array(4);
  #hasEdge = false;
  /** Which wavelength derivatives match the current z: none, #dw and #dcl (1), and #d2cl (2). */
  #zDerivatives: 0 | 1 | 2 = 0;
  #jlo = 0;
  #jhi = -1;
  // Per-sample weights at the current (z, c).
  #c = Number.NaN;
  /** a β_k 10^(−0.4 c CL(aλ_k)). */
  readonly #e: Float64Array;
  readonly #vw: Float64Array;
  readonly #d1w: Float64Array;
  readonly #d2vw: Float64Array;
  /** The template and the projections' cubic node vectors, and their dot products. */
  readonly #kernel: ProjectionKernel;
  /** Projections of the integrand and of its derivatives in c and a (at fixed phase). */
  readonly #value: Projection;
  readonly #dc: Projection;
  readonly #da: Projection;
  readonly #dcc: Projection;
  readonly #dca: Projection;
  readonly #daa: Projection;
  /** Projections of each (order, wrt), index 4·order + wrt. */
  readonly #sets: readonly (readonly Projection[])[];
  /** Node-computation groups sharing template loads: value with first derivatives, second derivatives. */
  readonly #firstGroup: readonly (readonly Projection[])[];
  readonly #secondGroup: readonly (readonly Projection[])[];
  readonly #all: readonly Projection[];
  readonly #pw = new Float64Array(4);
  /** τ and width of `interpolate`'s phase cell. */
  readonly #cell = new Float64Array(2);
  /** The template's phase spacing, or 0 when the grid is not uniform. */
  readonly #phaseSpacing: number;
  readonly #pdw = new Float64Array(4);
  readonly #pd2w = new Float64Array(4);

  constructor(model: Salt2Model, band: Bandpass) {
    this.#model = model;
    this.band = band;
    const { phase } = model;
    const dp = ((phase[phase.length - 1] as number) - (phase[0] as number)) / (phase.length - 1);
    this.#phaseSpacing = phase.every(
      (p, i) => Math.abs(p - ((phase[0] as number) + i * dp)) <= 1e-9 * Math.abs(dp),
    )
      ? dp
      : 0;
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
    this.#clScratch = new Float64Array(nk);
    this.#invDl = new Float64Array(nk);
    this.#w = new Float64Array(4 * nk);
    this.#dw = new Float64Array(4 * nk);
    this.#e = new Float64Array(nk);
    this.#vw = new Float64Array(nk);
    this.#d1w = new Float64Array(nk);
    this.#d2vw = new Float64Array(nk);
    const nw = model.wave.length;
    const np = model.phase.length;
    this.#kernel = new ProjectionKernel(model.m0, model.m1, nw, 6);
    const projection = (slot: number) => new Projection(this.#kernel, slot, nw, np);
    this.#value = projection(0);
    this.#dc = projection(1);
    this.#da = projection(2);
    this.#dcc = projection(3);
    this.#dca = projection(4);
    this.#daa = projection(5);
    const wrts = [0, 1, 2, 3];
    this.#firstGroup = wrts.map((wrt) => [
      this.#value,
      ...(wrt & WRT_C ? [this.#dc] : []),
      ...(wrt & WRT_Z ? [this.#da] : []),
    ]);
    this.#secondGroup = wrts.map((wrt) => [
      ...(wrt & WRT_C ? [this.#dcc] : []),
      ...(wrt & WRT_C && wrt & WRT_Z ? [this.#dca] : []),
      ...(wrt & WRT_Z ? [this.#daa] : []),
    ]);
    this.#sets = [0, 1, 2].flatMap((order) =>
      wrts.map((wrt) =>
        order === 0
          ? [this.#value]
          : [
              ...(this.#firstGroup[wrt] as Projection[]),
              ...(order === 2 ? (this.#secondGroup[wrt] as Projection[]) : []),
            ],
      ),
    );
    this.#all = [this.#value, this.#dc, this.#da, this.#dcc, this.#dca, this.#daa];
  }

  /** Whether the band lies inside the model at redshift z (sncosmo's non-strict bandflux check). */
  covers(z: number): boolean {
    const s = 1 + z;
    return (
      this.band.minwave >= this.#model.minwave * s && this.band.maxwave <= this.#model.maxwave * s
    );
  }

  /** Moves to (z, c): recomputes the per-sample state that changed. */
  #setState(z: number, c: number, withZ: boolean): void {
    if (z !== this.#z) {
      if (!this.covers(z)) {
        const m = this.#model;
        throw new BandpassError(
          `bandpass ${this.band.name} [${this.band.minwave}, ${this.band.maxwave}] is outside the model's ` +
            `spectral range [${m.minwave * (1 + z)}, ${m.maxwave * (1 + z)}] at z = ${z}`,
        );
      }
      this.#setZ(z, withZ);
      this.#c = Number.NaN;
    }
    if (c !== this.#c) {
      this.#c = c;
      const a = this.#a;
      const nk = this.#nk;
      const e = this.#e;
      const beta = this.#beta;
      const cl = this.#cl;
      for (let k = 0; k < nk; k++) {
        e[k] = a * (beta[k] as number) * Math.exp(KAPPA * (cl[k] as number) * c);
      }
      for (const p of this.#all) p.invalidate();
    }
  }

  /** With `withZ`, also the wavelength derivatives that the z derivatives need (in the same pass). */
  #setZ(z: number, withZ: boolean): void {
    const { wave, colorLaw } = this.#model;
    const nw = wave.length;
    const nk = this.#nk;
    const a = 1 / (1 + z);
    this.#z = z;
    this.#a = a;
    const lam = this.#lam;
    const rest = this.#rest;
    const iyk = this.#iy;
    const tauk = this.#tau;
    const invDl = this.#invDl;
    const cubic = this.#cubic;
    const w = this.#w;
    const dw = this.#dw;
    let hasEdge = false;
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
      invDl[k] = 1 / dl;
      if (iy >= 1 && iy <= nw - 3) {
        // A cubic cell (interpolation.ts isCubicCell, inlined: the per-sample hot path of a z change).
        cubic[k] = 1;
        keysValues(t, w, 4 * k);
        if (withZ) keysDerivatives(t, dw, 4 * k);
        jlo = Math.min(jlo, iy - 1);
        jhi = Math.max(jhi, iy + 2);
      } else {
        cubic[k] = 0;
        hasEdge = true;
        jlo = Math.min(jlo, iy);
        jhi = Math.max(jhi, iy + 1);
      }
    }
    if (withZ) colorLaw.evaluate(rest, nk, this.#cl, this.#dcl);
    else colorLaw.evaluate(rest, nk, this.#cl);
    this.#zDerivatives = withZ ? 1 : 0;
    this.#hasEdge = hasEdge;
    this.#jlo = jlo;
    this.#jhi = jhi;
  }

  /**
   * The wavelength derivatives of the kernel weights and of the colour law at the current z, which
   * only the z-derivative projections use (computed on their first use), with `second` also the
   * colour law's second derivative (∂²/∂a² only).
   */
  #ensureZDerivatives(second: boolean): void {
    const level = second ? 2 : 1;
    if (this.#zDerivatives >= level) return;
    const nk = this.#nk;
    if (this.#zDerivatives === 0) {
      for (let k = 0; k < nk; k++) {
        if (this.#cubic[k] === 1) keysDerivatives(this.#tau[k] as number, this.#dw, 4 * k);
      }
    }
    const d2cl = second ? this.#d2cl : undefined;
    this.#model.colorLaw.evaluate(this.#rest, nk, this.#clScratch, this.#dcl, d2cl);
    this.#zDerivatives = level;
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
    // The four taps j … j + 3 of the cubic samples are summed in registers, as in
    // `#scatterFirstOrder`.
    let base = -1;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let k = 0; k < nk; k++) {
      const iy = iyk[k] as number;
      const tau = tauk[k] as number;
      const v = vw[k] as number;
      const d = d1 === null ? 0 : (d1[k] as number);
      if (this.#cubic[k] === 1) {
        const o = 4 * k;
        const j = iy - 1;
        if (base < 0) base = j;
        while (base < j) {
          vc[base] = s0;
          s0 = s1;
          s1 = s2;
          s2 = s3;
          s3 = 0;
          base++;
        }
        if (d1 === null) {
          s0 += v * (w[o] as number);
          s1 += v * (w[o + 1] as number);
          s2 += v * (w[o + 2] as number);
          s3 += v * (w[o + 3] as number);
        } else {
          s0 += v * (w[o] as number) + d * (dw[o] as number);
          s1 += v * (w[o + 1] as number) + d * (dw[o + 1] as number);
          s2 += v * (w[o + 2] as number) + d * (dw[o + 2] as number);
          s3 += v * (w[o + 3] as number) + d * (dw[o + 3] as number);
        }
        if (d2 !== null) {
          const dd = d2[k] as number;
          keysSecondDerivatives(tau, d2w, 0);
          s0 += dd * (d2w[0] as number);
          s1 += dd * (d2w[1] as number);
          s2 += dd * (d2w[2] as number);
          s3 += dd * (d2w[3] as number);
        }
      } else {
        ve[iy] = (ve[iy] as number) + (v * (1 - tau) - d);
        ve[iy + 1] = (ve[iy + 1] as number) + (v * tau + d);
      }
    }
    if (base >= 0) vc.set([s0, s1, s2, s3], base);
    p.scattered = true;
  }

  /**
   * Weights of each projection (docs/spec/salt2.md §7.3). With g_k(a) = a β_k E(aλ_k), E = 10^(−0.4 c CL)
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
    if (p === this.#da || p === this.#dca || p === this.#daa) {
      this.#ensureZDerivatives(p === this.#daa);
    }
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
   * template loads (the dominant cost of a fit, `ProjectionKernel`).
   */
  #computeNode(i: number, p: Projection, q?: Projection, r?: Projection): void {
    const sums = this.#kernel.dot(i, this.#jlo, this.#jhi, p.slot, q?.slot, r?.slot);
    p.hc0[i] = sums[0] as number;
    p.hc1[i] = sums[1] as number;
    p.done[i] = 1;
    if (q !== undefined) {
      q.hc0[i] = sums[2] as number;
      q.hc1[i] = sums[3] as number;
      q.done[i] = 1;
    }
    if (r !== undefined) {
      r.hc0[i] = sums[4] as number;
      r.hc1[i] = sums[5] as number;
      r.done[i] = 1;
    }
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

  /** Computes the nodes i of the projections in `group` not yet done, fused (up to three). */
  #computeGroup(i: number, group: readonly Projection[]): void {
    let p: Projection | undefined;
    let q: Projection | undefined;
    let r: Projection | undefined;
    for (const t of group) {
      if (t.done[i] !== 0) continue;
      if (p === undefined) p = t;
      else if (q === undefined) q = t;
      else r = t;
    }
    if (p !== undefined) this.#computeNode(i, p, q, r);
  }

  /**
   * Makes the nodes of cubic phase cell ix available for the projections of (order, wrt), computed in
   * fused groups: value with the first derivatives, the second derivatives together.
   */
  #ensureCubicCell(ix: number, order: Order, wrt: number): void {
    const first = order === 0 ? (this.#sets[0] as Projection[]) : this.#firstGroup[wrt];
    const second = order === 2 ? this.#secondGroup[wrt] : undefined;
    for (let i = ix - 1; i <= ix + 2; i++) {
      this.#computeGroup(i, first as Projection[]);
      if (second !== undefined) this.#computeGroup(i, second);
    }
  }

  #ensureLinearCell(ix: number, order: Order, wrt: number): void {
    for (const p of this.#sets[4 * order + wrt] as Projection[]) {
      this.#ensureScattered(p, true);
      if (p.linearDone[ix] === 0) this.#computeLinearNode(ix, p);
      if (p.linearDone[ix + 1] === 0) this.#computeLinearNode(ix + 1, p);
    }
  }

  /**
   * Moves to (z, c) and prepares the projections of `order` (0: values; 1: and first derivatives;
   * 2: and second derivatives) in the parameters of `wrt`. Phase nodes are projected lazily by
   * `interpolate`, once per (z, c).
   */
  prepare(z: number, c: number, order: Order, wrt: number = WRT_ALL): void {
    this.#setState(z, c, order >= 1 && (wrt & WRT_Z) !== 0);
    const withC = order >= 1 && (wrt & WRT_C) !== 0;
    const withZ = order >= 1 && (wrt & WRT_Z) !== 0;
    if (!this.#value.scattered && (withC || withZ) && !this.#dc.scattered && !this.#da.scattered) {
      this.#scatterFirstOrder(withC, withZ);
    }
    for (const p of this.#sets[4 * order + wrt] as Projection[]) this.#ensureScattered(p);
  }

  /**
   * The value's and the first derivatives' node vectors in one pass over the samples (the same
   * weights and sums as `#ensureScattered`, which would make one pass per projection). Long because
   * it is unrolled: each sample's four kernel taps are summed in registers (the first-order scatter
   * went from 21 % to 11 % of an alert fit's CPU this way).
   */
  #scatterFirstOrder(withC: boolean, withZ: boolean): void {
    if (withZ) this.#ensureZDerivatives(false);
    const jlo = this.#jlo;
    const jhi = this.#jhi + 1;
    const nk = this.#nk;
    const iyk = this.#iy;
    const tauk = this.#tau;
    const cubic = this.#cubic;
    const e = this.#e;
    const cl = this.#cl;
    const dcl = this.#dcl;
    const lamk = this.#lam;
    const invDl = this.#invDl;
    const a = this.#a;
    const kc = KAPPA * this.#c;
    const w = this.#w;
    const dw = this.#dw;
    const value = this.#value;
    const dc = this.#dc;
    const da = this.#da;
    const vcV = value.vc;
    const veV = value.ve;
    const vcC = dc.vc;
    const veC = dc.ve;
    const vcA = da.vc;
    const veA = da.ve;
    vcV.fill(0, jlo, jhi);
    veV.fill(0, jlo, jhi);
    vcC.fill(0, jlo, jhi);
    veC.fill(0, jlo, jhi);
    vcA.fill(0, jlo, jhi);
    veA.fill(0, jlo, jhi);
    // Cubic samples move up the template nodes (two or so per cell): their four taps j … j + 3 are
    // summed in registers (V*, C*, A* for the value, ∂c and ∂a) and a node is stored once no later
    // sample reaches it, in the same order of additions as summing into the vectors.
    let base = -1;
    let V0 = 0;
    let V1 = 0;
    let V2 = 0;
    let V3 = 0;
    let C0 = 0;
    let C1 = 0;
    let C2 = 0;
    let C3 = 0;
    let A0 = 0;
    let A1 = 0;
    let A2 = 0;
    let A3 = 0;
    for (let k = 0; k < nk; k++) {
      const iy = iyk[k] as number;
      const ek = e[k] as number;
      const vC = ek * (KAPPA * (cl[k] as number));
      const lam = lamk[k] as number;
      // g′ = (g/a)(1 + aλ κ c CL′), and the kernel's wavelength derivative.
      const vA = (ek / a) * (1 + a * lam * kc * (dcl[k] as number));
      const dA = ek * lam * (invDl[k] as number);
      if (cubic[k] === 1) {
        const j = iy - 1;
        if (base < 0) base = j;
        while (base < j) {
          vcV[base] = V0;
          vcC[base] = C0;
          vcA[base] = A0;
          V0 = V1;
          V1 = V2;
          V2 = V3;
          V3 = 0;
          C0 = C1;
          C1 = C2;
          C2 = C3;
          C3 = 0;
          A0 = A1;
          A1 = A2;
          A2 = A3;
          A3 = 0;
          base++;
        }
        const o = 4 * k;
        const w0 = w[o] as number;
        const w1 = w[o + 1] as number;
        const w2 = w[o + 2] as number;
        const w3 = w[o + 3] as number;
        V0 += ek * w0;
        V1 += ek * w1;
        V2 += ek * w2;
        V3 += ek * w3;
        if (withC) {
          C0 += vC * w0;
          C1 += vC * w1;
          C2 += vC * w2;
          C3 += vC * w3;
        }
        if (withZ) {
          A0 += vA * w0 + dA * (dw[o] as number);
          A1 += vA * w1 + dA * (dw[o + 1] as number);
          A2 += vA * w2 + dA * (dw[o + 2] as number);
          A3 += vA * w3 + dA * (dw[o + 3] as number);
        }
      } else {
        const tau = tauk[k] as number;
        veV[iy] = (veV[iy] as number) + ek * (1 - tau);
        veV[iy + 1] = (veV[iy + 1] as number) + ek * tau;
        if (withC) {
          veC[iy] = (veC[iy] as number) + vC * (1 - tau);
          veC[iy + 1] = (veC[iy + 1] as number) + vC * tau;
        }
        if (withZ) {
          veA[iy] = (veA[iy] as number) + (vA * (1 - tau) - dA);
          veA[iy + 1] = (veA[iy + 1] as number) + (vA * tau + dA);
        }
      }
    }
    if (base >= 0) {
      vcV.set([V0, V1, V2, V3], base);
      vcC.set([C0, C1, C2, C3], base);
      vcA.set([A0, A1, A2, A3], base);
    }
    value.scattered = true;
    if (withC) dc.scattered = true;
    if (withZ) da.scattered = true;
  }

  /** The template's phase nodes. */
  get phase(): Float64Array {
    return this.#model.phase;
  }

  /** The template's phase spacing Δ if uniform (`ValueTable.series` needs it), else 0. */
  get phaseStep(): number {
    return this.#phaseSpacing;
  }

  /**
   * The value projection at (z, c) with every phase node computed (cubic, wavelength-edge and phase
   * edge cells), copied out, with the colour-law moments there: what `ValueTable` keeps. The same
   * sums as `interpolate`, so a table's values equal the projection's.
   */
  valueNodes(z: number, c: number): ValueNodes {
    this.prepare(z, c, 0);
    const value = this.#value;
    const np = this.#model.phase.length;
    for (let i = 0; i < np; i++) if (value.done[i] === 0) this.#computeNode(i, value);
    for (const ix of [0, np - 2]) if (!isCubicCell(ix, np)) this.#ensureLinearCell(ix, 0, 0);
    return {
      hc0: value.hc0.slice(),
      hc1: value.hc1.slice(),
      he0: value.he0.slice(),
      he1: value.he1.slice(),
      hl0: value.hl0.slice(),
      hl1: value.hl1.slice(),
      hasEdge: this.#hasEdge,
      ...this.#colourMoments(),
    };
  }

  /**
   * Mean and variance of the colour law over the band at the prepared (z, c), weighted by the
   * integrand weights without the template: ln of a band flux then changes with c roughly as
   * κ·Δc·mean + ½κ²·Δc²·variance (κ = −0.4 ln 10), which `profileScan` uses.
   */
  #colourMoments(): { mean: number; variance: number } {
    let sw = 0;
    let s1 = 0;
    let s2 = 0;
    for (let k = 0; k < this.#nk; k++) {
      const w = this.#e[k] as number;
      const cl = this.#cl[k] as number;
      sw += w;
      s1 += w * cl;
      s2 += w * cl * cl;
    }
    const mean = s1 / sw;
    return { mean, variance: Math.max(s2 / sw - mean * mean, 0) };
  }

  /**
   * Writes the band integrals at rest phase p into `out` (slots in `SLOT`, up to `order` and for the
   * parameters of `wrt`, as given to `prepare`; other slots are left as they were). Returns false,
   * with zeros, outside the model's phase range.
   */
  interpolate(p: number, out: Float64Array, order: Order, wrt: number = WRT_ALL): boolean {
    const phase = this.#model.phase;
    const np = phase.length;
    const cell = this.#cell;
    const ix = phaseCell(phase, p, out, cell);
    if (ix < 0) return false;
    const tau = cell[0] as number;
    const dp = cell[1] as number;
    const withC = order >= 1 && (wrt & WRT_C) !== 0;
    const withZ = order >= 1 && (wrt & WRT_Z) !== 0;
    if (!isCubicCell(ix, np)) {
      this.#ensureLinearCell(ix, order, wrt);
      linear(this.#value, ix, tau, dp, out, SLOT.A, SLOT.P);
      if (withC) linear(this.#dc, ix, tau, dp, out, SLOT.C, SLOT.CP);
      if (withZ) linear(this.#da, ix, tau, dp, out, SLOT.Z, SLOT.ZP);
      if (order >= 2) {
        out[SLOT.PP] = 0;
        out[SLOT.PP + 1] = 0;
        if (withC) linear(this.#dcc, ix, tau, dp, out, SLOT.CC, -1);
        if (withC && withZ) linear(this.#dca, ix, tau, dp, out, SLOT.CZ, -1);
        if (withZ) linear(this.#daa, ix, tau, dp, out, SLOT.ZZ, -1);
      }
      return true;
    }
    this.#ensureCubicCell(ix, order, wrt);
    const w = this.#pw;
    const dw = this.#pdw;
    const d2w = this.#pd2w;
    keysWeights(tau, w, dw, 0);
    if (order === 2) keysSecondDerivatives(tau, d2w, 0);
    const edge = this.#hasEdge;
    const second = order >= 2;
    cubic(this.#value, ix, tau, dp, w, dw, d2w, edge, out, SLOT.A, SLOT.P, second ? SLOT.PP : -1);
    if (withC)
      cubic(this.#dc, ix, tau, dp, w, dw, d2w, edge, out, SLOT.C, second ? SLOT.CP : -1, -1);
    if (withZ)
      cubic(this.#da, ix, tau, dp, w, dw, d2w, edge, out, SLOT.Z, second ? SLOT.ZP : -1, -1);
    if (second) {
      if (withC) cubic(this.#dcc, ix, tau, dp, w, dw, d2w, edge, out, SLOT.CC, -1, -1);
      if (withC && withZ) cubic(this.#dca, ix, tau, dp, w, dw, d2w, edge, out, SLOT.CZ, -1, -1);
      if (withZ) cubic(this.#daa, ix, tau, dp, w, dw, d2w, edge, out, SLOT.ZZ, -1, -1);
    }
    return true;
  }
}

/**
 * The cell of rest phase p on the template's phase grid: its index, with its fraction τ and width in
 * cell[0], cell[1]; or −1 outside the grid, with `slots` zeroed.
 */
export function phaseCell(
  phase: Float64Array,
  p: number,
  slots: Float64Array,
  cell: Float64Array,
): number {
  const ix = cellIndex(phase, p);
  if (ix < 0) {
    slots.fill(0, 0, SLOT_COUNT);
    return -1;
  }
  const p0 = phase[ix] as number;
  const dp = (phase[ix + 1] as number) - p0;
  cell[0] = (p - p0) / dp;
  cell[1] = dp;
  return ix;
}

/** Linear phase interpolation of the all-bilinear projection (phase edge cell); `slotP` < 0 skips d/dp. */
export function linear(
  p: PhaseNodes,
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
export function cubic(
  p: PhaseNodes,
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
