/**
 * The consumer run: wait for tonight's topic, read it in a consumer group with the configured Kafka
 * client (kafka/port.ts), publish every
 * message through the Pipeline, commit the offsets the OffsetTracker allows, pause fetching while the
 * publisher is saturated, log stats, and stop cleanly on request or on a fatal error.
 *
 * Shutdown (SIGTERM, or a failed publish): stop fetching, wait for in-flight publishes (bounded),
 * commit what was acknowledged, leave the group. Whatever was not committed is read again by the next
 * run, so a stop at any instant, clean or not, loses nothing.
 */
import {
  downloadIfExists,
  storageClient,
  uploadIfAbsent,
  type Attributes,
} from "@pgb/broker-utils/gcp";
import { LOG_EVENT } from "@pgb/broker-utils/instance";
import type { Logger } from "@pgb/broker-utils/log";
import { schemaMapObject } from "@pgb/broker-utils/naming";
import { loadSchemaMap } from "@pgb/broker-utils/schema-maps";
import type { ConsumerConfig } from "./config.js";
import { kafkaSecurity, loadCredentials } from "./credentials.js";
import { FlowGate } from "./flow.js";
import { AlertIds } from "./ids.js";
import { kafkaReader, type FetchSizes } from "./kafka/index.js";
import { OffsetTracker, type CommitEntry } from "./offsets.js";
import { Pipeline } from "./pipeline.js";
import { startPublisherThread } from "./publish-thread.js";
import { StatsWindow } from "./stats.js";
import { waitForTopic } from "./topic.js";

/** Exit codes: 0 clean stop; 1 a failure the next run may not have (systemd restarts it). */
export const EXIT = { ok: 0, failure: 1 } as const;

const COMMIT_INTERVAL_MS = 1000;
/** Part of the shutdown budget kept for the last commit and leaving the group. */
const SHUTDOWN_RESERVE_MS = 5000;
/** After a fatal error, in-flight publishes get this long to finish (more commits, fewer duplicates). */
const FATAL_DRAIN_MS = 5000;

/**
 * Publish batches of up to 100 messages or 9 MiB (the client's cap, under Pub/Sub's 10 MB request
 * limit): ~70 KB alerts then go 100 per request instead of ~70 with the 5 MB default, which the
 * benchmark measured ~30% faster into the emulator. At night-time rates a batch waits ≤ 10 ms.
 */
export const PUBLISHER_OPTIONS = {
  maxMessages: 100,
  maxBytes: 9 * 1024 * 1024,
  maxMilliseconds: 10,
};

/**
 * Fetch sizes: 8 MB (2 MB per partition) is ~110 alerts of ~70 KB per round trip, ~2,000 alerts/s
 * to a broker 50 ms away; larger responses cost more CPU per alert (each is a fresh allocation
 * outside the heap's reuse, measured +40%). A fetch response is held until its messages are
 * published.
 * maxWaitTimeInMs is also how long kafkajs sleeps between checks while every partition is paused,
 * so it bounds the stall after a resume: 100 ms, well below the time the half-full publish window
 * takes to drain, so the publisher never runs dry (kafkajs' default, 5 s, halved the throughput).
 */
export const FETCH: FetchSizes = {
  maxBytesPerPartition: 2 * 1024 * 1024,
  maxBytes: 8 * 1024 * 1024,
  maxWaitTimeInMs: 100,
};

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export interface RunHandle {
  /** Resolves with the exit code once the consumer stopped. */
  done: Promise<number>;
  /** Asks for a clean stop (SIGTERM). */
  stop(reason: string): void;
}

/** `entry` is the program's entry file, which also runs the publisher thread (publish-thread.ts). */
export function startConsumer(config: ConsumerConfig, log: Logger, entry: URL): RunHandle {
  let requestStop: (reason: string) => void = () => undefined;
  const stopRequested = new Promise<string>((resolve) => {
    requestStop = resolve;
  });
  return {
    done: run(config, log, entry, stopRequested),
    stop: (reason) => requestStop(reason),
  };
}

