/**
 * A night of a local instance, driven as in the cloud: a START or END cue published on the cue
 * topic (what Cloud Scheduler's jobs send), pushed to the cue function, which starts the night
 * conductor VM (a process of the local compute port), which starts or stops the consumer VM. Here
 * the caller also waits for the outcome and relays the night conductor's log lines as progress.
 */
import { stat } from "node:fs/promises";
import { RUNTIME_METADATA, modelBucket } from "@pgb/broker-utils/instance";
import { nightSummaryObject, BUCKET, VM, TOPIC } from "@pgb/broker-utils/naming";
import { CUE_ATTRIBUTE, nightOf, type NightSummary } from "@pgb/night";
import { readLogSince } from "../services/process.js";
import { LocalInstanceError } from "./config.js";
import type { LocalInstance } from "./instance.js";

export interface NightStartResult {
  /** The consumer's topic for the night (the START rule's choice). */
  kafkaTopic: string;
  cueMessageId: string;
}

interface LogLine {
  severity?: string;
  message?: string;
}

/** Follows the night conductor's log from now on, relaying its INFO and worse lines. */
class NightConductorLog {
  private offset = 0;
  readonly lines: LogLine[] = [];

  private constructor(
    private readonly path: string,
    private readonly relay: (line: string) => void,
  ) {}

  static async from(instance: LocalInstance): Promise<NightConductorLog> {
    const path = instance.compute.logPath(instance.vmName(VM.nightConductor));
    const log = new NightConductorLog(path, (l) => instance.reporter.detail(l));
    log.offset = await stat(path).then(
      (s) => s.size,
      () => 0,
    );
    return log;
  }

  async poll(): Promise<void> {
    const text = await readLogSince(this.path, this.offset).catch(() => "");
    const end = text.lastIndexOf("\n");
    if (end < 0) return;
    this.offset += Buffer.byteLength(text.slice(0, end + 1));
    for (const raw of text.slice(0, end).split("\n")) {
      if (!raw.startsWith("{")) continue;
      const line = JSON.parse(raw) as LogLine;
      this.lines.push(line);
      if (line.severity !== "DEBUG" && line.message !== undefined) {
        this.relay(`night conductor: ${line.severity} ${line.message}`);
      }
    }
  }

  has(message: string): boolean {
    return this.lines.some((l) => l.message === message || l.message?.startsWith(message));
  }

  tail(): string {
    return this.lines
      .slice(-15)
      .map((l) => JSON.stringify(l))
      .join("\n");
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function publishCue(
  instance: LocalInstance,
  data: "START" | "END",
  attributes: Record<string, string> = {},
): Promise<string> {
  return instance
    .clients()
    .pubsub.topic(instance.topicName(TOPIC.cue))
    .publishMessage({ data: Buffer.from(data), attributes });
}

/**
 * Publishes START and waits until the consumer runs on tonight's topic (the cue function, the
 * night conductor and the consumer each start as processes on the way).
 */
export async function nightStart(
  instance: LocalInstance,
  options: { kafkaTopic?: string | undefined; timeoutMs?: number } = {},
): Promise<NightStartResult> {
  const consumer = instance.vmName(VM.consumer);
  const log = await NightConductorLog.from(instance);
  const attributes: Record<string, string> = {};
  if (options.kafkaTopic !== undefined) attributes[CUE_ATTRIBUTE.kafkaTopic] = options.kafkaTopic;
  const cueMessageId = await publishCue(instance, "START", attributes);
  instance.reporter.step(
    `START cue published to ${instance.topicName(TOPIC.cue)}` +
      (options.kafkaTopic === undefined ? "" : ` (KAFKA_TOPIC=${options.kafkaTopic})`),
  );
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    await log.poll();
    const running = (await instance.compute.status(consumer)) === "RUNNING";
    const topic = (await instance.compute.getMetadata(consumer)).items[RUNTIME_METADATA.kafkaTopic];
    if (running && topic !== undefined && log.has("night conductor done")) {
      instance.reporter.step(`${consumer} runs on Kafka topic ${topic}`);
      return { kafkaTopic: topic, cueMessageId };
    }
    if (log.has("night conductor failed") || Date.now() > deadline) {
      throw new LocalInstanceError(
        `the START cue did not start ${consumer} (${running ? "running" : "not running"}); ` +
          `the night conductor's log (${instance.compute.logPath(instance.vmName(VM.nightConductor))}) ends:\n` +
          `${log.tail()}\nthe cue functions' logs are in ${instance.paths.logs}`,
      );
    }
    await sleep(250);
  }
}

/**
 * Publishes END and waits until the night conductor has stopped the consumer, drained the
 * processing subscriptions, counted the streams and written the night's summary, which it
 * returns (as stored in broker_files).
 */
export async function nightEnd(
  instance: LocalInstance,
  options: { timeoutMs?: number } = {},
): Promise<NightSummary> {
  const timeoutMs = options.timeoutMs ?? 75 * 60_000;
  const log = await NightConductorLog.from(instance);
  const cueAt = new Date();
  await publishCue(instance, "END");
  instance.reporter.step(`END cue published to ${instance.topicName(TOPIC.cue)}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await log.poll();
    if (log.has("night conductor done")) break;
    if (log.has("night conductor failed") || Date.now() > deadline) {
      throw new LocalInstanceError(
        `the END cue did not complete; the night conductor's log ` +
          `(${instance.compute.logPath(instance.vmName(VM.nightConductor))}) ends:\n${log.tail()}`,
      );
    }
    await sleep(500);
  }
  const summary = await readNightSummary(instance, nightOf(cueAt));
  if (summary === undefined || Date.parse(summary.finishedAt) < cueAt.getTime()) {
    throw new LocalInstanceError(
      `the night conductor finished without writing this night's summary ` +
        `(${nightSummaryObject(nightOf(cueAt))}); its log ends:\n${log.tail()}`,
    );
  }
  return summary;
}

/** The night's summary the night conductor wrote to broker_files, if any. */
export async function readNightSummary(
  instance: LocalInstance,
  night: string,
): Promise<NightSummary | undefined> {
  const bucket = modelBucket(instance.model, BUCKET.brokerFiles);
  const file = instance.clients().storage.bucket(bucket.name).file(nightSummaryObject(night));
  const [exists] = await file.exists();
  if (!exists) return undefined;
  const [bytes] = await file.download();
  return JSON.parse(bytes.toString("utf8")) as NightSummary;
}
