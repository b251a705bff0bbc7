/**
 * A test instance of the storage components on local servers: an instance model with a unique
 * testid, its two storage functions running as local processes (their deployment bundles), and
 * its resources provisioned with push subscriptions to those processes. Plus the waiting, reading
 * and publishing helpers the storage tests share.
 */
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BigQuery } from "@google-cloud/bigquery";
import type { PubSub } from "@google-cloud/pubsub";
import type { Storage } from "@google-cloud/storage";
import { bigQueryTableSchema } from "@pgb/broker-utils/alerts";
import { createPublisher, Puller, type ReceivedMessage } from "@pgb/broker-utils/gcp";
import { instanceModel, type InstanceModel } from "@pgb/broker-utils/instance";
import { FUNCTION, TOPIC, type FunctionStub } from "@pgb/broker-utils/naming";
import type { Survey } from "@pgb/broker-utils/schema-maps";
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

export interface StorageInstance {
  model: InstanceModel;
  clients: Clients;
  upload: FunctionProcess;
  bqSink: FunctionProcess;
  /** The model's resources by role. */
  names: {
    alertsTopic: string;
    bucket: string;
    dataset: string;
    alertsTable: string;
    diaSourceTable: string;
    alertsView: string;
    diaSourceView: string;
    deadLetterReservoir: Record<"upload" | "bqSink", string>;
    deadLetterTopic: Record<"upload" | "bqSink", string>;
    alertAvrosCounter: string;
    /** The bucket notification's topic, which feeds bq-sink. */
    alertAvrosTopic: string;
  };
  /** Stops the processes and deletes the instance's resources. */
  close(): Promise<void>;
}

const STORAGE: readonly FunctionStub[] = [FUNCTION.upload, FUNCTION.bqSink];

/** A testid: lowercase letters and digits, short enough for every resource name. */
export function testid(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
}

function byStub<T extends { stub: string }>(items: readonly T[], stub: string): T {
  const found = items.find((i) => i.stub === stub);
  if (!found) throw new Error(`the model has no ${stub}`);
  return found;
}

export async function startStorageInstance(options: {
  survey: Survey;
  schemaVersion?: string;
  testidPrefix: string;
  clients: Clients;
  serviceEnv: Record<string, string>;
  /**
   * Processing subscriptions without a retry policy and with 100 delivery attempts, for fault
   * tests. With a retry policy the emulator (0.8.20) strands some failed pushes: after a burst of
   * failures, 3 of 6 messages were not redelivered within 200 s, whatever the backoff (2–5 s or
   * the model's 10–600 s) and the ack deadline. Without one it redelivers about every second, so
   * 100 attempts cover an outage of about a minute and a half.
   */
  immediateRedelivery?: boolean;
}): Promise<StorageInstance> {
  const full = instanceModel({
    survey: options.survey,
    testid: testid(options.testidPrefix),
    project: TEST_PROJECT,
    region: "us-central1",
    tableSchemas: bigQueryTableSchema,
    ...(options.schemaVersion === undefined ? {} : { schemaVersion: options.schemaVersion }),
  });
  // storage only: the other functions run no process here, so their push subscriptions are left
  // out rather than pointed at a closed port
  const storageFunctions = new Set(
    full.functions.filter((f) => STORAGE.includes(f.stub)).map((f) => f.name),
  );
  const model: InstanceModel = {
    ...full,
    subscriptions: full.subscriptions
      .filter((s) => s.push === undefined || storageFunctions.has(s.push.function))
      .map((s) => {
        if (!options.immediateRedelivery || s.purpose !== "processing" || !s.deadLetter) return s;
        const { retry: _modelRetry, ...rest } = s;
        return { ...rest, deadLetter: { ...s.deadLetter, maxDeliveryAttempts: 100 } };
      }),
  };
  const spec = (stub: FunctionStub) => model.functions.find((f) => f.stub === stub)!;
  // logs outside the repository: the tests read them, and a failed run leaves them to look at
  const logDir = join(tmpdir(), "pgb-storage-tests", model.keywords.testid ?? "production");
  const [upload, bqSink] = await Promise.all(
    STORAGE.map((stub) =>
      startFunction({
        spec: spec(stub),
        serviceEnv: options.serviceEnv,
        exitWithParent: true,
        logFile: join(logDir, `${spec(stub).name}.log`),
      }),
    ),
  );
  await provisionInstance(model, options.clients, {
    [FUNCTION.upload]: upload!.url,
    [FUNCTION.bqSink]: bqSink!.url,
  });
  const table = (stub: string) => byStub(model.tables, stub).name;
  const view = (stub: string) => model.views.find((v) => v.table === table(stub))!.name;
  const reservoir = (fn: FunctionStub) =>
    model.subscriptions.find(
      (s) => s.purpose === "deadLetterReservoir" && s.topic === spec(fn).deadLetterTopic,
    )!.name;
  const instance: StorageInstance = {
    model,
    clients: options.clients,
    upload: upload!,
    bqSink: bqSink!,
    names: {
      alertsTopic: byStub(model.topics, TOPIC.alerts).name,
      bucket: spec(FUNCTION.upload).env["ALERT_AVROS_BUCKET"]!,
      dataset: model.dataset.name,
      alertsTable: table("alerts"),
      diaSourceTable: table("DIASource"),
      alertsView: view("alerts"),
      diaSourceView: view("DIASource"),
      deadLetterReservoir: {
        upload: reservoir(FUNCTION.upload),
        bqSink: reservoir(FUNCTION.bqSink),
      },
      deadLetterTopic: {
        upload: spec(FUNCTION.upload).deadLetterTopic,
        bqSink: spec(FUNCTION.bqSink).deadLetterTopic,
      },
      alertAvrosCounter: byStub(model.subscriptions, `${TOPIC.alertAvros}-counter`).name,
      alertAvrosTopic: byStub(model.topics, TOPIC.alertAvros).name,
    },
    async close() {
      await Promise.allSettled([stopFunction(instance.upload), stopFunction(instance.bqSink)]);
      await deprovisionInstance(model, options.clients);
    },
  };
  return instance;
}

