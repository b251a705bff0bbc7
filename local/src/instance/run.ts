/**
 * `pgb local start`: one whole night of a local instance, end to end. Up (servers, functions,
 * resources), a clean slate for the instance, START cue → consumer on tonight's topic, the sample
 * alerts replayed into Kafka, a wait until every alert is processed, END cue → drain, counts and
 * metadata rows, then a summary of every output read back from the emulators.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FUNCTION, TOPIC, type FunctionStub } from "@pgb/broker-utils/naming";
import type { NightSummary } from "@pgb/night";
import { LocalInstanceError, nightTopic, sampleAlerts } from "./config.js";
import { LocalInstance, type LocalInstanceOptions } from "./instance.js";
import { nightEnd, nightStart } from "./night.js";
import { deprovisionInstance } from "./provision.js";
import {
  bucketCounts,
  deadLetters,
  salt2Fits,
  stageLatency,
  tableCounts,
  topicEnds,
  waitForOutputs,
  type BucketCount,
  type DeadLetters,
  type KafkaRange,
  type Latency,
  type Salt2Fit,
  type SettleResult,
  type TableCount,
} from "./outputs.js";
import { ensureNightTopic, replay } from "./replay.js";

export interface StartOptions extends LocalInstanceOptions {
  /** Alert files or folders; default the survey's samples (local/samples/<survey>). */
  alerts?: string[];
  count?: number;
  rate?: string;
  seed?: number;
  /**
   * The Kafka topic of the night, sent as the START cue's KAFKA_TOPIC attribute (as an operator
   * would); default none: the START rule picks tonight's topic, as for Cloud Scheduler's cue.
   */
  kafkaTopic?: string;
  /** How long to wait for every alert to be processed (default 10 min + 0.5 s per alert). */
  settleTimeoutMs?: number;
  /** Stop everything after the summary (default: the instance stays up to be explored). */
  down?: boolean;
}

export interface StageLatency extends Latency {
  stage: string;
  measuredAs: string;
}

export interface RunSummary {
  stack: string;
  survey: string;
  night: string;
  kafkaTopic: string;
  replay: { published: number; elapsedSeconds: number; startedAt: string; sources: string[] };
  settle: SettleResult;
  /** The night conductor's counts (one `metadata` row each). */
  streams: NightSummary["streams"];
  buckets: BucketCount[];
  tables: TableCount[];
  fits: Salt2Fit[];
  deadLetters: DeadLetters[];
  latency: StageLatency[];
  /** Why a stream is empty by design, if it is. */
  notes: string[];
  /** Where things are, for the tour. */
  where: Record<string, string>;
}

/**
 * A clean slate: stops the VM programs, deletes and recreates the instance's resources (so the
 * counters, buckets and tables hold only this run), and positions the consumer's group at the
 * end of the night's topic, created if need be (earlier replays of the day stay unread).
 */
async function resetInstance(instance: LocalInstance, topic: string): Promise<void> {
  for (const vm of instance.model.vms) await instance.compute.stop(vm.name);
  await deprovisionInstance(instance.model, instance.clients());
  await instance.provision();
  await instance.deleteKafkaData();
  // the survey's topic exists before the night begins: the consumer finds it at once
  await ensureNightTopic(instance, topic);
  await instance.setConsumerOffsets(topic, await topicEnds(instance, topic));
  instance.reporter.step(`clean slate: resources recreated, consumer group at the end of ${topic}`);
}

const STREAM_STAGE: Record<string, string> = {
  [TOPIC.alerts]: "alerts topic",
  [TOPIC.alertAvros]: "alert_avros notification",
  [TOPIC.alertsPure]: "alerts_pure topic",
  [TOPIC.exgalacTrans]: "exgalac_trans topic",
  [TOPIC.salt2]: "salt2 topic",
};

const FUNCTION_STAGE: Partial<Record<FunctionStub, string>> = {
  [FUNCTION.upload]: "GCS object stored",
  [FUNCTION.bqSink]: "BigQuery rows inserted",
  [FUNCTION.valueAdded]: "value-added done",
};

