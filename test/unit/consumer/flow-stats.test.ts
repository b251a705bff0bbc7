import { describe, expect, it } from "vitest";
import { FlowGate } from "../../../vm/consumer/src/flow.js";
import { quantile, StatsWindow } from "../../../vm/consumer/src/stats.js";

describe("FlowGate", () => {
  it("saturates at either limit and allows resuming at half of both", () => {
    const gate = new FlowGate({ maxMessages: 4, maxBytes: 1000 });
    gate.add(100);
    gate.add(100);
    gate.add(100);
    expect(gate.saturated).toBe(false);
    gate.add(100);
    expect(gate.saturated).toBe(true);
    gate.release(100);
    expect(gate.saturated).toBe(false);
    expect(gate.canResume).toBe(false);
    gate.release(100);
    expect(gate.canResume).toBe(true);
    gate.add(900);
    expect(gate.saturated).toBe(true);
    expect(gate.outstanding).toEqual({ messages: 3, bytes: 1100 });
  });

  it("resolves idle() when the last outstanding message is released", async () => {
    const gate = new FlowGate({ maxMessages: 10, maxBytes: 10 });
    await gate.idle();
    gate.add(1);
    gate.add(1);
    let idle = false;
    const waiting = gate.idle().then(() => {
      idle = true;
    });
    gate.release(1);
    await Promise.resolve();
    expect(idle).toBe(false);
    gate.release(1);
    await waiting;
    expect(idle).toBe(true);
  });
});

describe("stats", () => {
  it("quantile by nearest rank", () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantile(values, 0.5)).toBe(5);
    expect(quantile(values, 0.99)).toBe(10);
    expect(quantile(values, 0)).toBe(1);
    expect(quantile([], 0.5)).toBeUndefined();
  });

  it("reports rates and latencies of a window, then starts a new one", () => {
    const w = new StatsWindow(0);
    for (let i = 1; i <= 100; i++) w.published(1000, i);
    w.rejectedOne(20_000_000);
    w.decodeFailed();
    expect(w.snapshot(2000)).toEqual({
      windowSeconds: 2,
      alerts: 101,
      alertsPerSecond: 50.5,
      bytesPerSecond: 10_050_000,
      publishLatencyMs: { p50: 50, p99: 99 },
      decodeFailures: 1,
      rejected: 1,
    });
    expect(w.snapshot(3000)).toMatchObject({
      alerts: 0,
      publishLatencyMs: { p50: null, p99: null },
    });
  });
});