/**
 * A ZTF instance (default tables) and an LSST one (its default: tables of every bundled version),
 * started together.
 */
export async function startZtfAndLsst(
  testidPrefix: string,
  clients: Clients,
  serviceEnv: Record<string, string>,
): Promise<Record<"ztf" | "lsst", StorageInstance>> {
  const [ztf, lsst] = await Promise.all([
    startStorageInstance({ survey: "ztf", testidPrefix: `${testidPrefix}z`, clients, serviceEnv }),
    startStorageInstance({ survey: "lsst", testidPrefix: `${testidPrefix}l`, clients, serviceEnv }),
  ]);
  return { ztf, lsst };
}

/** The attributes the consumer puts on an alert (docs/spec/broker.md §3). */
export function kafkaAttributes(topic: string, offset: number): Record<string, string> {
  return {
    "kafka.topic": topic,
    "kafka.partition": "0",
    "kafka.offset": String(offset),
    "kafka.timestamp": String(1_697_148_000_000 + offset),
  };
}

/** Publishes to the instance's alerts topic; resolves with the message ids, in order. */
export function publishAlerts(
  instance: StorageInstance,
  messages: readonly { data: Buffer; attributes: Record<string, string> }[],
): Promise<string[]> {
  return publishMessages(instance, instance.names.alertsTopic, messages);
}

/** Publishes to one of the instance's topics; resolves with the message ids, in order. */
export async function publishMessages(
  instance: StorageInstance,
  topic: string,
  messages: readonly { data: Buffer; attributes: Record<string, string> }[],
): Promise<string[]> {
  const publisher = createPublisher(instance.clients.pubsub, topic);
  const ids = await Promise.all(messages.map((m) => publisher.publish(m.data, m.attributes)));
  await publisher.flush();
  return ids;
}

/** Polls `probe` until it returns true; fails with `what` and the last state after `timeoutMs`. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean | string>,
  timeoutMs = 60_000,
  intervalMs = 500,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: boolean | string = false;
  for (;;) {
    last = await probe();
    if (last === true) return;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs / 1000} s waiting for ${what}${typeof last === "string" ? `: ${last}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Names of the objects in a bucket. */
export async function objectNames(storage: Storage, bucket: string): Promise<string[]> {
  const [files] = await storage.bucket(bucket).getFiles();
  return files.map((f) => f.name).sort();
}

/** Rows of a table or view with INTEGERs as exact decimal strings (wrapIntegers). */
export async function queryRows(
  bigquery: BigQuery,
  sql: string,
): Promise<Record<string, unknown>[]> {
  const [rows] = await bigquery.query({ query: sql, wrapIntegers: true });
  return (rows as Record<string, unknown>[]).map(
    (r) => unwrapIntegers(r) as Record<string, unknown>,
  );
}

/** BigQueryInt → its decimal string, at any depth, so rows compare with the rows that were sent. */
function unwrapIntegers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapIntegers);
  if (typeof value !== "object" || value === null) return value;
  if (value.constructor?.name === "BigQueryInt") return (value as { value: string }).value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapIntegers(v)]));
}

/** Every message now in a subscription (acknowledged: the test owns the instance). */
export async function drain(pubsub: PubSub, subscription: string): Promise<ReceivedMessage[]> {
  const puller = new Puller(pubsub, subscription);
  const all: ReceivedMessage[] = [];
  try {
    for (;;) {
      const batch = await puller.pull(100, 1500);
      if (batch.length === 0) return all;
      all.push(...batch);
      await puller.ack(batch.map((m) => m.ackId));
    }
  } finally {
    await puller.close();
  }
}
