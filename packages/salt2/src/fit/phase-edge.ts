/**
 * The model's last phase (docs/spec/salt2.md §1.3, §4.1): a point at rest phase ≤ 50 counts with the model's
 * flux, one beyond counts with flux 0, so χ² jumps when a point crosses phase 50. The smooth pieces
 * of χ² are separated by walls p_i = (t_i − t0)/(1+z) = 50, lines in (z, t0). A descent ends in one
 * piece; the minimum of a neighbouring piece often lies on its wall (the smooth part pushes the point
 * out, the jump keeps it in), where Minuit's line searches stop too (sncosmo's optima with a point at
 * phase 50.0000), or where the infimum of the outer piece lies (a point at phase 50⁺).
 * `phaseEdgeSearch` visits the pieces next to a minimum: a point near the edge is put on the wall,
 * on either side, and the fit continues with the point held there (t0 follows z along the wall),
 * released when the gradient moves it away from the wall.
 */
import type { LeastSquaresProblem } from "./levenberg-marquardt.js";
import { T0, Z } from "./objective.js";
import type { SeparableProblem } from "./separable.js";

/** A minimisation's outcome (`theta` = [z, t0, x0, x1, c]). */
export interface FitPoint {
  readonly theta: Float64Array;
  readonly chisq: number;
  readonly converged: boolean;
}

/** What the search needs from the fit. */
export interface EdgeSearchContext<P extends FitPoint> {
  /** Observation times (sorted points) and the model's last phase. */
  readonly time: Float64Array;
  readonly maxphase: number;
  readonly t0Bounds: readonly [number, number];
  /** χ² at θ's z, t0, c with the linear parameters solved. */
  chisqAt(theta: Float64Array): number;
  /** A free minimisation from θ. */
  free(theta: Float64Array): P;
  /**
   * A minimisation from θ with point i held on the edge, inside it or just beyond (see `edgeT0`), and
   * ∂χ²/∂t0 where it ends (`PhaseWall.t0Gradient`).
   */
  onEdge(theta: Float64Array, i: number, inside: boolean): { fit: P; t0Gradient: number };
}

/** Points within this many rest-frame days of the edge are tried, nearest first. */
const EDGE_WINDOW = 1.5;
/** χ² a minimum next to a wall may gain when its point is put exactly on the wall (§6.1's 1e-3). */
const STALL = 1e-3;
/**
 * Rest-frame days within which a minimum's point lies at its wall (a descent that stalled against
 * it; the 321 fits of the bench and fixtures whose wall descent in their own piece lowered χ² had
 * their point within 2e-6 days, and the descents of points 0.036 days or more away did not).
 */
const AT_WALL = 0.01;
/** A descent whose step towards a wall would move t0 by less than this (days) has reached it. */
const WALL_REACHED = 1e-9;
/** Moves to a neighbouring piece at most. */
const MAX_MOVES = 2;

/** Adjacent double towards +∞ (finite, nonzero x). */
function nextUp(x: number): number {
  const ulp = Math.pow(2, Math.floor(Math.log2(Math.abs(x))) - 52);
  return x + ulp;
}

/**
 * The t0 that puts time t at the model's last phase at redshift z: the largest phase ≤ maxphase
 * (`inside`) or the smallest beyond it, as the model computes phases ((t − t0)·(1/(1+z))).
 */
export function edgeT0(t: number, z: number, maxphase: number, inside: boolean): number {
  const a = 1 / (1 + z);
  let t0 = t - maxphase * (1 + z);
  // Rounding: step t0 by ulps until the phase lands on the requested side (1–2 steps).
  if (inside) {
    while ((t - t0) * a > maxphase) t0 = nextUp(t0);
  } else {
    while ((t - t0) * a <= maxphase) t0 = -nextUp(-t0);
  }
  return t0;
}

/**
 * The separable problem with point i held on the model's last phase: t0 is not a parameter but
 * t_i − maxphase·(1+z), so the z column of the Jacobian gains −maxphase × the t0 column.
 */
