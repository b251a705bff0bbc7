import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Attributes } from "@pgb/broker-utils/gcp";
import { createLogger, type Severity } from "@pgb/broker-utils/log";
import { bundledSchemaMap } from "@pgb/broker-utils/schema-maps";
import { FlowGate } from "../../../vm/consumer/src/flow.js";
import { AlertIds } from "../../../vm/consumer/src/ids.js";
import { OffsetTracker } from "../../../vm/consumer/src/offsets.js";
import {
  MAX_PUBLISH_BYTES,
  Pipeline,
  type KafkaRecord,
} from "../../../vm/consumer/src/pipeline.js";
import { StatsWindow } from "../../../vm/consumer/src/stats.js";
import { dataPath } from "@pgb/test-data";
import { ZTF_V402_ATTRIBUTES } from "../../fixtures/alerts/attributes.js";

const ZTF_ALERT = dataPath("ztf/alerts/v4.02/2695378462115010012.avro");
const TOPIC = "ztf_20261128_programid1";

interface Published {
  data: Buffer;
  attributes: Attributes;
  resolve: () => void;
  reject: (err: Error) => void;
}

function harness(options: { decode?: boolean; maxMessages?: number } = {}) {
  const published: Published[] = [];
  const stored: { name: string; data: Buffer; metadata: Attributes }[] = [];
  const logs: { severity: Severity; message: string }[] = [];
  const fatals: { err: unknown; where: Attributes }[] = [];
  let released = 0;
  const tracker = new OffsetTracker();
  const gate = new FlowGate({ maxMessages: options.maxMessages ?? 1000, maxBytes: 1e12 });
  const pipeline = new Pipeline({
    publish: (data, attributes) =>
      new Promise<void>((resolve, reject) => published.push({ data, attributes, resolve, reject })),
    storeRejected: async (name, data, metadata) => {
      stored.push({ name, data, metadata });
      return "written";
    },
    tracker,
    gate,
    stats: new StatsWindow(0),
    log: createLogger(
      {},
      {
        level: "DEBUG",
        sink: (line) => logs.push(JSON.parse(line) as { severity: Severity; message: string }),
      },
    ),
    ids: options.decode === false ? undefined : new AlertIds(bundledSchemaMap("ztf")),
    onRelease: () => {
      released++;
    },
    onFatal: (err, where) => fatals.push({ err, where }),
  });
  return { pipeline, published, stored, logs, fatals, tracker, gate, released: () => released };
}

