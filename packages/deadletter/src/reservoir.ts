/**
 * Reading and re-driving a `{fn}-deadletter-reservoir` subscription (pull, 31 days).
 *
 * Listing holds every message it pulled until it is done (so the next pull returns new ones) and
 * then nacks them all: nothing is consumed. Replay posts each message to the one function it
 * belongs to and acknowledges it only when the function answered 2xx; the others are nacked at the
 * end and stay. Both de-duplicate by message id, since a lease that expires during a long run lets
 * Pub/Sub hand out the same message again.
 */
import type { ReceivedMessage } from "@pgb/broker-utils/gcp";
import {
  describeDeadLetter,
  originalAttributes,
  PGB_ATTRIBUTES,
  PUBSUB_DEAD_LETTER_PREFIX,
  type DeadLetterEntry,
} from "./entry.js";

/** What both need from a subscription (the gcp module's `Puller`). */
export interface PullSource {
  pull(maxMessages: number, waitMs: number): Promise<ReceivedMessage[]>;
  ack(ackIds: readonly string[]): Promise<void>;
  nack(ackIds: readonly string[]): Promise<void>;
}

export interface ListOptions {
  /** At most this many (default 100). */
  max?: number;
  /** How long one pull waits for messages (default 2 s). */
  waitMs?: number;
}

const BATCH = 100;

/** The reservoir's messages, oldest first, without consuming them. */
export async function listDeadLetters(
  fn: string,
  source: PullSource,
  options: ListOptions = {},
): Promise<DeadLetterEntry[]> {
  const max = options.max ?? 100;
  const waitMs = options.waitMs ?? 2000;
  const seen = new Map<string, ReceivedMessage>();
  const held: string[] = [];
  try {
    while (seen.size < max) {
      const batch = await source.pull(Math.min(BATCH, max - seen.size), waitMs);
      let fresh = 0;
      for (const m of batch) {
        held.push(m.ackId);
        if (seen.has(m.messageId) || seen.size >= max) continue;
        seen.set(m.messageId, m);
        fresh += 1;
      }
      if (fresh === 0) break;
    }
  } finally {
    await source.nack(held);
  }
  return [...seen.values()]
    .sort((a, b) => a.publishTime.getTime() - b.publishTime.getTime())
    .map((m) => describeDeadLetter(fn, m));
}

/** The JSON body Pub/Sub push sends (what the functions framework converts into a CloudEvent). */
export interface PushEnvelope {
  message: {
    data: string;
    attributes: Record<string, string>;
    messageId: string;
    publishTime: string;
  };
  subscription: string;
}

/**
 * The push envelope of a dead letter's original message: its data, its original attributes, the
 * message id the function saw first (so its logs and a new dead letter keep one id), and the time
 * it was first published when Pub/Sub recorded it.
 */
export function replayEnvelope(message: ReceivedMessage, subscription: string): PushEnvelope {
  const a = message.attributes;
  return {
    message: {
      data: message.data.toString("base64"),
      attributes: originalAttributes(a),
      messageId: a[PGB_ATTRIBUTES.messageId] ?? message.messageId,
      publishTime:
        a[`${PUBSUB_DEAD_LETTER_PREFIX}TopicPublishTime`] ?? message.publishTime.toISOString(),
    },
    subscription,
  };
}

/** Delivers one envelope; resolves with the HTTP status (or rejects on a network error). */
export type Deliver = (envelope: PushEnvelope) => Promise<number>;

export type ReplayEvent =
  | { kind: "delivered"; entry: DeadLetterEntry; status: number }
  | { kind: "failed"; entry: DeadLetterEntry; status: number | undefined; error: string }
  /** A dead letter of a message this run already delivered: the function dead-lettered it again. */
  | { kind: "returned"; entry: DeadLetterEntry };

export interface ReplayOptions {
  /** Replay at most this many (default all). */
  max?: number;
  waitMs?: number;
  onEvent?: (event: ReplayEvent) => void;
}

export interface ReplayResult {
  /** Answered 2xx and acknowledged (stored, or dead-lettered again as bad input: see `returned`). */
  delivered: number;
  /** Not acknowledged: they stay in the reservoir. */
  failed: number;
  /** New dead letters of messages delivered in this run, seen before it ended (left in place). */
  returned: number;
}

function statusOk(status: number): boolean {
  return status >= 200 && status < 300;
}

/**
 * Re-drives the reservoir of function `fn` to that function only. `subscription` is the function's
 * processing subscription (named in the envelopes, as Pub/Sub's own push does).
 */
export async function replayDeadLetters(
  fn: string,
  source: PullSource,
  deliver: Deliver,
  subscription: string,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const max = options.max ?? Infinity;
  const waitMs = options.waitMs ?? 2000;
  const result: ReplayResult = { delivered: 0, failed: 0, returned: 0 };
  const seen = new Set<string>();
  /** Original message ids delivered in this run. */
  const delivered = new Set<string>();
  const kept: string[] = [];
  try {
    while (result.delivered + result.failed < max) {
      const batch = await source.pull(BATCH, waitMs);
      let fresh = 0;
      for (const m of batch) {
        if (seen.has(m.messageId)) {
          kept.push(m.ackId);
          continue;
        }
        seen.add(m.messageId);
        fresh += 1;
        const entry = describeDeadLetter(fn, m);
        const envelope = replayEnvelope(m, subscription);
        if (delivered.has(envelope.message.messageId)) {
          result.returned += 1;
          options.onEvent?.({ kind: "returned", entry });
          kept.push(m.ackId);
          continue;
        }
        if (result.delivered + result.failed >= max) {
          kept.push(m.ackId);
          continue;
        }
        let status: number | undefined;
        let error = "";
        try {
          status = await deliver(envelope);
          if (!statusOk(status)) error = `HTTP ${status}`;
        } catch (err) {
          error = err instanceof Error ? err.message : String(err);
        }
        if (status !== undefined && statusOk(status)) {
          await source.ack([m.ackId]);
          delivered.add(envelope.message.messageId);
          result.delivered += 1;
          options.onEvent?.({ kind: "delivered", entry, status });
        } else {
          kept.push(m.ackId);
          result.failed += 1;
          options.onEvent?.({ kind: "failed", entry, status, error });
        }
      }
      if (fresh === 0) break;
    }
  } finally {
    await source.nack(kept);
  }
  return result;
}
