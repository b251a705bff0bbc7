/**
 * What a local instance has produced, read back from the emulators and the push front's delivery
 * logs: whether the alerts of a replay are all processed (the settle wait), objects per bucket,
 * rows per table and de-duplicating view, SALT2 fits with their plots, dead letters, and the
 * latency of each function stage.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { listDeadLetters, type DeadLetterEntry } from "@pgb/deadletter";
import { Puller } from "@pgb/broker-utils/gcp";
import {
  FUNCTION,
  rejectedMessageCoordinates,
  rejectedMessagePrefix,
  salt2PlotObject,
  type FunctionStub,
  BUCKET,
  TABLE,
  VM,
} from "@pgb/broker-utils/naming";
import { percentile } from "@pgb/night";
import { LocalInstanceError } from "./config.js";
import { ConsumerWatch, consumerDownMessage, nightStartCommand } from "./consumer-watch.js";
import { DeliveryLog, type MessageState, type StageState } from "./deliveries.js";
import type { LocalInstance } from "./instance.js";
import { localPushAttempts } from "./provision.js";
import { modelBucket } from "@pgb/broker-utils/instance";

/**
 * The functions every alert goes through: upload-bytes-to-bucket (pushed the alert), then bq-sink
 * and value-added (pushed the bucket notification of the stored alert).
 */
export const ALERT_FUNCTIONS: readonly FunctionStub[] = [
  FUNCTION.upload,
  FUNCTION.bqSink,
  FUNCTION.valueAdded,
];

/** The Kafka messages of a replay: per partition, offsets from (inclusive) to (exclusive). */
export interface KafkaRange {
  topic: string;
  from: Record<number, number>;
  to: Record<number, number>;
}

export function rangeSize(range: KafkaRange): number {
  return Object.entries(range.to).reduce((n, [p, to]) => n + to - (range.from[Number(p)] ?? 0), 0);
}

export function inRange(range: KafkaRange, m: MessageState): boolean {
  if (m.kafkaTopic !== range.topic || m.kafkaPartition === null || m.kafkaOffset === null) {
    return false;
  }
  return inOffsets(range, m.kafkaPartition, m.kafkaOffset);
}

function inOffsets(range: KafkaRange, partition: number, offset: number): boolean {
  const to = range.to[partition];
  return to !== undefined && offset >= (range.from[partition] ?? 0) && offset < to;
}

/**
 * Messages of the range the consumer stored in `rejected/` instead of publishing (null or empty,
 * or too large): they reach no function, and are done once stored.
 */
export async function rejectedInRange(instance: LocalInstance, range: KafkaRange): Promise<number> {
  const bucket = modelBucket(instance.model, BUCKET.brokerFiles);
  const [files] = await instance
    .clients()
    .storage.bucket(bucket.name)
    .getFiles({ prefix: rejectedMessagePrefix(range.topic), autoPaginate: true });
  return files.filter((f) => {
    const at = rejectedMessageCoordinates(range.topic, f.name);
    return at !== undefined && inOffsets(range, at.partition, at.offset);
  }).length;
}

async function topicOffsets(
  instance: LocalInstance,
  topic: string,
  which: "low" | "high",
): Promise<Record<number, number>> {
  const admin = instance.kafka().admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return {};
    const offsets = await admin.fetchTopicOffsets(topic);
    return Object.fromEntries(offsets.map((o) => [o.partition, Number(o[which])]));
  } finally {
    await admin.disconnect();
  }
}

/** The end offset of each partition of a topic (none when it does not exist yet). */
export function topicEnds(instance: LocalInstance, topic: string): Promise<Record<number, number>> {
  return topicOffsets(instance, topic, "high");
}

/** The first offset of each partition of a topic. */
export function topicStarts(
  instance: LocalInstance,
  topic: string,
): Promise<Record<number, number>> {
  return topicOffsets(instance, topic, "low");
}

/** Messages of the range the consumer has not committed yet (not yet acknowledged by Pub/Sub). */
export async function consumerLag(instance: LocalInstance, range: KafkaRange): Promise<number> {
  const admin = instance.kafka().admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({
      groupId: instance.consumerGroup,
      topics: [range.topic],
    });
    let lag = 0;
    for (const [p, to] of Object.entries(range.to)) {
      const at = Number(committed?.partitions.find((c) => c.partition === Number(p))?.offset ?? -1);
      lag += Math.max(0, to - Math.max(at, range.from[Number(p)] ?? 0));
    }
    return lag;
  } finally {
    await admin.disconnect();
  }
}

