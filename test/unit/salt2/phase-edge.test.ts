import { describe, expect, it } from "vitest";

import {
  levenbergMarquardt,
  type LeastSquaresProblem,
} from "../../../packages/salt2/src/fit/levenberg-marquardt.js";
import { edgeT0, PieceGuard } from "../../../packages/salt2/src/fit/phase-edge.js";

const MAXPHASE = 50;
const TIME = Float64Array.of(0, 30, 66);
/** θ indices of z and t0. */
const NONLINEAR = Int32Array.of(0, 1);

/**
 * A smooth χ² in (z, t0) with its minimum at z = 0.1, t0 = 20, where the point at t = 66 lies inside
 * the model's phases; it records every (z, t0) it is evaluated at.
 */
function smooth() {
  const at: [number, number][] = [];
  const theta = new Float64Array(5);
  const pending = new Float64Array(5);
  return {
    at,
    nResiduals: 2,
    nParams: 2,
    theta,
    evaluate(x: Float64Array, r: Float64Array, jac: Float64Array | null): number {
      const [z, t0] = [x[0] as number, x[1] as number];
      at.push([z, t0]);
      pending.set([z, t0]);
      r.set([t0 - 20, 10 * (z - 0.1)]);
      jac?.set([0, 1, 10, 0]);
      return (r[0] as number) ** 2 + (r[1] as number) ** 2;
    },
    accept(): void {
      theta.set(pending);
    },
  };
}

const beyond = (z: number, t0: number) => (66 - t0) * (1 / (1 + z)) > MAXPHASE;

/**
 * `smooth` plus a jump of χ² by `inside` where the point at t = 66 lies within the model's phases and
 * by `outside` where it lies beyond.
 */
function jumpy(inside: number, outside: number) {
  const inner = smooth();
  return {
    ...inner,
    nResiduals: 3,
    evaluate(x: Float64Array, r: Float64Array, jac: Float64Array | null): number {
      const r2 = new Float64Array(2);
      const j2 = jac === null ? null : new Float64Array(4);
      const chisq = inner.evaluate(x, r2, j2);
      const jump = beyond(x[0] as number, x[1] as number) ? outside : inside;
      r.set([...r2, Math.sqrt(jump)]);
      jac?.set([...(j2 as Float64Array), 0, 0]);
      return chisq + jump;
    },
  };
}

/** The tests' bounded descent of `problem` from (z, t0) = `start`. */
function minimise(problem: LeastSquaresProblem, start: [number, number]) {
  return levenbergMarquardt(problem, Float64Array.from(start), {
    lower: Float64Array.of(0, -100),
    upper: Float64Array.of(1, 100),
    maxEvaluations: 100,
    edmGoal: 1e-8,
    initialDamping: 1,
  });
}

/** A descent from z = 0.1, t0 = 0 (the point beyond the edge), with walls guarded once refused or not. */
function pressed(inside: number, outside: number, guard: boolean) {
  const inner = jumpy(inside, outside);
  inner.theta.set([0.1, 0]);
  const problem = guard ? new PieceGuard(inner, NONLINEAR, TIME, MAXPHASE, false) : inner;
  return { lm: minimise(problem, [0.1, 0]), at: inner.at };
}

function descend(start: [number, number]) {
  const inner = smooth();
  inner.theta.set(start);
  return { lm: minimise(new PieceGuard(inner, NONLINEAR, TIME, MAXPHASE), start), at: inner.at };
}

describe("PieceGuard: a descent kept within its piece of χ²", () => {
  it("stops on the wall it meets (within 1e-9 days, the point on its side) and never evaluates beyond", () => {
    const { lm, at } = descend([0.1, 0]);
    const [z, t0] = [lm.x[0] as number, lm.x[1] as number];
    expect(lm.converged).toBe(true);
    expect(beyond(z, t0)).toBe(true);
    expect(Math.abs(t0 - edgeT0(66, z, MAXPHASE, false))).toBeLessThanOrEqual(1e-9);
    expect(at.every(([zi, ti]) => beyond(zi, ti))).toBe(true);
    expect(lm.evaluations).toBeLessThan(10);
  });

  it("descends freely where no wall is in the way", () => {
    const { lm } = descend([0.1, 15]);
    expect(lm.chisq).toBeLessThan(1e-8);
    expect(lm.x[1]).toBeCloseTo(20, 4);
  });

  it("turns a step from a point on the wall across it into no step", () => {
    const inner = smooth();
    const t0 = edgeT0(66, 0.1, MAXPHASE, false);
    inner.theta.set([0.1, t0]);
    const guard = new PieceGuard(inner, NONLINEAR, TIME, MAXPHASE);
    const trial = Float64Array.of(0.12, t0 + 5);
    guard.shorten(Float64Array.of(0.1, t0), trial);
    expect(Array.from(trial)).toEqual([0.1, t0]);
    expect(guard.evaluate(Float64Array.of(0.1, t0 + 5), new Float64Array(2), null)).toBe(Infinity);
    expect(inner.at).toEqual([]);
  });

  it("turns a step towards the wall of a point at it into no step, even one too short to cross", () => {
    const inner = smooth();
    const t0 = edgeT0(66, 0.1, MAXPHASE, false) - 5e-10;
    inner.theta.set([0.1, t0]);
    const guard = new PieceGuard(inner, NONLINEAR, TIME, MAXPHASE);
    const trial = Float64Array.of(0.1, t0 + 1e-10);
    expect(beyond(0.1, t0 + 1e-10)).toBe(true);
    guard.shorten(Float64Array.of(0.1, t0), trial);
    expect(Array.from(trial)).toEqual([0.1, t0]);
  });
});

describe("PieceGuard without guardAll: a wall guarded once a step across it was refused", () => {
  it("lands a descent that the jump holds against the wall on it, in fewer evaluations than a crawl", () => {
    const { lm } = pressed(1000, 0, true);
    const [z, t0] = [lm.x[0] as number, lm.x[1] as number];
    expect(lm.converged).toBe(true);
    expect(beyond(z, t0)).toBe(true);
    expect(Math.abs(t0 - edgeT0(66, z, MAXPHASE, false))).toBeLessThanOrEqual(1e-9);
    const crawl = pressed(1000, 0, false).lm;
    expect(beyond(crawl.x[0] as number, crawl.x[1] as number)).toBe(true);
    expect(lm.chisq).toBeLessThanOrEqual(crawl.chisq);
    expect(lm.evaluations).toBeLessThan(crawl.evaluations);
  });

  it("lets a descent cross a wall whose jump lowers χ²", () => {
    const { lm } = pressed(0, 1000, true);
    expect(lm.chisq).toBeLessThan(1e-8);
    expect(lm.x[1]).toBeCloseTo(20, 4);
  });

  it("guards only the walls of a refused step, and says whether it guarded one", () => {
    const inner = smooth();
    inner.theta.set([0.1, 0]);
    const guard = new PieceGuard(inner, NONLINEAR, TIME, MAXPHASE, false);
    const x = Float64Array.of(0.1, 0);
    const trial = Float64Array.of(0.1, 15);
    guard.shorten(x, trial);
    expect(Array.from(trial)).toEqual([0.1, 15]);
    expect(guard.refuse(x, Float64Array.of(0.1, 1))).toBe(false);
    expect(guard.refuse(x, trial)).toBe(true);
    expect(guard.refuse(x, trial)).toBe(false);
    guard.shorten(x, trial);
    expect(trial[1]).toBe(edgeT0(66, 0.1, MAXPHASE, false));
  });
});
