import { describe, expect, it } from "vitest";

import {
  levenbergMarquardt,
  type LeastSquaresProblem,
} from "../../../packages/salt2/src/fit/levenberg-marquardt.js";

/** Rosenbrock's residuals plus a constant one: a curved valley, minimum χ² = 10 at (1, 1). */
const rosenbrock: LeastSquaresProblem = {
  nResiduals: 3,
  nParams: 2,
  evaluate(x, r, jac) {
    const [a, b] = [x[0] as number, x[1] as number];
    r.set([10 * (b - a * a), 1 - a, Math.sqrt(10)]);
    jac?.set([-20 * a, 10, -1, 0, 0, 0]);
    return (r[0] as number) ** 2 + (r[1] as number) ** 2 + 10;
  },
};

const run = (abandonAbove?: number, abandonHorizon?: number) =>
  levenbergMarquardt(rosenbrock, Float64Array.of(-1.2, 1), {
    lower: Float64Array.of(-Infinity, -Infinity),
    upper: Float64Array.of(Infinity, Infinity),
    maxEvaluations: 200,
    edmGoal: 1e-8,
    initialDamping: 1,
    ...(abandonAbove === undefined ? {} : { abandonAbove }),
    ...(abandonHorizon === undefined ? {} : { abandonHorizon }),
  });

describe("levenbergMarquardt: abandoning a descent that cannot beat an incumbent", () => {
  it("without an incumbent, reaches the minimum", () => {
    const lm = run();
    expect(lm.converged).toBe(true);
    expect(lm.abandoned).toBe(false);
    expect(lm.chisq).toBeCloseTo(10, 8);
  });

  it("with an incumbent below its minimum, stops early, not converged", () => {
    const free = run();
    const lm = run(9);
    expect(lm.abandoned).toBe(true);
    expect(lm.converged).toBe(false);
    expect(lm.reachedLimit).toBe(false);
    expect(lm.evaluations).toBeLessThan(free.evaluations);
  });

  it("with an incumbent its minimum beats, descends as without one", () => {
    const free = run();
    const lm = run(10.5);
    expect(lm.abandoned).toBe(false);
    expect(lm.evaluations).toBe(free.evaluations);
    expect(lm.chisq).toBe(free.chisq);
  });

  it("with a short horizon, abandons a descent that is still gaining sooner", () => {
    const lm = run(9, 5);
    expect(lm.abandoned).toBe(true);
    expect(lm.evaluations).toBeLessThan(run(9).evaluations);
  });

  it("with a short horizon and an incumbent its minimum beats, descends as without one", () => {
    const free = run();
    const lm = run(10.5, 5);
    expect(lm.abandoned).toBe(false);
    expect(lm.evaluations).toBe(free.evaluations);
    expect(lm.chisq).toBe(free.chisq);
  });
});

describe("levenbergMarquardt: a decrease lost in the rounding of χ²", () => {
  /** χ² = 10¹² + (10⁻³·(x − 1))²: what a step can gain from x = 0 is 10⁻⁶, below χ²'s rounding. */
  const offset: LeastSquaresProblem = {
    nResiduals: 2,
    nParams: 1,
    evaluate(x, r, jac) {
      r.set([1e6, 1e-3 * ((x[0] as number) - 1)]);
      jac?.set([0, 1e-3]);
      return (r[0] as number) ** 2 + (r[1] as number) ** 2;
    },
  };

  it("is not tried: the descent stops at its start, converged", () => {
    const lm = levenbergMarquardt(offset, Float64Array.of(0), {
      lower: Float64Array.of(-Infinity),
      upper: Float64Array.of(Infinity),
      maxEvaluations: 100,
      edmGoal: 1e-12,
      initialDamping: 1,
    });
    expect(lm.converged).toBe(true);
    expect(lm.evaluations).toBe(1);
    expect(lm.x[0]).toBe(0);
  });
});
