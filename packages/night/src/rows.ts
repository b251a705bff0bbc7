/**
 * The night's `metadata` rows (docs/spec/broker.md §8): one per data stream, computed from the messages the
 * night conductor pulls from the stream's counter subscription. Latency = publish time −
 * `kafka.timestamp` (ms since epoch, set by the consumer); on `alert_avros` the message is a Cloud
 * Storage notification, whose attributes are the bucket's, so the Kafka attributes come from the
 * object's custom `metadata` in the JSON payload (§4).
 */
import { notificationMetadata } from "@pgb/broker-utils/gcp";
import { TOPIC, type DATA_TOPICS } from "@pgb/broker-utils/naming";

export type Stream = (typeof DATA_TOPICS)[number];

/** The part of a pulled message the tally reads. */
export interface CountedMessage {
  messageId: string;
  data: Buffer;
  attributes: Readonly<Record<string, string>>;
  publishTime: Date;
}

/** The Kafka attributes the consumer sets and the other stages copy. */
export const KAFKA_ATTRIBUTE = { topic: "kafka.topic", timestamp: "kafka.timestamp" } as const;

/** A row of the `metadata` table as streamed to BigQuery (INTEGER as a decimal string). */
export interface MetadataRow {
  /** UTC date of the END, `YYYY-MM-DD`. */
  night: string;
  kafka_topic: string | null;
  stream: Stream;
  count: string;
  complete: boolean;
  first_kafka_timestamp: string | null;
  last_kafka_timestamp: string | null;
  first_publish_time: string | null;
  last_publish_time: string | null;
  collected_at: string;
  latency_p50_s: number | null;
  latency_p90_s: number | null;
  latency_p99_s: number | null;
  latency_max_s: number | null;
}

/** `YYYY-MM-DD` of a time, in UTC. */
export function nightOf(time: Date): string {
  return time.toISOString().slice(0, 10);
}

/** The row's insertId: a rerun of the same night and stream is de-duplicated (best effort). */
export function metadataInsertId(night: string, stream: Stream): string {
  return `${night}-${stream}`;
}

function kafkaAttributesOf(stream: Stream, message: CountedMessage): Record<string, unknown> {
  if (stream !== TOPIC.alertAvros) return message.attributes;
  return notificationMetadata(message.data) ?? {};
}

/** The Kafka timestamp (ms) and topic of a message, when it carries them. */
export function kafkaFieldsOf(
  stream: Stream,
  message: CountedMessage,
): { timestampMs: number | undefined; topic: string | undefined } {
  const attrs = kafkaAttributesOf(stream, message);
  const ts = attrs[KAFKA_ATTRIBUTE.timestamp];
  const topic = attrs[KAFKA_ATTRIBUTE.topic];
  const timestampMs = typeof ts === "string" && /^\d{1,16}$/.test(ts) ? Number(ts) : undefined;
  return {
    timestampMs,
    topic: typeof topic === "string" && topic !== "" ? topic : undefined,
  };
}

/**
 * Nearest-rank percentile of ascending `sorted` values (the smallest value with at least p % of
 * the values at or below it): always an observed latency, exact for small nights.
 */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

export interface RowContext {
  night: string;
  collectedAt: Date;
  /** False when a budget ran out (pull, drain, consumer stop): the count may be short. */
  complete: boolean;
  /** Messages known to be left in the counter subscription (metric backlog), added to the count. */
  backlog: number;
  /** The night's topic when no message named one (the consumer's KAFKA_TOPIC at END). */
  fallbackKafkaTopic: string | undefined;
}

/** Accumulates the messages of one stream; duplicates (same message id, redelivered) count once. */
export class StreamTally {
  private readonly seen = new Set<string>();
  private readonly latenciesMs: number[] = [];
  private readonly topics = new Set<string>();
  private firstKafkaMs: number | undefined;
  private lastKafkaMs: number | undefined;
  private firstPublishMs: number | undefined;
  private lastPublishMs: number | undefined;
  /** Messages without a usable kafka.timestamp: counted, but without latency. */
  withoutKafkaTimestamp = 0;
  duplicates = 0;

  constructor(readonly stream: Stream) {}

  get count(): number {
    return this.seen.size;
  }

  add(message: CountedMessage): void {
    if (this.seen.has(message.messageId)) {
      this.duplicates += 1;
      return;
    }
    this.seen.add(message.messageId);
    const published = message.publishTime.getTime();
    this.firstPublishMs = Math.min(this.firstPublishMs ?? published, published);
    this.lastPublishMs = Math.max(this.lastPublishMs ?? published, published);
    const { timestampMs, topic } = kafkaFieldsOf(this.stream, message);
    if (topic !== undefined) this.topics.add(topic);
    if (timestampMs === undefined) {
      this.withoutKafkaTimestamp += 1;
      return;
    }
    this.firstKafkaMs = Math.min(this.firstKafkaMs ?? timestampMs, timestampMs);
    this.lastKafkaMs = Math.max(this.lastKafkaMs ?? timestampMs, timestampMs);
    this.latenciesMs.push(published - timestampMs);
  }

  row(context: RowContext): MetadataRow {
    const sorted = [...this.latenciesMs].sort((a, b) => a - b);
    const seconds = (ms: number | undefined) => (ms === undefined ? null : ms / 1000);
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    const topics = [...this.topics].sort();
    return {
      night: context.night,
      kafka_topic: topics.length > 0 ? topics.join(",") : (context.fallbackKafkaTopic ?? null),
      stream: this.stream,
      count: String(this.count + context.backlog),
      complete: context.complete,
      first_kafka_timestamp: iso(this.firstKafkaMs),
      last_kafka_timestamp: iso(this.lastKafkaMs),
      first_publish_time: iso(this.firstPublishMs),
      last_publish_time: iso(this.lastPublishMs),
      collected_at: context.collectedAt.toISOString(),
      latency_p50_s: seconds(percentile(sorted, 50)),
      latency_p90_s: seconds(percentile(sorted, 90)),
      latency_p99_s: seconds(percentile(sorted, 99)),
      latency_max_s: seconds(sorted[sorted.length - 1]),
    };
  }
}
