/**
 * One consuming session of the consumer: tonight's topic read in the consumer group, every message
 * published through the Pipeline, the offsets the OffsetTracker allows committed every second,
 * fetching paused while the publisher is saturated, stats logged; then a stop that drains what is
 * in flight (bounded), commits what was acknowledged and leaves the group.
 */
import { uploadIfAbsent, type Attributes } from "@pgb/broker-utils/gcp";
import { LOG_EVENT } from "@pgb/broker-utils/instance";
import type { Logger } from "@pgb/broker-utils/log";
import type { SchemaMap } from "@pgb/broker-utils/schema-maps";
import type { Storage } from "@google-cloud/storage";
import type { ConsumerConfig } from "./config.js";
import { FlowGate } from "./flow.js";
import { AlertIds } from "./ids.js";
import type { KafkaReader } from "./kafka/index.js";
import { OffsetTracker, type CommitEntry } from "./offsets.js";
import { Pipeline } from "./pipeline.js";
import type { PublishPort } from "./publish-thread.js";
import { StatsWindow } from "./stats.js";

/** Exit codes: 0 clean stop; 1 a failure the next run may not have (systemd restarts it). */
export const EXIT = { ok: 0, failure: 1 } as const;

const COMMIT_INTERVAL_MS = 1000;
/** Part of the shutdown budget kept for the last commit and leaving the group. */
const SHUTDOWN_RESERVE_MS = 5000;
/** After a fatal error, in-flight publishes get this long to finish (more commits, fewer duplicates). */
const FATAL_DRAIN_MS = 5000;

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export interface SessionDeps {
  config: ConsumerConfig;
  log: Logger;
  kafka: KafkaReader;
  storage: Storage;
  map: SchemaMap;
  publisher: PublishPort;
}

export class ConsumerSession {
  private readonly tracker = new OffsetTracker();
  private readonly gate: FlowGate;
  private readonly stats = new StatsWindow(Date.now());
  private readonly pipeline: Pipeline;
  private stopping = false;
  private paused = false;
  private pauses = 0;
  private fatal: { err: unknown; where: Attributes } | undefined;
  private fatalCount = 0;
  private signalFatal: () => void = () => undefined;
  /** Resolves at the first fatal error (a failed publish, a failed Kafka client). */
  readonly fatalRaised = new Promise<void>((resolve) => {
    this.signalFatal = resolve;
  });
  private committing: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private topic = "";

  constructor(private readonly deps: SessionDeps) {
    const { config, log, storage, map, publisher } = deps;
    this.gate = new FlowGate({
      maxMessages: config.maxOutstandingMessages,
      maxBytes: config.maxOutstandingBytes,
    });
    this.pipeline = new Pipeline({
      publish: (data, attributes) => publisher.publish(data, attributes),
      storeRejected: async (name, data, metadata) =>
        (await uploadIfAbsent(storage, config.brokerFilesBucket, name, data, { metadata })).status,
      tracker: this.tracker,
      gate: this.gate,
      stats: this.stats,
      log,
      ids: config.decode ? new AlertIds(map) : undefined,
      onRelease: () => this.resume(),
      onFatal: (err, where) => this.publishFailed(err, where),
    });
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.pauses++;
    this.deps.kafka.pause();
  }

  private resume(): void {
    if (!this.paused || this.stopping || this.gate.saturated || !this.gate.canResume) return;
    this.paused = false;
    this.deps.kafka.resume();
  }

  private publishFailed(err: unknown, where: Attributes): void {
    this.fatalCount++;
    if (this.fatal !== undefined) return;
    this.fatal = { err, where };
    this.deps.log.error(
      `publishing to ${this.deps.config.alertsTopic} failed; stopping without committing past it`,
      { ...where, error: err instanceof Error ? err : String(err) },
    );
    this.signalFatal();
  }

  /** Joins the group on `topic` and consumes until `stop`. */
  async start(topic: string): Promise<void> {
    const { kafka, log, config } = this.deps;
    this.topic = topic;
    await kafka.start(topic, {
      accepting: () => !this.stopping,
      record: (t, partition, record) => this.pipeline.handle(t, partition, record),
      handed: () => {
        if (this.gate.saturated) this.pause();
      },
      joined: (memberId, assignment) => {
        log.info("joined the Kafka consumer group", {
          groupId: config.groupId,
          memberId,
          assignment,
        });
        this.tracker.retain(assignment);
      },
      failed: (err) => {
        this.fatal ??= { err, where: { "kafka.topic": topic } };
        this.signalFatal();
      },
    });
    log.info(`consuming Kafka topic ${topic}`, { topic, groupId: config.groupId });
    this.timers = [
      setInterval(() => void this.commitPending(), COMMIT_INTERVAL_MS),
      setInterval(() => void this.logStats(), config.statsMs),
    ];
  }

