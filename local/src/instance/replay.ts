/**
 * The survey's side of a local night: alerts from files produced into tonight's Kafka topic by the
 * consumer simulator (`simulate` with a file source and a Kafka sink), at a rate or as fast as Kafka
 * accepts them. Beyond the files, copies with fresh ids (clone.ts) make as many distinct alerts as
 * asked for.
 */
import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { RUNTIME_METADATA } from "@pgb/broker-utils/instance";
import {
  kafkaSink,
  listAvroFiles,
  parseRate,
  planBatches,
  ratePerSecond,
  simulate,
  type BatchPlan,
  type SimulatedMessage,
  type Sink,
  type Source,
} from "@pgb/broker-utils/simulator";
import { Partitioners } from "kafkajs";
import { AlertCloner, MAX_CLONE_INDEX, MAX_CLONE_SEED } from "./clone.js";
import { LocalInstanceError, nightTopic } from "./config.js";
import type { LocalInstance } from "./instance.js";
import { VM } from "@pgb/broker-utils/naming";

export interface ReplayOptions {
  /** Avro files or folders of them (searched recursively, sorted). */
  alerts: string[];
  /** Alerts to produce; default the number of files. Beyond the files, copies with fresh ids. */
  count?: number;
  /** `N/sec|min|hr|night`, a simulator preset, `N/once` (one batch) or `max` (as fast as Kafka takes them). */
  rate?: string;
  /** Separates the copies of one replay from another's (default: from the clock). */
  seed?: number;
  /** Partitions of the night's topic when the replay creates it (default 1). */
  partitions?: number;
  /** The Kafka topic; default the consumer's topic of the night, else tonight's by the START rule. */
  topic?: string;
}

export interface ReplayedAlert {
  objectId: string | null;
  sourceId: string | null;
  /** The file it came from (a copy's original). */
  file: string;
}

export interface ReplayResult {
  topic: string;
  published: number;
  /** Per produced message, in order: the ids the broker will see. */
  alerts: ReplayedAlert[];
  startedAt: Date;
  elapsedSeconds: number;
}

/**
 * Bytes per Kafka produce request: the broker refuses a record batch over `message.max.bytes`
 * (1 MB by default), and ZTF alerts are ~70 KB, LSST's up to ~200 KB.
 */
const MAX_REQUEST_BYTES = 900_000;
/** Produce requests in flight at once within a batch. */
const PARALLEL_REQUESTS = 4;

/** The simulator's Kafka sink, fed in produce requests of a bounded size. */
function chunkedSink(sink: Sink): Sink {
  return {
    description: sink.description,
    async publish(messages) {
      const chunks: SimulatedMessage[][] = [];
      let bytes = Infinity;
      for (const m of messages) {
        if (bytes + m.data.length > MAX_REQUEST_BYTES) {
          chunks.push([]);
          bytes = 0;
        }
        chunks.at(-1)!.push(m);
        bytes += m.data.length;
      }
      for (let i = 0; i < chunks.length; i += PARALLEL_REQUESTS) {
        await Promise.all(chunks.slice(i, i + PARALLEL_REQUESTS).map((c) => sink.publish(c)));
      }
    },
    close: () => sink.close(),
  };
}

/** The files first (unchanged), then copies of them in turn with fresh ids. */
function alertSource(
  instance: LocalInstance,
  files: readonly string[],
  count: number,
  seed: number,
  replayed: ReplayedAlert[],
): Source {
  const cloners = new Map<string, AlertCloner>();
  let index = 0;
  const cloner = async (file: string): Promise<AlertCloner> => {
    let c = cloners.get(file);
    if (c === undefined) {
      try {
        c = new AlertCloner(await readFile(file), instance.survey, file);
      } catch (err) {
        throw new LocalInstanceError(
          `cannot copy ${file} with fresh ids (needed for --count beyond the ${files.length} files): ` +
            (err as Error).message,
        );
      }
      cloners.set(file, c);
    }
    return c;
  };
  return {
    async take(n) {
      const batch: SimulatedMessage[] = [];
      while (batch.length < n && index < count) {
        const file = files[index % files.length]!;
        if (index < files.length) {
          const data = await readFile(file);
          const ids = await cloner(file).then(
            (c) => ({ objectId: c.objectId, sourceId: c.sourceId }),
            // an alert the broker cannot decode is still replayed: it shows where it ends up
            () => ({ objectId: null, sourceId: null }),
          );
          replayed.push({ ...ids, file });
          batch.push({ data, attributes: {} });
        } else {
          const copy = (await cloner(file)).clone(index, seed);
          replayed.push({ objectId: copy.objectId, sourceId: copy.sourceId, file });
          batch.push({ data: copy.bytes, attributes: {} });
        }
        index += 1;
      }
      return batch;
    },
    settle: async () => undefined,
    close: async () => undefined,
  };
}

