/**
 * The value-added handler with fake ports: the alert is read from an alerts bucket in memory, as
 * its notification announces it; publications, rows and uploads are recorded in call order, the
 * plot store answers `duplicate` for a name it holds, log lines are parsed. The fit is
 * the real product fit; the renderer is a stand-in (tests that look at the PNG use the real one).
 */
import { parseJsonExact } from "@pgb/broker-utils/alerts";
import type { RowToInsert, UploadOptions, UploadResult } from "@pgb/broker-utils/gcp";
import { createLogger } from "@pgb/broker-utils/log";
import type { Handler, Ignored, PubSubMessage } from "@pgb/function-runtime";
import { fitSalt2, PRODUCT_FIT_CONFIG } from "@pgb/salt2";
import {
  createValueAddedHandler,
  type DerivedStream,
  type ValueAddedDeps,
  type ValueAddedOutcome,
} from "../../../functions/value-added/src/handler.js";
import { memoryBucket } from "@pgb/local";

export interface Published {
  stream: DerivedStream;
  data: Buffer;
  attributes: Record<string, string>;
}

export interface Upload {
  name: string;
  png: Buffer;
  options: UploadOptions;
  status: UploadResult["status"];
}

export interface Fakes {
  deps: ValueAddedDeps;
  published: Published[];
  rows: RowToInsert[];
  uploads: Upload[];
  /** Every port call in order: `publish alerts_pure`, `insert`, `upload`. */
  calls: string[];
  logs: Record<string, unknown>[];
  handler: Handler<ValueAddedOutcome | Ignored>;
  /** Runs the handler on a notification of a stored alert; an ignored event fails the test. */
  run(message: PubSubMessage): Promise<ValueAddedOutcome>;
}

/** The attributes the consumer sets on an alert (docs/spec/broker.md §3). */
export const KAFKA = {
  "kafka.topic": "ztf_20210901_programid1",
  "kafka.partition": "2",
  "kafka.offset": "4711",
  "kafka.timestamp": "1630540800123",
};

/** A PNG signature and a few bytes: what the stand-in renderer returns. */
export const FAKE_PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

/** The alerts bucket the handler reads. */
export const alertsBucket = memoryBucket();
let next = 1;

/**
 * Stores the alert's bytes with `metadata` (upload-bytes-to-bucket's object metadata: the Kafka
 * attributes and the ids) and returns the notification that feeds value-added.
 */
export function message(data: Buffer, metadata: Record<string, string> = KAFKA): PubSubMessage {
  return alertsBucket.store(`topic/object/${next++}.avro`, data, metadata);
}

/**
 * Fake ports; `overrides` replaces some, given as ports or as a function of the recording ports
 * (to wrap them: delay, fail after recording).
 */
export function fakes(
  overrides: Partial<ValueAddedDeps> | ((base: ValueAddedDeps) => Partial<ValueAddedDeps>) = {},
): Fakes {
  const published: Published[] = [];
  const rows: RowToInsert[] = [];
  const uploads: Upload[] = [];
  const calls: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const stored = new Set<string>();
  const base: ValueAddedDeps = {
    survey: "ztf",
    alerts: alertsBucket,
    async publish(stream, data, attributes) {
      calls.push(`publish ${stream}`);
      published.push({ stream, data, attributes });
      return `id-${published.length}`;
    },
    async insertSalt2Row(row) {
      calls.push("insert");
      rows.push(row);
    },
    async uploadPlot(name, png, options) {
      calls.push("upload");
      const status = stored.has(name) ? "duplicate" : "written";
      stored.add(name);
      uploads.push({ name, png, options, status });
      return status === "written" ? { status, generation: "1" } : { status, generation: undefined };
    },
    fit: (epochs) => fitSalt2(epochs, PRODUCT_FIT_CONFIG),
    render: async () => ({ png: FAKE_PNG }),
  };
  const deps = { ...base, ...(typeof overrides === "function" ? overrides(base) : overrides) };
  const handler = createValueAddedHandler(deps);
  const log = createLogger(
    {},
    { level: "DEBUG", sink: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return {
    deps,
    published,
    rows,
    uploads,
    calls,
    logs,
    handler,
    async run(m) {
      const outcome = await handler(m, { log });
      if ("ignored" in outcome) throw new Error(`the handler ignored ${outcome.ignored}`);
      return outcome;
    },
  };
}

/** The parsed JSON of a published message, 64-bit ids exact. */
export function json(p: Published): Record<string, unknown> {
  return parseJsonExact(p.data.toString("utf8"), `${p.stream} message`) as Record<string, unknown>;
}
