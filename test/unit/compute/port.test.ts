import { describe, expect, it } from "vitest";
import { ComputeError, updateMetadata, waitForStatus } from "@pgb/compute";
import { FakeClock, FakeCompute } from "./fakes.js";

describe("updateMetadata", () => {
  it("keeps other keys and writes with the fingerprint it read", async () => {
    const clock = new FakeClock();
    const compute = new FakeCompute(clock).add("vm", { items: { SURVEY: "ztf", NIGHT: "END" } });
    const result = await updateMetadata(
      compute,
      "vm",
      { NIGHT: "START", KAFKA_TOPIC: "t" },
      { clock },
    );
    expect(result).toEqual({
      items: { SURVEY: "ztf", NIGHT: "START", KAFKA_TOPIC: "t" },
      written: true,
      attempts: 1,
    });
  });

  it("reads again and retries after a conflict, with back-off", async () => {
    const clock = new FakeClock();
    const compute = new FakeCompute(clock).add("vm");
    compute.conflicts = 3;
    const t0 = clock.now();
    const result = await updateMetadata(compute, "vm", { NIGHT: "END" }, { clock, backoffMs: 100 });
    expect(result.attempts).toBe(4);
    expect(clock.now() - t0).toBe(100 + 200 + 400);
    expect((await compute.getMetadata("vm")).items).toEqual({ NIGHT: "END" });
  });

  it("skips a write that would change nothing", async () => {
    const clock = new FakeClock();
    const compute = new FakeCompute(clock).add("vm", { items: { NIGHT: "END" } });
    const result = await updateMetadata(
      compute,
      "vm",
      { NIGHT: "END", KAFKA_TOPIC: null },
      { clock },
    );
    expect(result.written).toBe(false);
    expect(compute.calls).toEqual([]);
  });

  it("gives up after maxAttempts conflicts, and passes other errors through", async () => {
    const clock = new FakeClock();
    const compute = new FakeCompute(clock).add("vm");
    compute.conflicts = 99;
    await expect(
      updateMetadata(compute, "vm", { NIGHT: "END" }, { clock, maxAttempts: 3 }),
    ).rejects.toThrow(ComputeError);
    await expect(updateMetadata(compute, "missing", { NIGHT: "END" }, { clock })).rejects.toThrow(
      "VM missing not found",
    );
  });
});

describe("waitForStatus", () => {
  it("returns as soon as the VM reaches a wanted state", async () => {
    const clock = new FakeClock();
    const compute = new FakeCompute(clock).add("vm", { startMs: 12_000 });
    await compute.start("vm");
    const result = await waitForStatus(compute, "vm", ["RUNNING"], {
      timeoutMs: 60_000,
      pollMs: 5_000,
      clock,
    });
    expect(result).toEqual({ reached: true, status: "RUNNING", waitedMs: 15_000 });
  });

  it("reports the last state after the timeout, without sleeping past it", async () => {
    const clock = new FakeClock();
    const compute = new FakeCompute(clock).add("vm", { status: "RUNNING" });
    const result = await waitForStatus(compute, "vm", ["TERMINATED"], {
      timeoutMs: 12_000,
      pollMs: 5_000,
      clock,
    });
    expect(result).toEqual({ reached: false, status: "RUNNING", waitedMs: 12_000 });
  });
});
