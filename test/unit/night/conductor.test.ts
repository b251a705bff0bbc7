/** The night conductor's run against fake compute, backlog and counter ports, in virtual time. */
import type { ReceivedMessage, RowToInsert } from "@pgb/broker-utils/gcp";
import { idColumnsOnlySchemas, instanceModel, readEnv } from "@pgb/broker-utils/instance";
import { readNightTimings, type NightSummary } from "@pgb/night";
import { describe, expect, it } from "vitest";
import type { BacklogPort } from "@pgb/compute";
import {
  runNightConductor,
  type ConductorDeps,
} from "../../../vm/night-conductor/src/conductor.js";
import type { CounterSource } from "../../../vm/night-conductor/src/counters.js";
import { FakeClock, FakeCompute } from "../compute/fakes.js";
import { captureLog } from "./support.js";

const model = instanceModel({
  survey: "ztf",
  testid: "t",
  project: "my-proj",
  region: "us-central1",
  tableSchemas: idColumnsOnlySchemas,
});
const ncSpec = model.vms.find((v) => v.stub === "night-conductor");
if (!ncSpec) throw new Error("no night conductor in the model");
const NC = "ztf-night-conductor-t";
const CONSUMER = "ztf-consumer-t";
const END_TIME = Date.parse("2026-11-28T13:55:00Z");

/** A counter subscription holding `messages`, pulled 100 at a time. */
class FakeCounter implements CounterSource {
  acked: string[] = [];
  constructor(
    private readonly queue: ReceivedMessage[],
    private readonly clock: FakeClock,
    /** Messages that keep arriving: one per pull, for ever. */
    private readonly endless = false,
  ) {}
  async pull(maxMessages: number): Promise<ReceivedMessage[]> {
    if (this.endless) {
      await this.clock.sleep(1_000);
      const n = this.acked.length;
      return [message(`x${n}`, END_TIME, END_TIME + 1000)];
    }
    return this.queue.splice(0, Math.min(maxMessages, 100));
  }
  async ack(ackIds: readonly string[]): Promise<void> {
    this.acked.push(...ackIds);
  }
}

function message(id: string, kafkaMs: number, publishMs: number): ReceivedMessage {
  return {
    ackId: `ack-${id}`,
    messageId: id,
    data: Buffer.from("x"),
    attributes: { "kafka.timestamp": String(kafkaMs), "kafka.topic": "ztf_20261128_programid1" },
    publishTime: new Date(publishMs),
    deliveryAttempt: undefined,
  };
}

interface SetupOptions {
  night?: string;
  kafkaTopic?: string;
  consumer?: Parameters<FakeCompute["add"]>[1];
  /** Backlog readings of the processing subscriptions, one total per read (last one repeats). */
  backlogs?: number[];
  /** Backlog the metric shows on a counter subscription. */
  counterBacklog?: number;
  /** Messages per stream. */
  messages?: Partial<Record<string, number>>;
  endless?: string[];
  timings?: Record<string, string>;
}

