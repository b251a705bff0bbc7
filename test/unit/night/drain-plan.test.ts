import { describe, expect, it } from "vitest";
import {
  DrainTracker,
  EndPlanError,
  NightTimingError,
  endPlan,
  readNightTimings,
  streamComplete,
  totalBacklog,
} from "@pgb/night";
import { instanceModel, idColumnsOnlySchemas, readEnv } from "@pgb/broker-utils/instance";

describe("DrainTracker", () => {
  const backlogs = (...values: (number | null)[]) =>
    new Map(values.map((v, i) => [`sub${i}`, v] as const));

  it("is drained after two consecutive all-zero reads, not before the minimum time", () => {
    const tracker = new DrainTracker(300, 3600);
    expect(tracker.observe(0, backlogs(0, 0, 0))).toBe("waiting");
    expect(tracker.observe(30, backlogs(0, 0, 0))).toBe("waiting"); // too early
    expect(tracker.observe(300, backlogs(0, 0, 0))).toBe("drained");
  });

  it("restarts the count when a backlog reappears (metric lag)", () => {
    const tracker = new DrainTracker(0, 3600);
    expect(tracker.observe(0, backlogs(0, 0))).toBe("waiting");
    expect(tracker.observe(30, backlogs(0, 5))).toBe("waiting");
    expect(tracker.observe(60, backlogs(0, 0))).toBe("waiting");
    expect(tracker.observe(90, backlogs(0, null))).toBe("drained");
  });

  it("times out at the deadline", () => {
    const tracker = new DrainTracker(0, 100);
    expect(tracker.observe(50, backlogs(3))).toBe("waiting");
    expect(tracker.observe(100, backlogs(3))).toBe("timeout");
    expect(totalBacklog(backlogs(3, null, 4))).toBe(7);
  });
});

describe("readNightTimings", () => {
  it("defaults to the spec's waits", () => {
    expect(readNightTimings({})).toEqual({
      cueTerminatedWaitMs: 240_000,
      vmPollMs: 5_000,
      checkNightConductorAfterMs: 30_000,
      checkConsumerAfterMs: 300_000,
      vmStateWaitMs: 300_000,
      drainPollMs: 30_000,
      drainMinAfterStopMs: 300_000,
      drainTimeoutMs: 3_600_000,
      counterIdleMs: 45_000,
      counterBudgetMs: 1_800_000,
    });
  });

  it("takes fractional overrides and rejects nonsense naming the variable", () => {
    const t = readNightTimings({ PGB_DRAIN_POLL_SECONDS: "0.25", DRAIN_TIMEOUT_MINUTES: "0.5" });
    expect(t.drainPollMs).toBe(250);
    expect(t.drainTimeoutMs).toBe(30_000);
    expect(() => readNightTimings({ PGB_COUNTER_IDLE_SECONDS: "-1" })).toThrow(NightTimingError);
    expect(() => readNightTimings({ PGB_VM_POLL_SECONDS: "soon" })).toThrow(
      "PGB_VM_POLL_SECONDS=soon is not a positive number",
    );
  });
});

describe("endPlan", () => {
  const model = instanceModel({
    survey: "ztf",
    testid: "mytestid",
    project: "my-proj",
    region: "us-central1",
    tableSchemas: idColumnsOnlySchemas,
  });
  const vm = model.vms.find((v) => v.stub === "night-conductor");
  if (!vm) throw new Error("no night-conductor VM in the model");
  const env = readEnv("night-conductor", vm.env);

  it("reads the instance model's environment", () => {
    const plan = endPlan(env, new Date("2026-11-28T13:55:07Z"));
    expect(plan).toEqual({
      night: "2026-11-28",
      consumerVm: "ztf-consumer-mytestid",
      processingSubscriptions: [
        "ztf-alerts-upload-bytes-to-bucket-mytestid",
        "ztf-alert_avros-bq-sink-mytestid",
        "ztf-alert_avros-value-added-mytestid",
      ],
      counters: [
        { stream: "alerts", subscription: "ztf-alerts-counter-mytestid" },
        { stream: "alert_avros", subscription: "ztf-alert_avros-counter-mytestid" },
        { stream: "alerts_pure", subscription: "ztf-alerts_pure-counter-mytestid" },
        { stream: "exgalac_trans", subscription: "ztf-exgalac_trans-counter-mytestid" },
        { stream: "salt2", subscription: "ztf-salt2-counter-mytestid" },
      ],
      metadataTable: { dataset: "ztf_alerts_mytestid", table: "metadata" },
      summary: { bucket: "my-proj-ztf-broker_files-mytestid", object: "nights/2026-11-28.json" },
    });
  });

  it("rejects a counter map that misses a stream or names an unknown one", () => {
    const at = new Date();
    expect(() => endPlan({ ...env, COUNTER_SUBSCRIPTIONS: "{" }, at)).toThrow(EndPlanError);
    expect(() =>
      endPlan({ ...env, COUNTER_SUBSCRIPTIONS: JSON.stringify({ alerts: "a", other: "b" }) }, at),
    ).toThrow(/missing alert_avros, alerts_pure, exgalac_trans, salt2; unknown other/);
  });
});

describe("streamComplete", () => {
  const ok = { consumerStopped: true, drained: true };
  it("needs the whole pull, a stopped consumer, and for derived streams the drain", () => {
    expect(streamComplete("alerts", ok, true)).toBe(true);
    expect(streamComplete("alerts", ok, false)).toBe(false);
    expect(streamComplete("alerts", { ...ok, drained: false }, true)).toBe(true);
    expect(streamComplete("salt2", { ...ok, drained: false }, true)).toBe(false);
    expect(streamComplete("alerts", { ...ok, consumerStopped: false }, true)).toBe(false);
  });
});