export class PhaseWall implements LeastSquaresProblem {
  readonly nResiduals: number;
  readonly nParams: number;
  readonly #inner: SeparableProblem;
  readonly #time: number;
  readonly #maxphase: number;
  readonly #inside: boolean;
  readonly #it0: number;
  readonly #iz: number;
  readonly #x: Float64Array;
  readonly #jac: Float64Array;
  #gradient = NaN;
  #acceptedGradient = NaN;

  /**
   * `nonlinear` is the inner problem's parameter list (θ indices), which must contain t0; the point at
   * `time` is held at the edge on the side `inside` says.
   */
  constructor(
    inner: SeparableProblem,
    nonlinear: Int32Array,
    time: number,
    maxphase: number,
    inside: boolean,
  ) {
    this.#inner = inner;
    this.#time = time;
    this.#maxphase = maxphase;
    this.#inside = inside;
    this.#it0 = nonlinear.indexOf(T0);
    this.#iz = nonlinear.indexOf(Z);
    this.nResiduals = inner.nResiduals;
    this.nParams = nonlinear.length - 1;
    this.#x = new Float64Array(nonlinear.length);
    this.#jac = new Float64Array(inner.nResiduals * nonlinear.length);
  }

  get theta(): Float64Array {
    return this.#inner.theta;
  }