function setup(options: SetupOptions = {}) {
  const clock = new FakeClock(END_TIME);
  const compute = new FakeCompute(clock)
    .add(NC, {
      status: "RUNNING",
      items: {
        NIGHT: options.night ?? "END",
        ...(options.kafkaTopic ? { KAFKA_TOPIC: options.kafkaTopic } : {}),
      },
    })
    .add(
      CONSUMER,
      options.consumer ?? { status: "RUNNING", items: { KAFKA_TOPIC: "ztf_20261128_programid1" } },
    );
  const env = readEnv("night-conductor", {
    ...ncSpec?.env,
    ...(options.night === undefined
      ? { NIGHT: "END" }
      : options.night === ""
        ? {}
        : { NIGHT: options.night }),
    ...(options.kafkaTopic ? { KAFKA_TOPIC: options.kafkaTopic } : {}),
  });
  const backlogs = [...(options.backlogs ?? [0])];
  const reads: number[] = [];
  const backlog: BacklogPort = {
    async read(subscriptions) {
      if (subscriptions.every((s) => s.includes("-counter-"))) {
        return new Map(subscriptions.map((s) => [s, options.counterBacklog ?? 0]));
      }
      reads.push(clock.now());
      const total = backlogs.length > 1 ? (backlogs.shift() as number) : (backlogs[0] as number);
      return new Map(subscriptions.map((s, i) => [s, i === 0 ? total : 0]));
    },
    async close() {},
  };
  const counters = new Map<string, FakeCounter>();
  const streams = ["alerts", "alert_avros", "alerts_pure", "exgalac_trans", "salt2"];
  for (const stream of streams) {
    const n = options.messages?.[stream] ?? 0;
    const queue = Array.from({ length: n }, (_, i) =>
      message(
        `${stream}-${i}`,
        END_TIME - 3_600_000 + i * 1000,
        END_TIME - 3_600_000 + i * 1000 + (i + 1) * 100,
      ),
    );
    counters.set(
      `ztf-${stream}-counter-t`,
      new FakeCounter(queue, clock, options.endless?.includes(stream)),
    );
  }
  const inserted: RowToInsert[] = [];
  const written: { bucket: string; object: string; value: unknown }[] = [];
  const resets: string[] = [];
  const captured = captureLog();
  const deps: ConductorDeps = {
    env,
    compute,
    backlog,
    counter: (subscription) => {
      const counter = counters.get(subscription);
      if (!counter) throw new Error(`no counter ${subscription}`);
      return counter;
    },
    insertRows: async (dataset, table, rows) => {
      expect([dataset, table]).toEqual(["ztf_alerts_t", "metadata"]);
      inserted.push(...rows);
    },
    writeJson: async (bucket, object, value) => {
      written.push({ bucket, object, value });
    },
    resetCounter: async (subscription) => {
      resets.push(subscription);
      return "seeked";
    },
    timings: readNightTimings({ DRAIN_TIMEOUT_MINUTES: "60", ...options.timings }),
    clock,
    log: captured.log,
  };
  return { clock, compute, deps, inserted, written, resets, reads, counters, ...captured };
}

describe("night conductor: START", () => {
  it("gives the consumer its topic, starts it, waits for RUNNING, clears its own NIGHT", async () => {
    const { compute, deps, at } = setup({
      night: "START",
      kafkaTopic: "ztf_20261128_programid1",
      consumer: { status: "TERMINATED", startMs: 40_000 },
    });
    expect(await runNightConductor(deps)).toEqual({
      night: "START",
      consumer: "started",
      kafkaTopic: "ztf_20261128_programid1",
    });
    expect((await compute.getMetadata(CONSUMER)).items).toEqual({
      KAFKA_TOPIC: "ztf_20261128_programid1",
    });
    expect(await compute.status(CONSUMER)).toBe("RUNNING");
    expect((await compute.getMetadata(NC)).items).toEqual({});
    expect(at("ERROR")).toEqual([]);
  });

  it("KAFKA_TOPIC=NONE leaves the consumer alone", async () => {
    const { compute, deps } = setup({
      night: "START",
      kafkaTopic: "NONE",
      consumer: { status: "TERMINATED" },
    });
    expect(await runNightConductor(deps)).toMatchObject({ consumer: "off" });
    expect(compute.calls.filter((c) => c.includes(CONSUMER))).toEqual([]);
    expect((await compute.getMetadata(NC)).items).toEqual({});
  });

  it("restarts a consumer running on another topic", async () => {
    const { compute, deps, at } = setup({
      night: "START",
      kafkaTopic: "new_topic",
      consumer: { status: "RUNNING", items: { KAFKA_TOPIC: "old_topic" }, stopMs: 20_000 },
    });
    await runNightConductor(deps);
    expect(compute.calls.filter((c) => c.includes(CONSUMER)).map((c) => c.split(" ")[0])).toEqual([
      "stop",
      "setMetadata",
      "start",
    ]);
    expect(at("NOTICE")).toEqual([`${CONSUMER} is RUNNING on old_topic; restarting it`]);
  });

  it("a consumer that does not come up in 5 min is an ERROR; NIGHT is cleared anyway", async () => {
    const { clock, compute, deps, at } = setup({
      night: "START",
      kafkaTopic: "t",
      consumer: { status: "TERMINATED", stuck: true },
    });
    const t0 = clock.now();
    expect(await runNightConductor(deps)).toMatchObject({ consumer: "not-started" });
    expect(clock.now() - t0).toBe(300_000);
    expect(at("ERROR")).toEqual([`START: ${CONSUMER} is STAGING after 300 s, expected RUNNING`]);
    expect((await compute.getMetadata(NC)).items).toEqual({});
  });
});