export interface StageProgress {
  stub: FunctionStub;
  /** Messages of the range answered 2xx. */
  done: number;
  /** Not done, with failed deliveries: Pub/Sub retries them. */
  retrying: number;
  /** Not done after the subscription's last attempt: Pub/Sub dead-lettered them. */
  exhausted: number;
  /** Every non-2xx answer for messages of the range. */
  failedAnswers: number;
}

function stageProgress(
  stub: FunctionStub,
  state: StageState,
  range: KafkaRange,
  maxAttempts: number,
): StageProgress {
  const p: StageProgress = { stub, done: 0, retrying: 0, exhausted: 0, failedAnswers: 0 };
  for (const m of state.messages.values()) {
    if (!inRange(range, m)) continue;
    p.failedAnswers += m.failures;
    if (m.doneAt !== null) p.done += 1;
    else if (m.failures >= maxAttempts) p.exhausted += 1;
    else if (m.failures > 0) p.retrying += 1;
  }
  return p;
}

/**
 * Alerts of the range upload-bytes-to-bucket dead-lettered: never stored, so never announced to
 * the functions fed by the bucket notification, which are done with them too.
 */
async function unstoredInRange(instance: LocalInstance, range: KafkaRange): Promise<number> {
  const topic = instance.functionSpec(FUNCTION.upload).deadLetterTopic;
  const reservoir = instance.model.subscriptions.find(
    (s) => s.purpose === "deadLetterReservoir" && s.topic === topic,
  );
  if (reservoir === undefined) return 0;
  const puller = new Puller(instance.clients().pubsub, reservoir.name);
  try {
    const entries = await listDeadLetters(FUNCTION.upload, puller, { max: 10_000, waitMs: 500 });
    return entries.filter(
      (e) =>
        e.kafka.topic === range.topic &&
        inOffsets(range, Number(e.kafka.partition), Number(e.kafka.offset)),
    ).length;
  } finally {
    await puller.close();
  }
}

/**
 * Alerts finished by every stage: the consumer's rejects, and of the rest the fewest any stage is
 * done with. `stages` are ALERT_FUNCTIONS' in order: upload first, then the stages fed by the
 * bucket notification, which never see the `unstored` alerts upload dead-lettered.
 */
export function finishedByAll(
  stages: readonly StageProgress[],
  rejected: number,
  unstored: number,
): number {
  const [upload = 0, ...notified] = stages.map((s) => s.done + s.exhausted);
  return rejected + Math.min(upload, ...notified.map((n) => n + unstored));
}

/**
 * Whether upload is done with every alert and a later stage lags: only then may alerts upload did
 * not store explain the gap, and its dead-letter reservoir is read.
 */
export function waitsOnUnstored(
  stages: readonly StageProgress[],
  rejected: number,
  expected: number,
): boolean {
  const [upload = 0, ...notified] = stages.map((s) => s.done + s.exhausted);
  return rejected + upload >= expected && notified.some((n) => n < upload);
}

export interface SettleResult {
  settled: boolean;
  expected: number;
  lag: number;
  stages: StageProgress[];
  waitedSeconds: number;
}

/**
 * Waits until every alert of the range has left Kafka (the consumer committed it) and each alert
 * function has answered it 2xx or Pub/Sub has given up on it, or the consumer stored it in
 * `rejected/`; reports progress meanwhile. Throws,
 * naming the command that starts it, once the consumer has been down for a few seconds with alerts
 * still in Kafka (./consumer-watch.ts).
 */
