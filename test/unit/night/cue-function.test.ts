/** cue-night-conductor's handler against a fake compute port and a virtual clock. */
import { describe, expect, it } from "vitest";
import {
  createCueHandler,
  type CueDeps,
} from "../../../functions/cue-night-conductor/src/handler.js";
import { FakeClock, FakeCompute } from "../compute/fakes.js";
import { captureLog, cueMessage } from "./support.js";

const NC = "ztf-night-conductor-t";
const deployed = { SURVEY: "ztf", CONSUMER_VM: "ztf-consumer-t" };

function setup(options: { syntax?: string | null; vm?: Parameters<FakeCompute["add"]>[1] } = {}) {
  const clock = new FakeClock(Date.parse("2026-11-28T04:00:00Z"));
  const compute = new FakeCompute(clock).add(NC, { items: deployed, ...options.vm });
  const captured = captureLog();
  const deps: CueDeps = {
    compute,
    nightConductorVm: NC,
    topicSyntax: async () =>
      options.syntax === undefined ? "ztf_yyyymmdd_programid1" : options.syntax,
    timings: { cueTerminatedWaitMs: 240_000, vmPollMs: 5_000 },
    clock,
  };
  const handler = createCueHandler(deps);
  const handle = (data: string, attributes: Record<string, string> = {}) =>
    handler(cueMessage(data, attributes), { log: captured.log });
  return { clock, compute, handle, ...captured };
}

describe("cue-night-conductor", () => {
  it("START: NIGHT and today's topic on the VM, other keys kept, then the VM started", async () => {
    const { compute, handle, at } = setup();
    const outcome = await handle("START");
    expect(outcome).toMatchObject({ outcome: "started" });
    expect((await compute.getMetadata(NC)).items).toEqual({
      ...deployed,
      NIGHT: "START",
      KAFKA_TOPIC: "ztf_20261128_programid1",
    });
    expect(compute.calls.at(-1)).toBe(`start ${NC}`);
    expect(at("INFO")).toEqual([`START: started ${NC}`]);
  });

  it("START with topic_date, with KAFKA_TOPIC, with NONE", async () => {
    for (const [attributes, topic] of [
      [{ topic_date: "20210413" }, "ztf_20210413_programid1"],
      [{ KAFKA_TOPIC: "my_topic" }, "my_topic"],
      [{ KAFKA_TOPIC: "NONE" }, "NONE"],
    ] as const) {
      const { compute, handle } = setup();
      await handle("START", attributes);
      expect((await compute.getMetadata(NC)).items["KAFKA_TOPIC"]).toBe(topic);
    }
  });

  it("END: NIGHT=END and the previous START's topic cleared", async () => {
    const { compute, handle } = setup({
      vm: { items: { ...deployed, NIGHT: "START", KAFKA_TOPIC: "old" } },
    });
    await handle("END");
    expect((await compute.getMetadata(NC)).items).toEqual({ ...deployed, NIGHT: "END" });
    expect(compute.calls.at(-1)).toBe(`start ${NC}`);
  });

  it("an invalid cue is CRITICAL, acknowledged, and touches nothing", async () => {
    const { compute, handle, at } = setup();
    expect(await handle("RESTART")).toEqual({
      outcome: "invalid",
      reason: 'cue data must be START or END, got "RESTART"',
    });
    expect(await handle("START", { topic_date: "20261332" })).toMatchObject({ outcome: "invalid" });
    expect(at("CRITICAL")).toEqual([
      'invalid cue, ignored: cue data must be START or END, got "RESTART"',
      'invalid cue, ignored: topic_date "20261332" is not a date yyyymmdd (e.g. 20240131)',
    ]);
    expect(compute.calls).toEqual([]);
  });

  it("a START without a topic syntax (LSST) and without KAFKA_TOPIC is CRITICAL", async () => {
    const { compute, handle, at } = setup({ syntax: null });
    expect(await handle("START")).toMatchObject({ outcome: "invalid" });
    expect(at("CRITICAL")[0]).toMatch(/^invalid cue START, ignored: no Kafka topic/);
    expect(compute.calls).toEqual([]);
  });

  it("waits for a VM that is still stopping, then applies the cue", async () => {
    const { clock, compute, handle } = setup({ vm: { status: "RUNNING", stopMs: 60_000 } });
    await compute.stop(NC);
    const t0 = clock.now();
    expect(await handle("END")).toMatchObject({ outcome: "started" });
    expect(clock.now() - t0).toBe(60_000);
  });

  it("a VM still up after 4 min is CRITICAL and the cue is not applied", async () => {
    const { clock, compute, handle, at } = setup({ vm: { status: "RUNNING" } });
    const t0 = clock.now();
    expect(await handle("END")).toEqual({ outcome: "vm-busy", status: "RUNNING" });
    expect(clock.now() - t0).toBe(240_000);
    expect(at("CRITICAL")).toEqual([
      `END: ${NC} is RUNNING, expected TERMINATED (waited 240 s); the cue END was not applied`,
    ]);
    expect(compute.calls).toEqual([]);
  });

  it("a redelivery of a cue already applied does not start the VM twice", async () => {
    const { compute, handle } = setup();
    await handle("START", { KAFKA_TOPIC: "t" });
    compute.calls.length = 0;
    expect(await handle("START", { KAFKA_TOPIC: "t" })).toMatchObject({
      outcome: "already-applied",
    });
    expect(compute.calls).toEqual([]);
  });

  it("retries a metadata write that lost a race", async () => {
    const { compute, handle, lines } = setup();
    compute.conflicts = 2;
    await handle("END");
    expect((await compute.getMetadata(NC)).items["NIGHT"]).toBe("END");
    expect(lines.find((l) => l.message.startsWith("END: started"))?.["metadataAttempts"]).toBe(3);
  });

  it("lets an API error fail the delivery, so Pub/Sub redelivers the cue", async () => {
    const { compute, handle } = setup();
    compute.start = async () => {
      throw Object.assign(new Error("backend unavailable"), { code: 503 });
    };
    await expect(handle("START")).rejects.toThrow("backend unavailable");
  });
});
