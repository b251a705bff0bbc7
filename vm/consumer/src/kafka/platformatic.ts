/**
 * The Kafka reader on @platformatic/kafka (KAFKA_CLIENT=platformatic): a group consumer whose
 * message stream starts from the group's committed offsets (the earliest for a new group), without
 * autocommit; pausing the stream stops its fetch loop. The client retries a failed request with the
 * same backoff as the kafkajs reader (~1 min in all) and re-joins the group by itself after a
 * rebalance; an error it gives up on ends the stream, which is reported as failed (the program
 * exits and systemd restarts it from the committed offsets).
 *
 * The package is handed in, loaded only when this client is chosen (index.ts): loading it compiles
 * its option schemas, ~0.15 s of CPU that the kafkajs reader and the publisher thread need not pay.
 */
import type * as PlatformaticKafkaModule from "@platformatic/kafka";
import type {
  Consumer,
  ConsumerOptions,
  Message,
  MessagesStream,
  SASLMechanismValue,
} from "@platformatic/kafka";
import type { KafkaSecurity } from "../credentials.js";
import type { CommitEntry } from "../offsets.js";
import type { KafkaReader, KafkaReaderOptions, ReaderEvents } from "./port.js";

/** 8 retries 0.3 s, 0.6 s, … at most 30 s apart: ~1 min, as the kafkajs reader. */
const RETRIES = 8;
const retryDelay = (_client: unknown, _operation: string, attempt: number): number =>
  Math.min(30_000, 300 * 2 ** (attempt - 1));

/** The client's `tls` and `sasl` options. */
export function platformaticSecurity(
  security: KafkaSecurity,
): Pick<ConsumerOptions<Buffer, Buffer, Buffer, Buffer>, "tls" | "tlsServerName" | "sasl"> {
  const out: Pick<
    ConsumerOptions<Buffer, Buffer, Buffer, Buffer>,
    "tls" | "tlsServerName" | "sasl"
  > = {};
  if (security.tls !== undefined) {
    out.tls = security.tls === true ? {} : security.tls;
    // SNI with the broker's host name, as kafkajs sends it
    out.tlsServerName = true;
  }
  if (security.sasl !== undefined) {
    const { mechanism, username, password } = security.sasl;
    out.sasl = { mechanism: mechanism as SASLMechanismValue, username, password };
  }
  return out;
}

export type PlatformaticKafka = typeof PlatformaticKafkaModule;

export class PlatformaticReader implements KafkaReader {
  private readonly consumer: Consumer;
  private stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  private topic: string | undefined;
  private paused = false;

  constructor(
    private readonly lib: PlatformaticKafka,
    private readonly options: KafkaReaderOptions,
  ) {
    this.consumer = new lib.Consumer({
      ...this.common(),
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: Math.min(3000, Math.floor(options.sessionTimeoutMs / 3)),
      autocommit: false,
      maxBytes: options.fetch.maxBytes,
      maxBytesPerPartition: options.fetch.maxBytesPerPartition,
      maxWaitTime: options.fetch.maxWaitTimeInMs,
    });
  }

  private common() {
    return {
      clientId: this.options.clientId,
      bootstrapBrokers: this.options.brokers,
      ...platformaticSecurity(this.options.security),
      retries: RETRIES,
      retryDelay,
      autocreateTopics: false,
    };
  }

  async listTopics(): Promise<string[]> {
    const admin = new this.lib.Admin(this.common());
    try {
      return await admin.listTopics();
    } finally {
      await admin.close();
    }
  }

  async start(topic: string, events: ReaderEvents): Promise<void> {
    this.topic = topic;
    const { consumer, options } = this;
    consumer.on("consumer:group:join", ({ memberId, assignments }) => {
      const assignment: Record<string, number[]> = {};
      for (const a of assignments ?? []) assignment[a.topic] = a.partitions;
      events.joined(memberId, assignment);
    });
    consumer.on("consumer:heartbeat:error", ({ error }) =>
      options.log.warning(`Kafka group heartbeat failed; retrying: ${error.message}`),
    );
    // a re-join after a rebalance that failed for good
    consumer.on("error", (error: Error) => this.fail(events, error));
    const stream = await consumer.consume({
      topics: [topic],
      mode: "committed",
      fallbackMode: "earliest",
      autocommit: false,
    });
    this.stream = stream;
    stream.on("error", (error) => this.fail(events, error));
    stream.on("data", (message: Message<Buffer, Buffer, Buffer, Buffer>) => {
      if (!events.accepting()) return;
      events.record(message.topic, message.partition, {
        offset: message.offset.toString(),
        timestamp: message.timestamp.toString(),
        value: message.value ?? null,
      });
      events.handed();
    });
    if (this.paused) stream.pause();
  }

  private fail(events: ReaderEvents, error: Error): void {
    this.options.log.error(`the Kafka client gave up: ${error.message}`, { error });
    events.failed(error);
  }

  pause(): void {
    this.paused = true;
    this.stream?.pause();
  }

  resume(): void {
    this.paused = false;
    this.stream?.resume();
  }

  async commit(entries: readonly CommitEntry[]): Promise<void> {
    await this.consumer.commit({
      // leader epoch unknown (-1): the broker then does not check it
      offsets: entries.map((e) => ({
        topic: e.topic,
        partition: e.partition,
        offset: BigInt(e.offset),
        leaderEpoch: -1,
      })),
    });
  }

  async highWatermarks(): Promise<ReadonlyMap<number, bigint>> {
    if (this.topic === undefined) return new Map();
    const offsets = await this.consumer.listOffsets({ topics: [this.topic] });
    return new Map((offsets.get(this.topic) ?? []).map((offset, partition) => [partition, offset]));
  }

  async close(): Promise<void> {
    await this.stream?.close();
    await this.consumer.close();
  }
}