function record(offset: bigint, value: Buffer | null, timestamp = "1795861741714"): KafkaRecord {
  return { offset: offset.toString(), timestamp, value };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe("pipeline: one Kafka message → one Pub/Sub message (docs/spec/broker.md §3)", () => {
  it("publishes the value unchanged with string Kafka attributes and the alert's ids", async () => {
    const h = harness();
    const value = readFileSync(ZTF_ALERT);
    h.pipeline.handle(TOPIC, 3, record(9223372036854775806n, value));
    expect(h.published).toHaveLength(1);
    expect(h.published[0]!.data).toBe(value);
    expect(h.published[0]!.attributes).toEqual({
      "kafka.topic": TOPIC,
      "kafka.partition": "3",
      "kafka.offset": "9223372036854775806",
      "kafka.timestamp": "1795861741714",
      ...ZTF_V402_ATTRIBUTES,
    });
    expect(h.tracker.get(TOPIC, 3).commitPosition()).toBeUndefined();
    h.published[0]!.resolve();
    await flush();
    expect(h.tracker.get(TOPIC, 3).commitPosition()).toBe(9223372036854775807n);
    expect(h.gate.outstanding).toEqual({ messages: 0, bytes: 0 });
    expect(h.released()).toBe(1);
  });

  it("publishes an undecodable value without ids, with a WARNING naming its coordinates", () => {
    const h = harness();
    h.pipeline.handle(TOPIC, 0, record(5n, Buffer.from("not avro")));
    expect(h.published[0]!.attributes).toEqual({
      "kafka.topic": TOPIC,
      "kafka.partition": "0",
      "kafka.offset": "5",
      "kafka.timestamp": "1795861741714",
    });
    expect(h.logs).toEqual([
      expect.objectContaining({
        severity: "WARNING",
        message: expect.stringMatching(
          /^cannot decode the alert, publishing it without its ids and the other alert attributes: Kafka ztf_20261128_programid1 partition 0 offset 5: /,
        ),
        "kafka.offset": "5",
      }),
    ]);
  });

  it("does not decode when decoding is off", () => {
    const h = harness({ decode: false });
    h.pipeline.handle(TOPIC, 0, record(0n, readFileSync(ZTF_ALERT)));
    expect(Object.keys(h.published[0]!.attributes).sort()).toEqual([
      "kafka.offset",
      "kafka.partition",
      "kafka.timestamp",
      "kafka.topic",
    ]);
    expect(h.logs).toEqual([]);
  });

  for (const [what, value] of [
    ["null", null],
    ["empty", Buffer.alloc(0)],
  ] as const) {
    it(`stores a ${what} value in rejected/ with reason empty (ERROR), never publishes it, commits its offset`, async () => {
      const h = harness();
      h.pipeline.handle(TOPIC, 1, record(7n, value));
      expect(h.published).toHaveLength(0);
      await flush();
      expect(h.stored).toEqual([
        {
          name: "rejected/consumer/ztf_20261128_programid1/1-7.bin",
          data: Buffer.alloc(0),
          metadata: {
            "kafka.topic": TOPIC,
            "kafka.partition": "1",
            "kafka.offset": "7",
            "kafka.timestamp": "1795861741714",
            reason: "empty",
          },
        },
      ]);
      expect(h.logs).toEqual([
        expect.objectContaining({
          severity: "ERROR",
          message:
            "Kafka value is null or empty; storing it as rejected/consumer/ztf_20261128_programid1/1-7.bin (reason empty), not publishing it",
          "kafka.offset": "7",
          reason: "empty",
        }),
      ]);
      expect(h.tracker.get(TOPIC, 1).commitPosition()).toBe(8n);
      expect(h.gate.outstanding).toEqual({ messages: 0, bytes: 0 });
    });
  }

  it("stores a value over Pub/Sub's limit in rejected/ (ERROR), then lets its offset commit", async () => {
    const h = harness();
    const big = Buffer.alloc(MAX_PUBLISH_BYTES + 1, 7);
    h.pipeline.handle(TOPIC, 2, record(41n, big));
    expect(h.published).toHaveLength(0);
    await flush();
    // identity, not deep equality: comparing 10 MB element by element takes minutes
    expect(h.stored).toHaveLength(1);
    expect(h.stored[0]!.data).toBe(big);
    expect(h.stored[0]!.name).toBe("rejected/consumer/ztf_20261128_programid1/2-41.bin");
    expect(h.stored[0]!.metadata).toMatchObject({
      "kafka.offset": "41",
      "kafka.partition": "2",
      reason: "too-large",
    });
    expect(h.logs[0]).toMatchObject({
      severity: "ERROR",
      message: expect.stringContaining(
        "storing it as rejected/consumer/ztf_20261128_programid1/2-41.bin",
      ),
    });
    expect(h.tracker.get(TOPIC, 2).commitPosition()).toBe(42n);
  });

  it("a failed publish is fatal and its offset is never committed past", async () => {
    const h = harness({ decode: false });
    for (let o = 0n; o < 3n; o++) h.pipeline.handle(TOPIC, 0, record(o, Buffer.from([1])));
    h.published[0]!.resolve();
    h.published[1]!.reject(new Error("5 NOT_FOUND: Topic not found"));
    h.published[2]!.resolve();
    await flush();
    expect(h.fatals).toHaveLength(1);
    expect(h.fatals[0]!.where["kafka.offset"]).toBe("1");
    expect(h.tracker.get(TOPIC, 0).commitPosition()).toBe(1n);
    expect(h.gate.outstanding.messages).toBe(0);
  });

  it("saturates the gate at the outstanding limit", () => {
    const h = harness({ decode: false, maxMessages: 3 });
    for (let o = 0n; o < 3n; o++) h.pipeline.handle(TOPIC, 0, record(o, Buffer.from([1])));
    expect(h.gate.saturated).toBe(true);
  });

  it("property: with random acknowledgement orders and failures over several partitions, every committed position is covered by acks", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 60 }),
        fc.array(fc.tuple(fc.nat(), fc.boolean()), { maxLength: 80 }),
        async (partitions, outcomes) => {
          const h = harness({ decode: false });
          const next = [0n, 0n, 0n];
          for (const p of partitions)
            h.pipeline.handle(TOPIC, p, record(next[p]!++, Buffer.from([p])));
          const pending = [...h.published];
          const acked = new Set<string>();
          for (const [pick, ok] of outcomes) {
            if (pending.length === 0) break;
            const [m] = pending.splice(pick % pending.length, 1);
            if (ok) {
              m!.resolve();
              acked.add(`${m!.attributes["kafka.partition"]}/${m!.attributes["kafka.offset"]}`);
            } else {
              m!.reject(new Error("UNAVAILABLE"));
            }
            await flush();
            for (const p of [0, 1, 2]) {
              const position = h.tracker.get(TOPIC, p).commitPosition();
              for (let o = 0n; position !== undefined && o < position; o++) {
                expect(acked.has(`${p}/${o}`)).toBe(true);
              }
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