export async function waitForOutputs(
  instance: LocalInstance,
  range: KafkaRange,
  timeoutMs: number,
): Promise<SettleResult> {
  const expected = rangeSize(range);
  // what the local push subscriptions were given, not the model's cloud value
  const maxAttempts = localPushAttempts(
    instance.functionSpec(FUNCTION.upload).retry.maxDeliveryAttempts,
  );
  const logs = ALERT_FUNCTIONS.map((stub) => DeliveryLog.of(instance.paths.deliveries, stub));
  const bar = instance.reporter.progress("processing", expected);
  const started = Date.now();
  const consumer = instance.vmName(VM.consumer);
  const watch = new ConsumerWatch();
  for (;;) {
    const lag = await consumerLag(instance, range);
    const status = lag > 0 ? await instance.compute.status(consumer) : "RUNNING";
    if (watch.gaveUp(status, lag, Date.now())) {
      bar.finish(`stopped: ${consumer} is ${status}`);
      const { survey, testid } = instance.record;
      throw new LocalInstanceError(
        `${lag} alert(s) wait in Kafka, but ` +
          consumerDownMessage(consumer, status, range.topic, nightStartCommand(survey, testid)),
      );
    }
    const stages: StageProgress[] = [];
    for (const [i, log] of logs.entries()) {
      stages.push(stageProgress(ALERT_FUNCTIONS[i]!, await log.read(), range, maxAttempts));
    }
    const rejected = await rejectedInRange(instance, range);
    const unstored = waitsOnUnstored(stages, rejected, expected)
      ? await unstoredInRange(instance, range)
      : 0;
    const finished = finishedByAll(stages, rejected, unstored);
    const note = stages
      .map((s) => `${s.stub} ${s.done}${s.retrying > 0 ? ` (${s.retrying} retrying)` : ""}`)
      .join(", ");
    bar.update(finished, note);
    const waitedSeconds = (Date.now() - started) / 1000;
    if ((lag === 0 && finished >= expected) || Date.now() - started > timeoutMs) {
      const settled = lag === 0 && finished >= expected;
      bar.finish(
        settled ? `all ${expected} processed in ${waitedSeconds.toFixed(1)} s` : "timed out",
      );
      return { settled, expected, lag, stages, waitedSeconds };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

export interface Latency {
  n: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  /** When the last message was done (ms since epoch). */
  lastAt: number | null;
}

/** Seconds from the Kafka timestamp to each message's first 2xx answer, over the range. */
export async function stageLatency(
  instance: LocalInstance,
  stub: FunctionStub,
  range: KafkaRange,
): Promise<Latency> {
  const state = await DeliveryLog.of(instance.paths.deliveries, stub).read();
  const seconds: number[] = [];
  let lastAt: number | null = null;
  for (const m of state.messages.values()) {
    if (!inRange(range, m) || m.doneAt === null || m.kafkaTimestamp === null) continue;
    seconds.push((m.doneAt - m.kafkaTimestamp) / 1000);
    lastAt = Math.max(lastAt ?? 0, m.doneAt);
  }
  seconds.sort((a, b) => a - b);
  return {
    n: seconds.length,
    p50: percentile(seconds, 50) ?? null,
    p99: percentile(seconds, 99) ?? null,
    max: seconds.at(-1) ?? null,
    lastAt,
  };
}

/** Every 2xx-processed message of a function over the range (object and source ids). */
export async function processedAlerts(
  instance: LocalInstance,
  stub: FunctionStub,
  range: KafkaRange,
): Promise<MessageState[]> {
  const state = await DeliveryLog.of(instance.paths.deliveries, stub).read();
  return [...state.messages.values()].filter((m) => inRange(range, m) && m.doneAt !== null);
}

export interface BucketCount {
  stub: string;
  bucket: string;
  objects: number;
}

export async function bucketCounts(instance: LocalInstance): Promise<BucketCount[]> {
  const { storage } = instance.clients();
  return Promise.all(
    instance.model.buckets.map(async (b) => {
      const [exists] = await storage.bucket(b.name).exists();
      const files = exists
        ? (await storage.bucket(b.name).getFiles({ autoPaginate: true }))[0]
        : [];
      return { stub: b.stub, bucket: b.name, objects: files.length };
    }),
  );
}

export interface TableCount {
  table: string;
  rows: number;
  view: string;
  /** Rows of the de-duplicating view: one per source id (metadata: per night and stream). */
  distinct: number;
}

async function count(instance: LocalInstance, name: string): Promise<number> {
  const { project } = instance.model.keywords;
  const [rows] = await instance.clients().bigquery.query({
    query: `SELECT COUNT(*) AS n FROM \`${project}.${instance.model.dataset.name}.${name}\``,
    useLegacySql: false,
  });
  return Number((rows[0] as { n?: unknown } | undefined)?.n ?? 0);
}

export async function tableCounts(instance: LocalInstance): Promise<TableCount[]> {
  const out: TableCount[] = [];
  // one query at a time: the BigQuery emulator serialises them anyway
  for (const view of instance.model.views) {
    const table = instance.model.tables.find((t) => t.name === view.table);
    if (table === undefined) continue;
    out.push({
      table: table.name,
      rows: await count(instance, table.name),
      view: view.name,
      distinct: await count(instance, view.name),
    });
  }
  return out;
}

export interface DeadLetters {
  function: string;
  subscription: string;
  entries: DeadLetterEntry[];
}

/** Each function's dead-letter reservoir, listed without consuming it (`pgb deadletter list`). */
export async function deadLetters(instance: LocalInstance): Promise<DeadLetters[]> {
  const { pubsub } = instance.clients();
  const out: DeadLetters[] = [];
  for (const sub of instance.model.subscriptions) {
    if (sub.purpose !== "deadLetterReservoir") continue;
    const fn = instance.model.topics.find((t) => t.name === sub.topic)?.deadLetterOf ?? sub.topic;
    const puller = new Puller(pubsub, sub.name);
    try {
      const entries = await listDeadLetters(fn, puller, { max: 10_000, waitMs: 500 });
      out.push({ function: fn, subscription: sub.name, entries });
    } finally {
      await puller.close();
    }
  }
  return out;
}

export interface Salt2Fit {
  objectId: string;
  candid: string;
  success: number | null;
  chisq: number | null;
  ndof: number | null;
  z: number | null;
  t0: number | null;
  x0: number | null;
  x1: number | null;
  c: number | null;
  /** The fit's verdict; only good fits are published to the salt2 stream (null: a row without one). */
  quality: string | null;
  qualityReasons: string[];
  /** Object name of the plot in the sncosmo bucket, or null when there is none. */
  plot: string | null;
  /** The plot downloaded to this file, or null when the bucket has none. */
  png: string | null;
}

/**
 * The `salt2` rows (de-duplicated) with their plots; the first `maxDownloads` plots are downloaded
 * to `<outputs>/plots/` (a load run makes thousands).
 */
export async function salt2Fits(instance: LocalInstance, maxDownloads = 100): Promise<Salt2Fit[]> {
  const { bigquery, storage } = instance.clients();
  const { project } = instance.model.keywords;
  const view = instance.model.views.find((v) => v.table === TABLE.salt2);
  const bucket = modelBucket(instance.model, BUCKET.sncosmo);
  if (view === undefined) return [];
  const [rows] = await bigquery.query({
    query:
      "SELECT objectId, CAST(candid AS STRING) AS candid, success, chisq, ndof, z, t0, x0, x1, c, " +
      "quality, quality_reasons " +
      `FROM \`${project}.${instance.model.dataset.name}.${view.name}\` ORDER BY objectId, candid`,
    useLegacySql: false,
  });
  const dir = join(instance.paths.outputs, "plots");
  await mkdir(dir, { recursive: true });
  const [plots] = await storage.bucket(bucket.name).getFiles({ autoPaginate: true });
  const fits: Salt2Fit[] = [];
  for (const row of rows as Record<string, unknown>[]) {
    const num = (k: string) => (row[k] === null || row[k] === undefined ? null : Number(row[k]));
    const objectId = String(row["objectId"]);
    const candid = String(row["candid"]);
    const plot = plots.find((f) => f.name === salt2PlotObject(objectId, candid));
    let png: string | null = null;
    if (plot !== undefined && fits.filter((f) => f.png !== null).length < maxDownloads) {
      png = join(dir, `${objectId}.${candid}.png`);
      await writeFile(png, (await plot.download())[0]);
    }
    fits.push({
      objectId,
      candid,
      success: num("success"),
      chisq: num("chisq"),
      ndof: num("ndof"),
      z: num("z"),
      t0: num("t0"),
      x0: num("x0"),
      x1: num("x1"),
      c: num("c"),
      quality: typeof row["quality"] === "string" ? row["quality"] : null,
      qualityReasons: Array.isArray(row["quality_reasons"])
        ? (row["quality_reasons"] as unknown[]).map(String)
        : [],
      plot: plot?.name ?? null,
      png,
    });
  }
  return fits;
}