/** The batches for `count` alerts at `rate` (batches every second, or longer for slow rates). */
export function replayPlan(rate: string, count: number): BatchPlan {
  if (rate === "max") return { perBatch: 500, batches: Math.ceil(count / 500), intervalSeconds: 0 };
  const parsed = parseRate(rate);
  if (parsed.unit === "once") return planBatches(parsed, undefined);
  const perSecond = ratePerSecond(parsed);
  const interval = perSecond >= 1 ? 1 : Math.ceil(1 / perSecond);
  const perBatch = Math.floor(perSecond * interval);
  return planBatches(parsed, Math.ceil(count / perBatch) * interval, interval);
}

/** The consumer's topic of the night (set by START), else tonight's by the START rule. */
export async function currentNightTopic(instance: LocalInstance): Promise<string> {
  const { items } = await instance.compute.getMetadata(instance.vmName(VM.consumer));
  return items[RUNTIME_METADATA.kafkaTopic] ?? nightTopic(instance.survey, new Date());
}

/**
 * Creates the night's Kafka topic if it does not exist (the survey creates it for the night; this
 * Kafka does not auto-create topics) and records it as one of the instance's.
 */
export async function ensureNightTopic(
  instance: LocalInstance,
  topic: string,
  partitions = 1,
): Promise<void> {
  const admin = instance.kafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
  if (!instance.record.kafkaTopics.includes(topic)) {
    instance.record.kafkaTopics.push(topic);
    await instance.saveRecord();
  }
}

export async function replay(
  instance: LocalInstance,
  options: ReplayOptions,
): Promise<ReplayResult> {
  const files = await listAvroFiles(options.alerts);
  const rate = options.rate ?? "10/sec";
  const once = rate === "max" ? undefined : parseRate(rate);
  const count = options.count ?? (once?.unit === "once" ? once.count : files.length);
  if (!Number.isInteger(count) || count < 1 || count > MAX_CLONE_INDEX) {
    throw new LocalInstanceError(
      `--count ${count} must be a whole number from 1 to ${MAX_CLONE_INDEX}`,
    );
  }
  const seed = options.seed ?? Date.now() % MAX_CLONE_SEED;
  const plan = replayPlan(rate, count);
  const topic = options.topic ?? (await currentNightTopic(instance));

  await ensureNightTopic(instance, topic, options.partitions ?? 1);
  const kafka = instance.kafka();
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const replayed: ReplayedAlert[] = [];
  const where = files.length === 1 ? files[0]! : `${files.length} files`;
  instance.reporter.step(
    `replaying ${count} alert${count === 1 ? "" : "s"} (${relative(process.cwd(), where) || where}` +
      `${count > files.length ? `, then copies with fresh ids` : ""}) into Kafka topic ${topic}` +
      ` at ${rate}`,
  );
  const bar = instance.reporter.progress("replay", count);
  const startedAt = new Date();
  const sink = chunkedSink(kafkaSink(producer, topic));
  try {
    const result = await simulate({
      source: alertSource(instance, files, count, seed, replayed),
      sink,
      plan,
      onBatch: (published) => bar.update(published),
    });
    bar.finish(`${result.published} alerts in ${result.elapsedSeconds.toFixed(1)} s`);
    return {
      topic,
      published: result.published,
      alerts: replayed,
      startedAt,
      elapsedSeconds: result.elapsedSeconds,
    };
  } finally {
    await sink.close();
  }
}
