/**
 * Reads the push front's delivery logs (`<deliveries>/<function stub>.jsonl`, one line per answered
 * push): which survey messages each function has processed (first 2xx answer), which keep failing,
 * and when each was done, for the settle wait and the latency of the function stages.
 *
 * A survey message is identified by its Kafka topic, partition and offset (the consumer's
 * attributes), so a redelivery, a consumer's re-publish after a crash, and a re-drive from Kafka all
 * count once; a message without them (published to `alerts` by other means) by its message id.
 */
import { open } from "node:fs/promises";
import { join } from "node:path";
import type { Delivery } from "./push-front.js";

/** What the log says about one survey message at one function. */
export interface MessageState {
  kafkaTopic: string | null;
  kafkaPartition: number | null;
  kafkaOffset: number | null;
  /** `kafka.timestamp`, ms since epoch; null when the message had none. */
  kafkaTimestamp: number | null;
  objectId: string | null;
  sourceId: string | null;
  /** First 2xx answer, ms since epoch; null while not processed. */
  doneAt: number | null;
  /** Non-2xx answers (503 while the process was down, 500 from the function); Pub/Sub retries. */
  failures: number;
}

export interface StageState {
  messages: Map<string, MessageState>;
  /** Every non-2xx answer. */
  failedAnswers: number;
  answers: number;
}

export function messageKey(
  d: Pick<Delivery, "kafkaTopic" | "kafkaPartition" | "kafkaOffset" | "messageId">,
): string {
  return d.kafkaTopic !== null && d.kafkaPartition !== null && d.kafkaOffset !== null
    ? kafkaKey(d.kafkaTopic, d.kafkaPartition, d.kafkaOffset)
    : `message ${d.messageId ?? "?"}`;
}

export function kafkaKey(
  topic: string,
  partition: string | number,
  offset: string | number,
): string {
  return `${topic}/${partition}/${offset}`;
}

const isOk = (status: number): boolean => status >= 200 && status < 300;
const numberOrNull = (v: string | null): number | null => {
  const n = v === null ? NaN : Number(v);
  return Number.isFinite(n) ? n : null;
};

/** One function's delivery log, read incrementally (only the bytes appended since the last read). */
export class DeliveryLog {
  readonly state: StageState = { messages: new Map(), failedAnswers: 0, answers: 0 };
  private offset = 0;
  private partial = "";

  constructor(readonly file: string) {}

  static of(deliveriesDir: string, stub: string): DeliveryLog {
    return new DeliveryLog(join(deliveriesDir, `${stub}.jsonl`));
  }

  async read(): Promise<StageState> {
    const handle = await open(this.file, "r").catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw err;
    });
    if (handle === undefined) return this.state;
    try {
      const { size } = await handle.stat();
      if (size <= this.offset) return this.state;
      const buffer = Buffer.alloc(size - this.offset);
      await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset = size;
      const lines = (this.partial + buffer.toString("utf8")).split("\n");
      this.partial = lines.pop() ?? "";
      for (const line of lines) if (line.trim() !== "") this.add(JSON.parse(line) as Delivery);
    } finally {
      await handle.close();
    }
    return this.state;
  }

  private add(d: Delivery): void {
    const state = this.state;
    const key = messageKey(d);
    state.answers += 1;
    let message = state.messages.get(key);
    if (message === undefined) {
      message = {
        kafkaTopic: d.kafkaTopic,
        kafkaPartition: numberOrNull(d.kafkaPartition),
        kafkaOffset: numberOrNull(d.kafkaOffset),
        kafkaTimestamp: numberOrNull(d.kafkaTimestamp),
        objectId: d.objectId,
        sourceId: d.sourceId,
        doneAt: null,
        failures: 0,
      };
      state.messages.set(key, message);
    }
    if (!isOk(d.status)) {
      state.failedAnswers += 1;
      message.failures += 1;
    } else if (message.doneAt === null) {
      message.doneAt = Date.parse(d.at);
    }
  }
}
