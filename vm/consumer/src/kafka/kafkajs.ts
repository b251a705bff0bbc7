/**
 * The Kafka reader on kafkajs (KAFKA_CLIENT=kafkajs, the default): a kafkajs consumer run with
 * `eachBatch`, offsets resolved as records are handed on (so the next fetch starts after them) and
 * committed only when the consumer says so. kafkajs restarts a consumer that crashed on a retriable
 * error by itself (a broker restart is ridden out without exiting); a crash it does not restart is
 * reported as failed.
 */
import { Kafka, type Admin, type Consumer, type EachBatchPayload, type KafkaConfig } from "kafkajs";
import { levelFromEnv } from "@pgb/broker-utils/log";
import type { KafkaSecurity } from "../credentials.js";
import type { CommitEntry } from "../offsets.js";
import { kafkajsLevel, kafkajsLogCreator } from "./kafkajs-log.js";
import type { KafkaReader, KafkaReaderOptions, ReaderEvents } from "./port.js";

/**
 * kafkajs retries (~1 min in all) before a request fails; a consumer that then crashes is
 * restarted by kafkajs itself, so a broker restart is ridden out without exiting.
 */
const KAFKA_RETRY = { initialRetryTime: 300, retries: 8, maxRetryTime: 30_000 };

/** kafkajs' `ssl` and `sasl` options (its mechanism names are lower case). */
export function kafkajsSecurity(security: KafkaSecurity): Pick<KafkaConfig, "ssl" | "sasl"> {
  const out: Pick<KafkaConfig, "ssl" | "sasl"> = {};
  if (security.tls !== undefined) out.ssl = security.tls;
  if (security.sasl !== undefined) {
    const { mechanism, username, password } = security.sasl;
    out.sasl =
      mechanism === "PLAIN"
        ? { mechanism: "plain", username, password }
        : mechanism === "SCRAM-SHA-256"
          ? { mechanism: "scram-sha-256", username, password }
          : { mechanism: "scram-sha-512", username, password };
  }
  return out;
}

export class KafkajsReader implements KafkaReader {
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private admin: Admin | undefined;
  private topic: string | undefined;
  private paused = false;
  private readonly highWatermarksSeen = new Map<number, bigint>();

  constructor(private readonly options: KafkaReaderOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      ...kafkajsSecurity(options.security),
      logLevel: kafkajsLevel(levelFromEnv()),
      logCreator: kafkajsLogCreator(options.log),
      retry: KAFKA_RETRY,
    });
    this.consumer = this.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      // kafkajs heartbeats between batches at most this often; a third of the session is customary
      heartbeatInterval: Math.min(3000, Math.floor(options.sessionTimeoutMs / 3)),
      allowAutoTopicCreation: false,
      ...options.fetch,
      retry: KAFKA_RETRY,
    });
  }

  async listTopics(): Promise<string[]> {
    if (this.admin === undefined) {
      this.admin = this.kafka.admin();
      await this.admin.connect();
    }
    return this.admin.listTopics();
  }

  async start(topic: string, events: ReaderEvents): Promise<void> {
    this.topic = topic;
    // the admin's connection is not needed any more; its disconnect need not be waited for
    void this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
    const { consumer } = this;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      events.joined(payload.memberId, payload.memberAssignment);
      // a consumer kafkajs restarted has forgotten the pause
      if (this.paused) consumer.pause([{ topic }]);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) {
        this.options.log.warning(
          `the Kafka consumer crashed and kafkajs restarts it: ${payload.error.message}`,
        );
      } else {
        this.options.log.error(
          `the Kafka consumer crashed and kafkajs gave up: ${payload.error.message}`,
          { error: payload.error },
        );
        events.failed(payload.error);
      }
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.eachBatch(payload, events),
    });
  }

  private async eachBatch(
    { batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload,
    events: ReaderEvents,
  ): Promise<void> {
    for (const message of batch.messages) {
      if (!events.accepting() || !isRunning() || isStale()) break;
      events.record(batch.topic, batch.partition, message);
      resolveOffset(message.offset);
    }
    this.highWatermarksSeen.set(batch.partition, BigInt(batch.highWatermark));
    events.handed();
    await heartbeat();
  }

  pause(): void {
    this.paused = true;
    if (this.topic !== undefined) this.consumer.pause([{ topic: this.topic }]);
  }

  resume(): void {
    this.paused = false;
    if (this.topic !== undefined) this.consumer.resume([{ topic: this.topic }]);
  }

  async commit(entries: readonly CommitEntry[]): Promise<void> {
    await this.consumer.commitOffsets([...entries]);
  }

  highWatermarks(): Promise<ReadonlyMap<number, bigint>> {
    return Promise.resolve(this.highWatermarksSeen);
  }

  async close(): Promise<void> {
    await this.admin?.disconnect();
    await this.consumer.disconnect();
  }
}
