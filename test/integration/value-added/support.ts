/**
 * A test instance of value-added on the local servers: an instance model with a unique testid, the
 * value-added function running as a local process (its deployment bundle) fed by the emulator's
 * push subscription on the alerts bucket's notification topic, and the instance's resources
 * provisioned (the bucket's notification included). Plus the helpers the tests share: storing
 * alerts as upload-bytes-to-bucket does, collecting the derived streams from their counter subscriptions, querying the
 * `salt2` table with exact INTEGERs, polling.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BigQuery } from "@google-cloud/bigquery";
import type { PubSub } from "@google-cloud/pubsub";
import type { Storage } from "@google-cloud/storage";
import { bigQueryTableSchema } from "@pgb/broker-utils/alerts";
import { Puller, type ReceivedMessage } from "@pgb/broker-utils/gcp";
import { instanceModel, type InstanceModel } from "@pgb/broker-utils/instance";
import { FUNCTION, TABLE, TOPIC } from "@pgb/broker-utils/naming";
import {
  startFunction,
  stopFunction,
  type FunctionProcess,
} from "../../../local/src/functions/index.js";
import { deprovisionInstance, provisionInstance } from "../../../local/src/instance/provision.js";
import { TEST_PROJECT } from "../../support/services.js";

export interface Clients {
  pubsub: PubSub;
  storage: Storage;
  bigquery: BigQuery;
}

export type Stream = typeof TOPIC.alertsPure | typeof TOPIC.exgalacTrans | typeof TOPIC.salt2;
export const STREAMS: readonly Stream[] = [TOPIC.alertsPure, TOPIC.exgalacTrans, TOPIC.salt2];

export interface ValueAddedInstance {
  model: InstanceModel;
  clients: Clients;
  fn: FunctionProcess;
  names: {
    /** The alerts bucket, whose notification feeds value-added. */
    alertsBucket: string;
    bucket: string;
    dataset: string;
    salt2Table: string;
    counters: Record<Stream, string>;
    deadLetterReservoir: string;
  };
  /** The function process's log lines (JSON ones parsed). */
  logLines(): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function startValueAddedInstance(
  clients: Clients,
  serviceEnv: Record<string, string>,
): Promise<ValueAddedInstance> {
  const testid = `va${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
  const full = instanceModel({
    survey: "ztf",
    testid,
    project: TEST_PROJECT,
    region: "us-central1",
    tableSchemas: bigQueryTableSchema,
  });
  const spec = full.functions.find((f) => f.stub === FUNCTION.valueAdded)!;
  // only value-added runs: the other functions' push subscriptions are left out rather than
  // pointed at a closed port
  const model: InstanceModel = {
    ...full,
    subscriptions: full.subscriptions.filter(
      (s) => s.push === undefined || s.push.function === spec.name,
    ),
  };
  const logFile = join(tmpdir(), "pgb-value-added-tests", `${spec.name}.log`);
  const fn = await startFunction({
    spec,
    serviceEnv,
    exitWithParent: true,
    logFile,
    env: { LOG_LEVEL: "DEBUG" },
  });
  try {
    await provisionInstance(model, clients, { [FUNCTION.valueAdded]: fn.url });
  } catch (err) {
    await stopFunction(fn);
    throw err;
  }
  const topic = (stub: string) => model.topics.find((t) => t.stub === stub)!.name;
  const counter = (stream: Stream) =>
    model.subscriptions.find((s) => s.purpose === "counter" && s.topic === topic(stream))!.name;
  const instance: ValueAddedInstance = {
    model,
    clients,
    fn,
    names: {
      alertsBucket: spec.env["ALERT_AVROS_BUCKET"]!,
      bucket: spec.env["SNCOSMO_BUCKET"]!,
      dataset: model.dataset.name,
      salt2Table: model.tables.find((t) => t.stub === TABLE.salt2)!.name,
      counters: {
        [TOPIC.alertsPure]: counter(TOPIC.alertsPure),
        [TOPIC.exgalacTrans]: counter(TOPIC.exgalacTrans),
        [TOPIC.salt2]: counter(TOPIC.salt2),
      },
      deadLetterReservoir: model.subscriptions.find(
        (s) => s.purpose === "deadLetterReservoir" && s.topic === spec.deadLetterTopic,
      )!.name,
    },
    async logLines() {
      const text = await readFile(logFile, "utf8").catch(() => "");
      return text
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    async close() {
      await stopFunction(fn);
      await deprovisionInstance(model, clients);
    },
  };
  return instance;
}

/** The attributes the consumer puts on an alert (docs/spec/broker.md §3). */
export function kafkaAttributes(offset: number): Record<string, string> {
  return {
    "kafka.topic": "ztf_20210901_programid1",
    "kafka.partition": "0",
    "kafka.offset": String(offset),
    "kafka.timestamp": String(1_630_540_800_000 + offset),
  };
}

/**
 * Stores each alert in the alerts bucket with its attributes as metadata, as upload-bytes-to-bucket
 * does; the bucket's notification then feeds value-added. A name is `<kafka.topic>/<kafka.offset>`,
 * so storing an alert again is a new generation and a new notification: a redelivery.
 */
export async function storeAlerts(
  instance: ValueAddedInstance,
  messages: readonly { data: Buffer; attributes: Record<string, string> }[],
): Promise<void> {
  const bucket = instance.clients.storage.bucket(instance.names.alertsBucket);
  await Promise.all(
    messages.map((m) =>
      bucket
        .file(`${m.attributes["kafka.topic"]}/${m.attributes["kafka.offset"]}.avro`)
        .save(m.data, {
          resumable: false,
          metadata: { contentType: "application/avro", metadata: m.attributes },
        }),
    ),
  );
}

/** Pulls (and acknowledges) whatever a subscription holds now, appending to `into`. */
export async function collect(
  pubsub: PubSub,
  subscription: string,
  into: ReceivedMessage[],
): Promise<void> {
  const puller = new Puller(pubsub, subscription);
  try {
    for (;;) {
      const batch = await puller.pull(100, 1000);
      if (batch.length === 0) return;
      into.push(...batch);
      await puller.ack(batch.map((m) => m.ackId));
    }
  } finally {
    await puller.close();
  }
}

/** Polls `probe` until it returns true; fails with `what` and the last state after `timeoutMs`. */
export async function waitFor(
  what: string,
  probe: () => Promise<true | string>,
  timeoutMs = 90_000,
  intervalMs = 1000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await probe();
    if (state === true) return;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}: ${state}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Rows with INTEGERs as exact decimal strings (`wrapIntegers`; without it 64-bit ids round). */
export async function queryRows(
  bigquery: BigQuery,
  query: string,
): Promise<Record<string, unknown>[]> {
  const [rows] = await bigquery.query({ query, wrapIntegers: true });
  return (rows as Record<string, unknown>[]).map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [
        k,
        v !== null && typeof v === "object" && v.constructor?.name === "BigQueryInt"
          ? (v as { value: string }).value
          : v,
      ]),
    ),
  );
}
