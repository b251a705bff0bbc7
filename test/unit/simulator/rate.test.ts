import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  parseRate,
  parseRuntime,
  planBatches,
  ratePerSecond,
  SimulatorPlanError,
} from "@pgb/broker-utils/simulator";

describe("simulator rates (docs/spec/broker.md §9)", () => {
  it.each([
    ["200/sec", { count: 200, unit: "perSec" }],
    ["300000/night", { count: 300000, unit: "perNight" }],
    ["10/once", { count: 10, unit: "once" }],
    ["60 / min", { count: 60, unit: "perMin" }],
    ["ztf-active-avg", { count: 300000, unit: "perNight" }],
    ["ztf-live-max", { count: 200, unit: "perSec" }],
  ])("parses %s", (text, rate) => {
    expect(parseRate(text)).toEqual(rate);
  });

  it.each(["200", "0/sec", "-3/sec", "2.5/sec", "10/fortnight", "ztf-unknown"])(
    "rejects %s with the accepted forms",
    (text) => {
      expect(() => parseRate(text)).toThrowError(SimulatorPlanError);
    },
  );

  it("parses runtimes into seconds; a night is 10 hours", () => {
    expect(parseRuntime("30sec")).toBe(30);
    expect(parseRuntime("2 min")).toBe(120);
    expect(parseRuntime("1hr")).toBe(3600);
    expect(parseRuntime("1night")).toBe(36000);
    expect(() => parseRuntime("soon")).toThrowError(/sec\|min\|hr\|night/);
  });

  it("plans ztf-active-avg: ⌊300000/36000·5⌋ = 41 per 5 s batch", () => {
    const rate = parseRate("ztf-active-avg");
    expect(ratePerSecond(rate)).toBeCloseTo(8.333, 3);
    expect(planBatches(rate, parseRuntime("1min"))).toEqual({
      perBatch: 41,
      batches: 12,
      intervalSeconds: 5,
    });
  });

  it("plans N/once as one batch of N without a runtime", () => {
    expect(planBatches(parseRate("25/once"), undefined)).toEqual({
      perBatch: 25,
      batches: 1,
      intervalSeconds: 5,
    });
  });

  it("refuses a plan with 0 per batch, saying which interval would work", () => {
    expect(() => planBatches(parseRate("1/min"), 600)).toThrowError(/at least 60 s/);
  });

  it("requires a runtime unless once", () => {
    expect(() => planBatches(parseRate("5/sec"), undefined)).toThrowError(/runtime is required/);
  });

  it("never plans more than rate × runtime messages", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.constantFrom("perSec", "perMin", "perHr") as fc.Arbitrary<"perSec" | "perMin" | "perHr">,
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 60 }),
        (count, unit, runtime, interval) => {
          const rate = { count, unit };
          let plan;
          try {
            plan = planBatches(rate, runtime, interval);
          } catch (err) {
            expect(err).toBeInstanceOf(SimulatorPlanError);
            return;
          }
          expect(plan.perBatch).toBeGreaterThan(0);
          expect(plan.perBatch * plan.batches).toBeLessThanOrEqual(
            ratePerSecond(rate) * runtime + 1e-9,
          );
        },
      ),
    );
  });
});
