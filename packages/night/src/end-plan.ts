/**
 * The END of a night as data (docs/spec/broker.md §8), from the night conductor's environment: which VM to
 * stop, which subscriptions to drain and count, where the rows and the summary go, and which
 * outcomes make a stream's count incomplete.
 */
import { DATA_TOPICS, TOPIC } from "@pgb/broker-utils/naming";
import { nightSummaryObject } from "@pgb/broker-utils/naming";
import type { ProgramEnv } from "@pgb/broker-utils/instance";
import { ENV } from "@pgb/broker-utils/instance";
import { nightOf, type MetadataRow, type Stream } from "./rows.js";

export interface CounterPlan {
  stream: Stream;
  subscription: string;
}

export interface EndPlan {
  /** UTC date of the END, `YYYY-MM-DD`. */
  night: string;
  consumerVm: string;
  /** Processing subscriptions on `alerts`, drained before counting. */
  processingSubscriptions: string[];
  /** One counter subscription per data stream, in DATA_TOPICS order. */
  counters: CounterPlan[];
  metadataTable: { dataset: string; table: string };
  summary: { bucket: string; object: string };
}

export class EndPlanError extends Error {
  override name = "EndPlanError";
}

function parseCounters(raw: string): CounterPlan[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new EndPlanError(`${ENV.counterSubscriptions} is not JSON: ${raw.slice(0, 200)}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new EndPlanError(
      `${ENV.counterSubscriptions} must be a JSON object stream → subscription`,
    );
  }
  const map = parsed as Record<string, unknown>;
  const unknown = Object.keys(map).filter((k) => !(DATA_TOPICS as readonly string[]).includes(k));
  const missing = DATA_TOPICS.filter((t) => typeof map[t] !== "string" || map[t] === "");
  if (unknown.length > 0 || missing.length > 0) {
    throw new EndPlanError(
      `${ENV.counterSubscriptions} must name one subscription for each of ${DATA_TOPICS.join(", ")}` +
        (missing.length > 0 ? `; missing ${missing.join(", ")}` : "") +
        (unknown.length > 0 ? `; unknown ${unknown.join(", ")}` : ""),
    );
  }
  return DATA_TOPICS.map((stream) => ({ stream, subscription: map[stream] as string }));
}

export function endPlan(env: ProgramEnv<"night-conductor">, endTime: Date): EndPlan {
  const night = nightOf(endTime);
  const processingSubscriptions = env[ENV.processingSubscriptions]
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return {
    night,
    consumerVm: env[ENV.consumerVm],
    processingSubscriptions,
    counters: parseCounters(env[ENV.counterSubscriptions]),
    metadataTable: { dataset: env[ENV.bqDataset], table: env[ENV.bqMetadataTable] },
    summary: { bucket: env[ENV.brokerFilesBucket], object: nightSummaryObject(night) },
  };
}

/** How the steps before a stream's count went. */
export interface EndOutcome {
  /** The consumer reached TERMINATED in time (else alerts may still arrive after the count). */
  consumerStopped: boolean;
  /** The processing subscriptions drained in time (else derived streams may still grow). */
  drained: boolean;
}

/** Streams produced by the processing functions, whose counts wait for the drain. */
export function dependsOnDrain(stream: Stream): boolean {
  return stream !== TOPIC.alerts;
}

/** Whether a stream's count is final, given the END's outcome and its own pull. */
export function streamComplete(stream: Stream, outcome: EndOutcome, pulledAll: boolean): boolean {
  return pulledAll && outcome.consumerStopped && (outcome.drained || !dependsOnDrain(stream));
}

/** The JSON summary of a night written to broker_files. */
export interface NightSummary {
  night: string;
  startedAt: string;
  finishedAt: string;
  consumer: { vm: string; kafkaTopic: string | null; stopped: boolean; status: string };
  drain: {
    subscriptions: string[];
    drained: boolean;
    waitedSeconds: number;
    lastBacklog: Record<string, number | null>;
  };
  streams: (MetadataRow & {
    subscription: string;
    pulled: number;
    duplicates: number;
    withoutKafkaTimestamp: number;
    backlog: number | null;
  })[];
  counterReset: "seeked" | "emptied-by-pull" | "failed";
  errors: string[];
}
