/**
 * Counting one stream at END (docs/spec/broker.md §8, step 3): pull the counter subscription, acknowledging
 * as it goes, until no message came for the idle time (the stream is done) or the shared budget
 * ran out (the count is incomplete; the caller adds the metric backlog).
 */
import type { ReceivedMessage } from "@pgb/broker-utils/gcp";
import type { StreamTally } from "@pgb/night";
import type { Clock } from "@pgb/compute";

/** A pull subscription (`Puller` of @pgb/broker-utils/gcp). */
export interface CounterSource {
  pull(maxMessages: number, waitMs: number): Promise<ReceivedMessage[]>;
  ack(ackIds: readonly string[]): Promise<void>;
}

export interface CountOptions {
  /** Done after this long without a message. */
  idleMs: number;
  /** Absolute time (ms) at which counting stops, done or not. */
  deadlineMs: number;
  clock: Clock;
  /** Longest single pull (default 5 s). */
  maxPullWaitMs?: number;
}

export interface CountResult {
  /** Messages pulled, redeliveries included. */
  pulled: number;
  /** False when the deadline came first. */
  pulledAll: boolean;
}

const MAX_MESSAGES = 1000;
/** A pull that returns at once with nothing (the emulator does) is followed by this pause. */
const EMPTY_PAUSE_MS = 250;

export async function countStream(
  source: CounterSource,
  tally: StreamTally,
  options: CountOptions,
): Promise<CountResult> {
  const { clock, idleMs, deadlineMs } = options;
  const maxPullWaitMs = options.maxPullWaitMs ?? 5_000;
  let lastMessageAt = clock.now();
  let pulled = 0;
  for (;;) {
    const now = clock.now();
    const idleLeft = idleMs - (now - lastMessageAt);
    if (idleLeft <= 0) return { pulled, pulledAll: true };
    if (now >= deadlineMs) return { pulled, pulledAll: false };
    const waitMs = Math.max(1, Math.min(maxPullWaitMs, deadlineMs - now, idleLeft));
    const messages = await source.pull(MAX_MESSAGES, waitMs);
    if (messages.length === 0) {
      if (clock.now() - now < EMPTY_PAUSE_MS) await clock.sleep(Math.min(EMPTY_PAUSE_MS, waitMs));
      continue;
    }
    for (const message of messages) tally.add(message);
    await source.ack(messages.map((m) => m.ackId));
    pulled += messages.length;
    lastMessageAt = clock.now();
  }
}