/** Latency of every stage: the night conductor's rows for topics, the delivery logs for functions. */
export async function stageLatencies(
  instance: LocalInstance,
  streams: NightSummary["streams"],
  range: KafkaRange,
): Promise<StageLatency[]> {
  const fromStream = (stream: string): StageLatency => {
    const row = streams.find((s) => s.stream === stream);
    return {
      stage: STREAM_STAGE[stream] ?? stream,
      measuredAs: "Pub/Sub publish time (metadata row)",
      n: Number(row?.count ?? 0),
      p50: row?.latency_p50_s ?? null,
      p99: row?.latency_p99_s ?? null,
      max: row?.latency_max_s ?? null,
      lastAt: row?.last_publish_time ? Date.parse(row.last_publish_time) : null,
    };
  };
  const fromFunction = async (stub: FunctionStub): Promise<StageLatency> => ({
    stage: FUNCTION_STAGE[stub] ?? stub,
    measuredAs: `${stub} answered 2xx (push front)`,
    ...(await stageLatency(instance, stub, range)),
  });
  return [
    fromStream(TOPIC.alerts),
    await fromFunction(FUNCTION.upload),
    fromStream(TOPIC.alertAvros),
    await fromFunction(FUNCTION.bqSink),
    await fromFunction(FUNCTION.valueAdded),
    fromStream(TOPIC.alertsPure),
    fromStream(TOPIC.exgalacTrans),
    fromStream(TOPIC.salt2),
  ];
}

/** Reads every output of the night back (and downloads the SALT2 plots). */
export async function collectSummary(
  instance: LocalInstance,
  night: NightSummary,
  range: KafkaRange,
  replayed: { published: number; elapsedSeconds: number; startedAt: Date; sources: string[] },
  settle: SettleResult,
): Promise<RunSummary> {
  const [buckets, tables, fits, letters, latency] = [
    await bucketCounts(instance),
    await tableCounts(instance),
    await salt2Fits(instance),
    await deadLetters(instance),
    await stageLatencies(instance, night.streams, range),
  ];
  const notes: string[] = [];
  if (instance.survey === "elasticc") {
    notes.push(
      `value-added publishes nothing for ${instance.survey}: its filters and SALT2 exist for ztf, ` +
        "lsst and decat alerts only (docs/spec/broker.md §6), so alerts_pure, exgalac_trans, salt2 " +
        "and the salt2 table stay empty",
    );
  }
  const storageDir = instance.record.servers.storageDataDir;
  const { project } = instance.model.keywords;
  const where: Record<string, string> = {
    "instance folder": instance.paths.root,
    "function logs": instance.paths.logs,
    "VM logs": join(instance.paths.compute, "vms", "<vm>", "program.log"),
    "delivery logs": instance.paths.deliveries,
    "SALT2 plots": join(instance.paths.outputs, "plots"),
    "night summary": join(instance.paths.outputs, "night.json"),
    "query BigQuery": `bq-compatible REST at ${instance.record.endpoints.bigqueryHost}; e.g. SELECT * FROM \`${project}.${instance.model.dataset.name}.alerts_dedup\``,
  };
  if (storageDir !== null) where["buckets on disk"] = storageDir;
  return {
    stack: instance.stack,
    survey: instance.survey,
    night: night.night,
    kafkaTopic: range.topic,
    replay: {
      published: replayed.published,
      elapsedSeconds: replayed.elapsedSeconds,
      startedAt: replayed.startedAt.toISOString(),
      sources: replayed.sources,
    },
    settle,
    streams: night.streams,
    buckets,
    tables,
    fits,
    deadLetters: letters,
    latency,
    notes,
    where,
  };
}

export async function localStart(
  options: StartOptions = {},
): Promise<{ instance: LocalInstance; summary: RunSummary }> {
  const instance = await LocalInstance.up(options);
  try {
    const reporter = instance.reporter;
    const alerts = options.alerts ?? [sampleAlerts(instance.survey)];
    const topic = options.kafkaTopic ?? nightTopic(instance.survey, new Date());
    await resetInstance(instance, topic);
    const started = await nightStart(instance, { kafkaTopic: options.kafkaTopic });
    if (started.kafkaTopic !== topic) {
      throw new LocalInstanceError(
        `the consumer reads ${started.kafkaTopic}, not ${topic} (did the UTC date change?); run again`,
      );
    }
    const from = await topicEnds(instance, topic);
    const replayed = await replay(instance, {
      alerts,
      topic,
      ...(options.count === undefined ? {} : { count: options.count }),
      ...(options.rate === undefined ? {} : { rate: options.rate }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
    const range: KafkaRange = { topic, from, to: await topicEnds(instance, topic) };
    reporter.step("waiting for every alert to be stored and processed");
    const settle = await waitForOutputs(
      instance,
      range,
      options.settleTimeoutMs ?? 600_000 + replayed.published * 500,
    );
    const night = await nightEnd(instance);
    await writeFile(
      join(instance.paths.outputs, "night.json"),
      `${JSON.stringify(night, null, 2)}\n`,
    );
    reporter.step("reading the outputs back");
    const summary = await collectSummary(
      instance,
      night,
      range,
      { ...replayed, sources: alerts },
      settle,
    );
    await writeFile(
      join(instance.paths.outputs, "summary.json"),
      `${JSON.stringify(summary, null, 2)}\n`,
    );
    return { instance, summary };
  } finally {
    if (options.down) await instance.down();
  }
}
