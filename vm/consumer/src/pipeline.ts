/**
 * One Kafka message → one Pub/Sub message (docs/spec/broker.md §3 "Message"), independent of kafkajs so it
 * can be tested with fakes: the value is published unchanged with its Kafka coordinates as string
 * attributes (plus the alert's ids when decoding is on), the offset is tracked until Pub/Sub
 * acknowledges it. A value that can never be an alert or a message (null or empty, or too large for
 * Pub/Sub) goes to `rejected/` in the broker_files bucket instead, with its reason.
 * A publish or store that fails is fatal: the caller stops and exits, and Kafka re-delivers every
 * offset that was not committed.
 */
import type { Attributes } from "@pgb/broker-utils/gcp";
import type { Logger } from "@pgb/broker-utils/log";
import { rejectedMessageObject } from "@pgb/broker-utils/naming";
import type { FlowGate } from "./flow.js";
import type { AlertIds } from "./ids.js";
import type { OffsetTracker } from "./offsets.js";
import type { StatsWindow } from "./stats.js";

/**
 * Pub/Sub's message limit is 10 MB (data plus attributes, in a publish request of at most 10 MB);
 * larger values cannot be published and are stored instead.
 */
export const MAX_PUBLISH_BYTES = 10_000_000;

/** Room left for the attributes and the request's framing within MAX_PUBLISH_BYTES. */
const REQUEST_OVERHEAD_BYTES = 16 * 1024;

/** A Kafka record as the pipeline needs it (kafkajs' KafkaMessage has these fields). */
export interface KafkaRecord {
  /** Decimal string (64-bit). */
  offset: string;
  /** Milliseconds since the epoch, as a decimal string. */
  timestamp: string;
  value: Buffer | null;
}

export interface PipelineDeps {
  publish(data: Buffer, attributes: Attributes): Promise<unknown>;
  /** Stores an oversized value; "duplicate" when an earlier run stored it already. */
  storeRejected(name: string, data: Buffer, metadata: Attributes): Promise<"written" | "duplicate">;
  tracker: OffsetTracker;
  gate: FlowGate;
  stats: StatsWindow;
  log: Logger;
  /** Reads the alert ids for the attributes; undefined when decoding is off. */
  ids: AlertIds | undefined;
  /** Called when an acknowledgement freed room (fetching may resume). */
  onRelease: () => void;
  /** Called once per failed publish or store: the consumer must stop without committing past it. */
  onFatal: (err: unknown, where: Attributes) => void;
  now?: () => number;
}

/** The Kafka coordinates every message carries (docs/spec/broker.md §3). */
export function kafkaAttributes(topic: string, partition: number, record: KafkaRecord): Attributes {
  return {
    "kafka.topic": topic,
    "kafka.partition": String(partition),
    "kafka.offset": record.offset,
    "kafka.timestamp": record.timestamp,
  };
}

/** Why a Kafka value is stored in `rejected/` instead of published (object metadata `reason`). */
export type RejectReason = "empty" | "too-large";

/**
 * Why a value cannot be published: a null or empty value is no alert (published, it would only
 * fail at every function), and one over the limit cannot be a Pub/Sub message.
 */
function rejectionOf(bytes: number): { reason: RejectReason; why: string } | undefined {
  if (bytes === 0) return { reason: "empty", why: "Kafka value is null or empty" };
  if (bytes + REQUEST_OVERHEAD_BYTES > MAX_PUBLISH_BYTES) {
    return {
      reason: "too-large",
      why: `Kafka value of ${bytes} bytes is over Pub/Sub's ${MAX_PUBLISH_BYTES}-byte limit`,
    };
  }
  return undefined;
}

export class Pipeline {
  private readonly now: () => number;

  constructor(private readonly deps: PipelineDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Hands one record on; returns at once (the publish completes in the background). */
  handle(topic: string, partition: number, record: KafkaRecord): void {
    const { deps } = this;
    const value = record.value ?? Buffer.alloc(0);
    const attributes = kafkaAttributes(topic, partition, record);
    const delivery = deps.tracker.deliver(topic, partition, BigInt(record.offset));
    const bytes = value.length;
    deps.gate.add(bytes);
    const done = (): void => {
      deps.tracker.get(topic, partition).ack(delivery);
      deps.gate.release(bytes);
      deps.onRelease();
    };
    const failed = (err: unknown): void => {
      deps.gate.release(bytes);
      deps.onFatal(err, attributes);
    };

    const rejection = rejectionOf(bytes);
    if (rejection !== undefined) {
      const { reason, why } = rejection;
      const name = rejectedMessageObject(topic, partition, record.offset);
      deps.log.error(`${why}; storing it as ${name} (reason ${reason}), not publishing it`, {
        ...attributes,
        bytes,
        object: name,
        reason,
      });
      deps.storeRejected(name, value, { ...attributes, reason }).then((outcome) => {
        if (outcome === "duplicate")
          deps.log.info(`${name} was stored by an earlier run`, attributes);
        deps.stats.rejectedOne(bytes);
        done();
      }, failed);
      return;
    }

    if (deps.ids !== undefined) {
      const input = `Kafka ${topic} partition ${partition} offset ${record.offset}`;
      try {
        Object.assign(attributes, deps.ids.read(value, input));
      } catch (err) {
        deps.stats.decodeFailed();
        deps.log.warning(
          `cannot decode the alert, publishing it without its ids and the other alert attributes: ${(err as Error).message}`,
          attributes,
        );
      }
    }
    const start = this.now();
    deps.publish(value, attributes).then(() => {
      deps.stats.published(bytes, this.now() - start);
      done();
    }, failed);
  }
}
