/**
 * What the consumer needs of a Kafka client, so the client can be chosen (KAFKA_CLIENT,
 * docs/consumer.md): list topics, read one topic as a member of a consumer group from its committed
 * offsets (the earliest offset for a new group), pause and resume fetching, commit offsets, report
 * the partitions' high watermarks, leave the group. kafkajs.ts and platformatic.ts implement it.
 *
 * Records are handed on one at a time, in offset order per partition; a rebalance or a reconnection
 * may hand on again records from the committed offset on (offsets.ts starts a new sequence then).
 */
import type { Logger } from "@pgb/broker-utils/log";
import type { KafkaSecurity } from "../credentials.js";
import type { CommitEntry } from "../offsets.js";
import type { KafkaRecord } from "../pipeline.js";

/** The Kafka clients the consumer can use; the first is the default. */
export const KAFKA_CLIENTS = ["kafkajs", "platformatic"] as const;
export type KafkaClientName = (typeof KAFKA_CLIENTS)[number];

/** Fetch sizes and the longest a fetch waits for data (consumer.ts explains the values). */
export interface FetchSizes {
  maxBytesPerPartition: number;
  maxBytes: number;
  maxWaitTimeInMs: number;
}

export interface KafkaReaderOptions {
  clientId: string;
  brokers: string[];
  security: KafkaSecurity;
  groupId: string;
  sessionTimeoutMs: number;
  fetch: FetchSizes;
  log: Logger;
}

/** What the reader tells the consumer. */
export interface ReaderEvents {
  /** False once the consumer stops: the records not handed on yet are read again by the next run. */
  accepting(): boolean;
  /** One record of `topic`/`partition`. */
  record(topic: string, partition: number, record: KafkaRecord): void;
  /** After a run of records (a fetched batch, or one record): where the consumer decides to pause. */
  handed(): void;
  /** This member (re)joined the group and was assigned these partitions. */
  joined(memberId: string, assignment: Record<string, number[]>): void;
  /** The client gave up on a fault it does not recover from by itself: the run must stop. */
  failed(err: Error): void;
}

export interface KafkaReader {
  /** The broker's topics (used while waiting for tonight's topic). */
  listTopics(): Promise<string[]>;
  /** Joins the group on `topic` and starts handing records to `events`. */
  start(topic: string, events: ReaderEvents): Promise<void>;
  /** Stops fetching (records of a fetch already under way may still be handed on). */
  pause(): void;
  resume(): void;
  /** Commits the positions (the next offset to read); rejects when the broker refused them. */
  commit(entries: readonly CommitEntry[]): Promise<void>;
  /** The last known high watermark of each partition of the topic (for the lag). */
  highWatermarks(): Promise<ReadonlyMap<number, bigint>>;
  /** Leaves the group and closes every connection. */
  close(): Promise<void>;
}