  private async commit(entries: CommitEntry[]): Promise<void> {
    if (entries.length === 0) return;
    try {
      await this.deps.kafka.commit(entries);
      this.tracker.markCommitted(entries);
    } catch (err) {
      this.deps.log.warning(
        `committing Kafka offsets failed; retrying at the next commit: ${(err as Error).message}`,
        { offsets: entries },
      );
    }
  }

  private commitPending(): Promise<void> {
    this.committing ??= this.commit(this.tracker.pendingCommits()).finally(() => {
      this.committing = undefined;
    });
    return this.committing;
  }

  /** Every acknowledged position, moved or not: the last word before leaving the group. */
  private async commitAll(): Promise<void> {
    await this.committing;
    const all: CommitEntry[] = this.tracker
      .entries()
      .flatMap(({ topic: t, partition, offsets }) => {
        const position = offsets.commitPosition();
        return position === undefined ? [] : [{ topic: t, partition, offset: position.toString() }];
      });
    await this.commit(all);
  }

  /** Lag per partition and in all, against the partitions' high watermarks. */
  private async lag(): Promise<{ lag: Record<string, string>; lagTotal: bigint }> {
    const highWatermarks = await this.deps.kafka
      .highWatermarks()
      .catch(() => new Map<number, bigint>());
    const lag: Record<string, string> = {};
    let lagTotal = 0n;
    for (const { partition, offsets } of this.tracker.entries()) {
      const hw = highWatermarks.get(partition);
      const value = hw === undefined ? undefined : offsets.lag(hw);
      if (value !== undefined) {
        lag[String(partition)] = value;
        lagTotal += BigInt(value);
      }
    }
    return { lag, lagTotal };
  }

  private async logStats(): Promise<void> {
    const snapshot = this.stats.snapshot(Date.now());
    const { lag, lagTotal } = await this.lag();
    // a line written during the shutdown would follow its last line
    if (this.stopping) return;
    // `event` and the numeric `lagTotal` feed the kafka-lag log-based metric (a message count,
    // far below 2^53, so a number is exact)
    this.deps.log.info("stats", {
      event: LOG_EVENT.consumerStats,
      topic: this.topic,
      ...snapshot,
      megabytesPerSecond: Math.round(snapshot.bytesPerSecond / 1e4) / 100,
      lag,
      lagTotal: Number(lagTotal),
      outstanding: this.gate.outstanding,
      paused: this.paused,
      pausesInWindow: this.pauses,
      rssMegabytes: Math.round(process.memoryUsage.rss() / 1e6),
    });
    this.pauses = 0;
  }

  /** Stops fetching, drains in-flight publishes (bounded), commits, leaves the group. */
  async stop(reason: string): Promise<number> {
    const { kafka, log, config, publisher } = this.deps;
    const deadline = Date.now() + config.shutdownMs;
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    // stop fetching; the reader also stops handing on at the next record
    kafka.pause();
    this.paused = true;
    const drainMs = this.fatal
      ? FATAL_DRAIN_MS
      : Math.max(0, deadline - Date.now() - SHUTDOWN_RESERVE_MS);
    log.info(`stopping (${reason}): draining in-flight publishes`, {
      outstanding: this.gate.outstanding,
      drainSeconds: drainMs / 1000,
    });
    // a flush that fails (a dead publisher thread) has already made the stop fatal
    const flushed = publisher.flush().catch(() => undefined);
    const drained = await withTimeout(Promise.all([this.gate.idle(), flushed]), drainMs);
    if (drained === "timeout") {
      log.warning(
        "in-flight publishes did not finish in time; their offsets stay uncommitted and are read again",
        { outstanding: this.gate.outstanding },
      );
    }
    await withTimeout(this.commitAll(), Math.max(1000, deadline - Date.now() - 2000));
    await withTimeout(kafka.close(), Math.max(1000, deadline - Date.now()));
    return this.stopped();
  }

  private stopped(): number {
    if (this.fatal) {
      this.deps.log.error(
        `stopped after a fatal error (${this.fatalCount} failed publish(es)); restart to resume from the last commit`,
      );
      return EXIT.failure;
    }
    const positions = Object.fromEntries(
      this.tracker
        .entries()
        .map(({ partition, offsets }) => [
          String(partition),
          offsets.commitPosition()?.toString() ?? null,
        ]),
    );
    this.deps.log.info("stopped cleanly", {
      topic: this.topic,
      commitPositions: positions,
      uncommitted: this.tracker.pendingCommits(),
    });
    return EXIT.ok;
  }
}
