import { describe, expect, it } from "vitest";

import {
  formatTick,
  linearScale,
  niceStep,
  niceTicks,
} from "../../../packages/salt2/src/plot/scale.js";

describe("plot scales and ticks", () => {
  it("chooses steps of 1, 2 or 5 × 10^k", () => {
    expect(niceStep(55, 5)).toBe(10);
    expect(niceStep(1000, 5)).toBe(200);
    expect(niceStep(0.03, 5)).toBeCloseTo(0.005, 12);
    expect(niceStep(75, 5)).toBe(20);
    expect(niceStep(70, 5)).toBe(10);
  });

  it("widens the domain to whole steps and lists every tick", () => {
    expect(niceTicks(59415.3, 59468.2, 5)).toEqual({
      lo: 59410,
      hi: 59470,
      step: 10,
      values: [59410, 59420, 59430, 59440, 59450, 59460, 59470],
    });
    const ticks = niceTicks(-37, 980, 5);
    expect([ticks.lo, ticks.hi, ticks.step]).toEqual([-200, 1000, 200]);
  });

  it("gives one point or no data an axis", () => {
    const one = niceTicks(500, 500, 5);
    expect(one.lo).toBeLessThan(500);
    expect(one.hi).toBeGreaterThan(500);
    expect(niceTicks(0, 0, 5).values.length).toBeGreaterThan(1);
    expect(niceTicks(Infinity, -Infinity, 5)).toMatchObject({ lo: 0, hi: 1 });
    expect(niceTicks(NaN, 3, 5).values).toContain(3);
  });

  it("maps a domain onto a range, downwards for y", () => {
    const y = linearScale(0, 1000, 220, 0);
    expect([y(0), y(500), y(1000)]).toEqual([220, 110, 0]);
  });

  it("writes labels with the decimals the step needs, separators and a true minus", () => {
    expect(formatTick(1000, 200)).toBe("1,000");
    expect(formatTick(59420, 10, false)).toBe("59420");
    expect(formatTick(-200, 100)).toBe("\u2212200");
    expect(formatTick(0.25, 0.05)).toBe("0.25");
    expect(formatTick(-0.0000001, 0.5)).toBe("0.0");
  });
});