describe("night conductor: END", () => {
  it("stops the consumer, drains, counts every stream, writes rows and summary, resets counters", async () => {
    const { clock, compute, deps, inserted, written, resets, reads, at } = setup({
      consumer: {
        status: "RUNNING",
        items: { KAFKA_TOPIC: "ztf_20261128_programid1" },
        stopMs: 30_000,
      },
      backlogs: [120, 40, 0, 0],
      messages: { alerts: 250, alert_avros: 0, alerts_pure: 12 },
    });
    const result = await runNightConductor(deps);
    // step 1
    expect((await compute.getMetadata(CONSUMER)).items).toEqual({});
    expect(await compute.status(CONSUMER)).toBe("TERMINATED");
    // step 2: every 30 s; two zero reads, the second ≥ 5 min after the stop
    const stoppedAt = END_TIME + 30_000;
    expect(reads.map((t) => (t - stoppedAt) / 1000)).toEqual([
      0, 30, 60, 90, 120, 150, 180, 210, 240, 270, 300,
    ]);
    // step 3
    expect(inserted.map((r) => r.insertId)).toEqual([
      "2026-11-28-alerts",
      "2026-11-28-alert_avros",
      "2026-11-28-alerts_pure",
      "2026-11-28-exgalac_trans",
      "2026-11-28-salt2",
    ]);
    const alerts = inserted[0]?.json;
    expect(alerts).toMatchObject({
      night: "2026-11-28",
      kafka_topic: "ztf_20261128_programid1",
      stream: "alerts",
      count: "250",
      complete: true,
      first_kafka_timestamp: "2026-11-28T12:55:00.000Z",
      latency_p50_s: 12.5,
      latency_max_s: 25,
    });
    // an empty stream is recorded too, with the night's topic
    expect(inserted[1]?.json).toMatchObject({
      stream: "alert_avros",
      count: "0",
      complete: true,
      kafka_topic: "ztf_20261128_programid1",
      latency_p50_s: null,
    });
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({
      bucket: "my-proj-ztf-broker_files-t",
      object: "nights/2026-11-28.json",
    });
    const summary = written[0]?.value as NightSummary;
    expect(summary).toMatchObject({
      consumer: { stopped: true, status: "TERMINATED", kafkaTopic: "ztf_20261128_programid1" },
      drain: { drained: true, waitedSeconds: 300 },
      counterReset: "seeked",
      errors: [],
    });
    expect(summary.streams[0]).toMatchObject({ pulled: 250, subscription: "ztf-alerts-counter-t" });
    expect(resets).toHaveLength(5);
    expect((await compute.getMetadata(NC)).items).toEqual({});
    expect(result).toMatchObject({ night: "END" });
    expect(at("ERROR")).toEqual([]);
    expect(clock.now()).toBeGreaterThan(stoppedAt + 300_000);
  });

  it("a drain that times out is an ERROR and marks the derived streams incomplete", async () => {
    const { deps, inserted, at } = setup({
      backlogs: [7],
      timings: { DRAIN_TIMEOUT_MINUTES: "10" },
      messages: { alerts: 3, salt2: 1 },
    });
    await runNightConductor(deps);
    expect(at("ERROR")).toEqual([
      "END: processing subscriptions not drained after 600 s (backlog 7); counting anyway, derived streams marked incomplete",
    ]);
    expect(inserted.map((r) => [r.json["stream"], r.json["complete"]])).toEqual([
      ["alerts", true],
      ["alert_avros", false],
      ["alerts_pure", false],
      ["exgalac_trans", false],
      ["salt2", false],
    ]);
  });

  it("a counter whose budget runs out: ERROR, complete=false, count = pulled + backlog", async () => {
    const { deps, inserted, written, at } = setup({
      endless: ["alerts"],
      counterBacklog: 5000,
      timings: { PGB_COUNTER_BUDGET_SECONDS: "100" },
    });
    await runNightConductor(deps);
    const alerts = inserted[0]?.json;
    expect(alerts?.["complete"]).toBe(false);
    const pulled = (written[0]?.value as NightSummary).streams[0]?.pulled ?? 0;
    // at most one message per virtual second of the budget (the other streams' waits share the clock)
    expect(pulled).toBeGreaterThan(10);
    expect(pulled).toBeLessThanOrEqual(100);
    expect(Number(alerts?.["count"])).toBe(pulled + 5000);
    expect(at("ERROR")).toEqual([
      `END: counting alerts ran out of its 100 s budget after ${pulled} messages; backlog 5000 added to the count`,
    ]);
    expect(inserted.slice(1).every((r) => r.json["complete"] === true)).toBe(true);
  });

  it("a consumer that does not stop makes every count incomplete", async () => {
    const { deps, inserted, at } = setup({
      consumer: { status: "RUNNING", stuck: true },
      messages: { alerts: 1 },
    });
    await runNightConductor(deps);
    expect(at("ERROR")[0]).toBe(
      `END: ${CONSUMER} is STOPPING after 300 s, expected TERMINATED; counts may be short`,
    );
    expect(inserted.every((r) => r.json["complete"] === false)).toBe(true);
  });

  it("a failed insert is an ERROR; the rows still reach the summary", async () => {
    const { deps, written, at } = setup({ messages: { alerts: 2 } });
    deps.insertRows = async () => {
      throw new Error("table not found");
    };
    await runNightConductor(deps);
    expect(at("ERROR")).toEqual([
      "END: cannot insert the metadata rows (they are in the night's summary): table not found",
    ]);
    const summary = written[0]?.value as NightSummary;
    expect(summary.streams[0]?.count).toBe("2");
    expect(summary.errors).toHaveLength(1);
  });

  it("without Seek, an incomplete counter is reported as not reset", async () => {
    const { deps, written, at } = setup({
      endless: ["salt2"],
      timings: { PGB_COUNTER_BUDGET_SECONDS: "10" },
    });
    deps.resetCounter = async () => "emptied-by-pull";
    await runNightConductor(deps);
    expect((written[0]?.value as NightSummary).counterReset).toBe("emptied-by-pull");
    expect(at("ERROR")).toContain(
      "END: ztf-salt2-counter-t could not be reset (no Seek) and was not emptied; the next night's count includes its backlog",
    );
  });
});

describe("night conductor: other cases", () => {
  it("without NIGHT: ERROR and nothing done", async () => {
    const { compute, deps, at } = setup({ night: "" });
    expect(await runNightConductor(deps)).toMatchObject({ night: null });
    expect(at("ERROR")[0]).toMatch(/^NIGHT is not set/);
    expect(compute.calls.filter((c) => c.includes(CONSUMER))).toEqual([]);
  });

  it("an unexpected failure propagates after NIGHT is cleared", async () => {
    const { compute, deps } = setup();
    compute.stop = async () => {
      throw new Error("compute API down");
    };
    await expect(runNightConductor(deps)).rejects.toThrow("compute API down");
    expect((await compute.getMetadata(NC)).items).toEqual({});
  });
});