  /** The reduced parameters (the inner ones without t0) of a full nonlinear vector. */
  reduce(full: ArrayLike<number>): Float64Array {
    return Float64Array.from(Array.from(full).filter((_, k) => k !== this.#it0));
  }

  evaluate(x: Float64Array, r: Float64Array, jac: Float64Array | null): number {
    const full = this.#x;
    const it0 = this.#it0;
    for (let k = 0, j = 0; k < full.length; k++) if (k !== it0) full[k] = x[j++] as number;
    const z = this.#iz >= 0 ? (full[this.#iz] as number) : (this.#inner.theta[Z] as number);
    full[it0] = edgeT0(this.#time, z, this.#maxphase, this.#inside);
    const chisq = this.#inner.evaluate(full, r, jac === null ? null : this.#jac);
    this.#gradient = NaN;
    if (jac !== null) {
      const q = full.length;
      const p = this.nParams;
      this.#gradient = 0;
      for (let i = 0; i < this.nResiduals; i++) {
        const row = i * q;
        const dt0 = this.#jac[row + it0] as number;
        this.#gradient += 2 * (r[i] as number) * dt0;
        for (let k = 0, j = 0; k < q; k++) {
          if (k === it0) continue;
          const d = this.#jac[row + k] as number;
          // dt0/dz = −maxphase along the wall.
          jac[i * p + j++] = k === this.#iz ? d - this.#maxphase * dt0 : d;
        }
      }
    }
    return chisq;
  }

  accept(): void {
    this.#inner.accept();
    this.#acceptedGradient = this.#gradient;
  }

  /**
   * ∂χ²/∂t0 off the wall at the last accepted point: the sign says whether the wall holds the point
   * (every point a descent accepts comes with its Jacobian, whose t0 column this is).
   */
  get t0Gradient(): number {
    return this.#acceptedGradient;
  }
}

/**
 * A problem whose descent may not cross some of the phase-50 walls: a trial that would move a
 * guarded point across the model's last phase is refused (χ² = ∞) without evaluating the model, and
 * a step towards a guarded wall ends on it (`shorten`). With `guardAll`, every wall is guarded: a
 * descent released from a wall then stops against the next wall instead of paying for the jumps
 * beyond it (each costs an evaluation, and certifying a jump takes about ten); the pieces beyond are
 * the next move's. Otherwise a wall becomes guarded once a step across it has been rejected
 * (`refuse`): a descent pressed against a wall by the smooth part of χ² and held by the jump lands
 * on it at once, instead of creeping towards it with ever more damped steps, each paid for by
 * rejected crossings.
 */
export class PieceGuard implements LeastSquaresProblem {
  readonly nResiduals: number;
  readonly nParams: number;
  readonly #inner: LeastSquaresProblem & { readonly theta: Float64Array };
  readonly #time: Float64Array;
  readonly #maxphase: number;
  readonly #it0: number;
  readonly #iz: number;
  /** The points whose wall may not be crossed (a fit with none pays nothing per evaluation). */
  readonly #guarded: number[];
  readonly #isGuarded: Uint8Array;

  /** `nonlinear` is the inner problem's parameter list (θ indices), which must contain t0. */
  constructor(
    inner: LeastSquaresProblem & { readonly theta: Float64Array },
    nonlinear: Int32Array,
    time: Float64Array,
    maxphase: number,
    guardAll = true,
  ) {
    this.#inner = inner;
    this.#time = time;
    this.#maxphase = maxphase;
    this.#it0 = nonlinear.indexOf(T0);
    this.#iz = nonlinear.indexOf(Z);
    this.nResiduals = inner.nResiduals;
    this.nParams = nonlinear.length;
    this.#guarded = guardAll ? Array.from(time, (_, i) => i) : [];
    this.#isGuarded = new Uint8Array(time.length).fill(guardAll ? 1 : 0);
  }

  /** The accepted θ: the current point. */
  get theta(): Float64Array {
    return this.#inner.theta;
  }

  /** Whether time t lies within the model's phases at t0 and a = 1/(1+z), as the model computes the phase. */
  #within(t: number, a: number, t0: number): boolean {
    return (t - t0) * a <= this.#maxphase;
  }

  #zOf(x: Float64Array): number {
    return this.#iz >= 0 ? (x[this.#iz] as number) : (this.#inner.theta[Z] as number);
  }

  evaluate(x: Float64Array, r: Float64Array, jac: Float64Array | null): number {
    if (this.#guarded.length > 0) {
      const current = this.#inner.theta;
      const a0 = 1 / (1 + (current[Z] as number));
      const t00 = current[T0] as number;
      const a = 1 / (1 + this.#zOf(x));
      const t0 = x[this.#it0] as number;
      for (const i of this.#guarded) {
        const t = this.#time[i] as number;
        if (this.#within(t, a, t0) !== this.#within(t, a0, t00)) return Infinity;
      }
    }
    return this.#inner.evaluate(x, r, jac);
  }

  accept(): void {
    this.#inner.accept?.();
  }

  /**
   * Guards the walls that the rejected step from x to `trial` crossed; whether there was one not
   * guarded yet (the same damping then ends the step on it).
   */
  refuse(x: Float64Array, trial: Float64Array): boolean {
    const ax = 1 / (1 + this.#zOf(x));
    const tx = x[this.#it0] as number;
    const a = 1 / (1 + this.#zOf(trial));
    const t0 = trial[this.#it0] as number;
    let crossed = false;
    for (let i = 0; i < this.#time.length; i++) {
      const t = this.#time[i] as number;
      if (this.#isGuarded[i] === 1 || this.#within(t, a, t0) === this.#within(t, ax, tx)) continue;
      this.#isGuarded[i] = 1;
      this.#guarded.push(i);
      crossed = true;
    }
    return crossed;
  }

  /**
   * A step that would move points across guarded walls ends on the first one it meets (the point
   * put on it to the ulp, on its side); one that cannot move before meeting it, or that heads into
   * the guarded wall of a point already at it (even too little to cross it), becomes no step.
   */
  shorten(x: Float64Array, trial: Float64Array): void {
    const m = this.#maxphase;
    const zx = this.#zOf(x);
    const tx = x[this.#it0] as number;
    const zt = this.#zOf(trial);
    const tt = trial[this.#it0] as number;
    const a = 1 / (1 + zt);
    // Along the step, point i's gap t_i − t0 − m·(1 + z) (≤ 0 inside) falls by s·v, linear in s.
    const v = tt - tx + m * (zt - zx);
    let s = 1;
    let wall = -1;
    const ax = 1 / (1 + zx);
    for (const i of this.#guarded) {
      const t = this.#time[i] as number;
      const inside = this.#within(t, ax, tx);
      if (inside ? !(v < 0) : !(v > 0)) continue;
      const gap = t - tx - m * (1 + zx);
      // A point at its wall blocks any step towards it, also one too short to cross it.
      if (Math.abs(gap) <= WALL_REACHED) {
        trial.set(x);
        return;
      }
      if (this.#within(t, a, tt) === inside) continue;
      const at = gap / v;
      if (at < s) {
        s = Math.max(at, 0);
        wall = i;
      }
    }
    if (wall < 0) return;
    for (let k = 0; k < trial.length; k++)
      trial[k] = (x[k] as number) + s * ((trial[k] as number) - (x[k] as number));
    const t0 = edgeT0(
      this.#time[wall] as number,
      this.#zOf(trial),
      m,
      this.#within(this.#time[wall] as number, ax, tx),
    );
    if (Math.abs(t0 - tx) <= WALL_REACHED) trial.set(x);
    else trial[this.#it0] = t0;
  }
}

/**
 * The minimum along point i's wall on `side` from θ, or, when the wall does not hold the point (χ²
 * decreases as it moves away from the edge into its side; t0 up moves it inwards), the free minimum
 * beyond it if lower; `held` tells which.
 */
function wallDescent<P extends FitPoint>(
  ctx: EdgeSearchContext<P>,
  theta: Float64Array,
  i: number,
  side: boolean,
): { fit: P; held: boolean } {
  const { fit, t0Gradient } = ctx.onEdge(theta, i, side);
  const gradient = fit.converged ? t0Gradient : 0;
  if (side ? gradient < 0 : gradient > 0) {
    const released = ctx.free(fit.theta);
    if (released.converged && released.chisq < fit.chisq) return { fit: released, held: false };
  }
  return { fit, held: true };
}

/**
 * From a minimum, moves to neighbouring pieces of χ² across the phase-50 walls of points near the
 * edge while that lowers χ²; returns the lowest minimum reached.
 */
export function phaseEdgeSearch<P extends FitPoint>(best: P, ctx: EdgeSearchContext<P>): P {
  const { time, maxphase } = ctx;
  const [tlo, thi] = ctx.t0Bounds;
  /** The wall (point, side) that holds `best`: a descent along it would end where it starts. */
  let held: { i: number; side: boolean } | undefined;
  for (let move = 0; move < MAX_MOVES; move++) {
    const z = best.theta[Z] as number;
    const t0 = best.theta[T0] as number;
    const a = 1 / (1 + z);
    const near: number[] = [];
    for (let i = 0; i < time.length; i++) {
      if (Math.abs(((time[i] as number) - t0) * a - maxphase) <= EDGE_WINDOW) near.push(i);
    }
    const distance = (i: number) => Math.abs(((time[i] as number) - t0) * a - maxphase);
    near.sort((i, j) => distance(i) - distance(j));
    let next: P | undefined;
    for (const i of near) {
      const t = time[i] as number;
      const inside = (t - t0) * a <= maxphase;
      // The piece on the other side of the wall, then, for a point at its wall, the current piece
      // along it (a descent stalls next to a wall it cannot cross, with the other parameters not yet
      // optimal).
      for (const side of [!inside, inside]) {
        if (side === inside && distance(i) > AT_WALL) continue;
        if (held !== undefined && held.i === i && held.side === side) continue;
        const theta = Float64Array.from(best.theta);
        theta[T0] = edgeT0(t, z, maxphase, side);
        if (!((theta[T0] as number) >= tlo && (theta[T0] as number) <= thi)) continue;
        // Only walls whose point already beats the minimum (on the current side: within STALL of it)
        // are followed: one cheap evaluation, z and c are unchanged (none when the minimum's point
        // already lies on the wall to the ulp, as a released descent leaves it).
        const there = theta[T0] === best.theta[T0] ? best.chisq : ctx.chisqAt(theta);
        if (!(side === inside ? there <= best.chisq + STALL : there < best.chisq)) continue;
        const candidate = wallDescent(ctx, theta, i, side);
        if (candidate.fit.converged && candidate.fit.chisq < best.chisq - 1e-9) {
          next = candidate.fit;
          held = candidate.held ? { i, side } : undefined;
          break;
        }
      }
      if (next !== undefined) break;
    }
    if (next === undefined) break;
    best = next;
  }
  return best;
}