async function run(
  config: ConsumerConfig,
  log: Logger,
  entry: URL,
  stopRequested: Promise<string>,
): Promise<number> {
  const storage = storageClient(config.project);
  const map = await loadSchemaMap(config.survey, {
    reader: async (survey) =>
      (
        await downloadIfExists(storage, config.brokerFilesBucket, schemaMapObject(survey))
      )?.toString("utf8"),
  });
  const credentials = await loadCredentials(
    config.credentials,
    config.securityProtocol,
    config.project,
  );
  const kafka = await kafkaReader(config.kafkaClient, {
    clientId: config.groupId,
    brokers: config.brokers,
    security: kafkaSecurity(config.securityProtocol, config.saslMechanism, credentials),
    groupId: config.groupId,
    sessionTimeoutMs: config.sessionTimeoutMs,
    fetch: FETCH,
    log,
  });
  log.info("consumer starting", {
    kafkaClient: config.kafkaClient,
    brokers: config.brokers,
    securityProtocol: config.securityProtocol,
    saslMechanism: config.saslMechanism ?? null,
    groupId: config.groupId,
    alertsTopic: config.alertsTopic,
    schemaMap: map.origin,
    decode: config.decode,
  });

  const topic = await waitForTopic({
    source: config.topic,
    map,
    listTopics: () => kafka.listTopics(),
    intervalMs: config.topicPollMs,
    log,
    stopped: stopRequested.then(() => undefined),
  });
  if (topic === undefined) {
    await withTimeout(kafka.close(), 5000);
    log.info("stopped while waiting for the Kafka topic");
    return EXIT.ok;
  }

  const publisher = startPublisherThread(entry, {
    project: config.project,
    topic: config.alertsTopic,
    publisher: PUBLISHER_OPTIONS,
    // what is in flight: up to the outstanding limit, plus the rest of the Kafka batch being handed
    // on when the limit is reached (at most one fetch), plus what a wrap of the ring leaves unused
    ringBytes: config.maxOutstandingBytes + 2 * FETCH.maxBytes,
  });
  const tracker = new OffsetTracker();
  const gate = new FlowGate({
    maxMessages: config.maxOutstandingMessages,
    maxBytes: config.maxOutstandingBytes,
  });
  const stats = new StatsWindow(Date.now());

  let stopping = false;
  let paused = false;
  let fatal: { err: unknown; where: Attributes } | undefined;
  let fatalCount = 0;
  let signalFatal: () => void = () => undefined;
  const fatalRaised = new Promise<void>((resolve) => {
    signalFatal = resolve;
  });
  let pauses = 0;
  const pause = (): void => {
    if (paused) return;
    paused = true;
    pauses++;
    kafka.pause();
  };
  const resume = (): void => {
    if (!paused || stopping || gate.saturated || !gate.canResume) return;
    paused = false;
    kafka.resume();
  };

  const pipeline = new Pipeline({
    publish: (data, attributes) => publisher.publish(data, attributes),
    storeRejected: async (name, data, metadata) =>
      (await uploadIfAbsent(storage, config.brokerFilesBucket, name, data, { metadata })).status,
    tracker,
    gate,
    stats,
    log,
    ids: config.decode ? new AlertIds(map) : undefined,
    onRelease: resume,
    onFatal: (err, where) => {
      fatalCount++;
      if (fatal !== undefined) return;
      fatal = { err, where };
      log.error(`publishing to ${config.alertsTopic} failed; stopping without committing past it`, {
        ...where,
        error: err instanceof Error ? err : String(err),
      });
      signalFatal();
    },
  });

  let committing: Promise<void> | undefined;
  const commit = async (entries: CommitEntry[]): Promise<void> => {
    if (entries.length === 0) return;
    try {
      await kafka.commit(entries);
      tracker.markCommitted(entries);
    } catch (err) {
      log.warning(
        `committing Kafka offsets failed; retrying at the next commit: ${(err as Error).message}`,
        {
          offsets: entries,
        },
      );
    }
  };
  const commitPending = (): Promise<void> => {
    committing ??= commit(tracker.pendingCommits()).finally(() => {
      committing = undefined;
    });
    return committing;
  };
  /** Every acknowledged position, moved or not: the last word before leaving the group. */
  const commitAll = async (): Promise<void> => {
    await committing;
    const all: CommitEntry[] = tracker.entries().flatMap(({ topic: t, partition, offsets }) => {
      const position = offsets.commitPosition();
      return position === undefined ? [] : [{ topic: t, partition, offset: position.toString() }];
    });
    await commit(all);
  };

  await kafka.start(topic, {
    accepting: () => !stopping,
    record: (t, partition, record) => pipeline.handle(t, partition, record),
    handed: () => {
      if (gate.saturated) pause();
    },
    joined: (memberId, assignment) => {
      log.info("joined the Kafka consumer group", {
        groupId: config.groupId,
        memberId,
        assignment,
      });
      tracker.retain(assignment);
    },
    failed: (err) => {
      fatal ??= { err, where: { "kafka.topic": topic } };
      signalFatal();
    },
  });
  log.info(`consuming Kafka topic ${topic}`, { topic, groupId: config.groupId });

  const commitTimer = setInterval(() => void commitPending(), COMMIT_INTERVAL_MS);
  const statsTimer = setInterval(() => void logStats(), config.statsMs);
  const logStats = async (): Promise<void> => {
    const snapshot = stats.snapshot(Date.now());
    const highWatermarks = await kafka.highWatermarks().catch(() => new Map<number, bigint>());
    // a line written during the shutdown would follow its last line
    if (stopping) return;
    const lag: Record<string, string> = {};
    let lagTotal = 0n;
    for (const { partition, offsets } of tracker.entries()) {
      const hw = highWatermarks.get(partition);
      const value = hw === undefined ? undefined : offsets.lag(hw);
      if (value !== undefined) {
        lag[String(partition)] = value;
        lagTotal += BigInt(value);
      }
    }
    // `event` and the numeric `lagTotal` feed the kafka-lag log-based metric (a message count,
    // far below 2^53, so a number is exact)
    log.info("stats", {
      event: LOG_EVENT.consumerStats,
      topic,
      ...snapshot,
      megabytesPerSecond: Math.round(snapshot.bytesPerSecond / 1e4) / 100,
      lag,
      lagTotal: Number(lagTotal),
      outstanding: gate.outstanding,
      paused,
      pausesInWindow: pauses,
      rssMegabytes: Math.round(process.memoryUsage.rss() / 1e6),
    });
    pauses = 0;
  };

  const reason = await Promise.race([stopRequested, fatalRaised.then(() => "fatal")]);
  const deadline = Date.now() + config.shutdownMs;
  stopping = true;
  clearInterval(statsTimer);
  clearInterval(commitTimer);
  // stop fetching; the reader also stops handing on at the next record
  kafka.pause();
  paused = true;
  const drainMs = fatal ? FATAL_DRAIN_MS : Math.max(0, deadline - Date.now() - SHUTDOWN_RESERVE_MS);
  log.info(`stopping (${reason}): draining in-flight publishes`, {
    outstanding: gate.outstanding,
    drainSeconds: drainMs / 1000,
  });
  // a flush that fails (a dead publisher thread) has already made the stop fatal
  const flushed = publisher.flush().catch(() => undefined);
  const drained = await withTimeout(Promise.all([gate.idle(), flushed]), drainMs);
  if (drained === "timeout") {
    log.warning(
      "in-flight publishes did not finish in time; their offsets stay uncommitted and are read again",
      {
        outstanding: gate.outstanding,
      },
    );
  }
  await withTimeout(commitAll(), Math.max(1000, deadline - Date.now() - 2000));
  await withTimeout(kafka.close(), Math.max(1000, deadline - Date.now()));
  if (fatal) {
    log.error(
      `stopped after a fatal error (${fatalCount} failed publish(es)); restart to resume from the last commit`,
    );
    return EXIT.failure;
  }
  const positions = Object.fromEntries(
    tracker
      .entries()
      .map(({ partition, offsets }) => [
        String(partition),
        offsets.commitPosition()?.toString() ?? null,
      ]),
  );
  log.info("stopped cleanly", {
    topic,
    commitPositions: positions,
    uncommitted: tracker.pendingCommits(),
  });
  return EXIT.ok;
}
