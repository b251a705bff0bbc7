/**
 * The simulator's loop: every `intervalSeconds` from the start, take one batch from the source,
 * publish it, then settle it (ack/nack) once the destination acknowledged it.
 */
import type { BatchPlan } from "./rate.js";
import type { Sink } from "./sinks.js";
import type { Source } from "./sources.js";

export interface SimulationResult {
  published: number;
  batches: number;
  /** True when the source ran dry before the plan was complete. */
  exhausted: boolean;
  elapsedSeconds: number;
}

export interface SimulateOptions {
  source: Source;
  sink: Sink;
  plan: BatchPlan;
  onBatch?: (publishedSoFar: number, batch: number) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  signal?: AbortSignal;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function simulate(options: SimulateOptions): Promise<SimulationResult> {
  const { source, sink, plan } = options;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const start = now();
  let published = 0;
  let batches = 0;
  let exhausted = false;
  for (let b = 0; b < plan.batches; b++) {
    if (options.signal?.aborted) break;
    const due = start + b * plan.intervalSeconds * 1000;
    const wait = due - now();
    if (wait > 0) await sleep(wait);
    const messages = await source.take(plan.perBatch);
    if (messages.length > 0) {
      try {
        await sink.publish(messages);
      } catch (err) {
        await source.settle(messages, false);
        throw err;
      }
      await source.settle(messages, true);
      published += messages.length;
      batches++;
      options.onBatch?.(published, batches);
    }
    if (messages.length < plan.perBatch) {
      exhausted = true;
      break;
    }
  }
  return { published, batches, exhausted, elapsedSeconds: (now() - start) / 1000 };
}
