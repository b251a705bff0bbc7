/**
 * Where the simulator's messages come from: local Avro files (attributes synthesised as the consumer
 * would have set them) or a subscription such as the reservoir (data and attributes unchanged).
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Puller, ReceivedMessage } from "../gcp/pubsub.js";

export interface SimulatedMessage {
  data: Buffer;
  attributes: Record<string, string>;
}

export interface Source {
  /** Up to `n` messages; fewer (or none) when the source is running dry. */
  take(n: number): Promise<SimulatedMessage[]>;
  /** Called once the taken messages were published (ok) or not. */
  settle(messages: readonly SimulatedMessage[], published: boolean): Promise<void>;
  close(): Promise<void>;
}

/** Every `.avro` file under the given files and folders, in a stable (sorted) order. */
export async function listAvroFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const visit = async (path: string): Promise<void> => {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new Error(`alert path ${path} does not exist`);
    if (info.isDirectory()) {
      const entries = (await readdir(path)).sort();
      for (const e of entries) {
        const child = join(path, e);
        const childInfo = await stat(child);
        if (childInfo.isDirectory() || e.endsWith(".avro")) await visit(child);
      }
    } else {
      out.push(path);
    }
  };
  for (const p of paths) await visit(p);
  if (out.length === 0) throw new Error(`no .avro file under ${paths.join(", ")}`);
  return out;
}

export interface FileSourceOptions {
  files: readonly string[];
  /** `kafka.topic` written on every message (the survey's topic for the night). */
  kafkaTopic: string;
  /** Start over when the files are exhausted (for runtimes longer than the sample). */
  loop?: boolean;
  now?: () => number;
}

/** Attributes as the consumer writes them: partition 0, offset = the message's index. */
export function fileSource(options: FileSourceOptions): Source {
  const now = options.now ?? Date.now;
  let index = 0;
  return {
    async take(n) {
      const batch: SimulatedMessage[] = [];
      while (batch.length < n) {
        if (index >= options.files.length && !options.loop) break;
        const file = options.files[index % options.files.length]!;
        batch.push({
          data: await readFile(file),
          attributes: {
            "kafka.topic": options.kafkaTopic,
            "kafka.partition": "0",
            "kafka.offset": String(index),
            "kafka.timestamp": String(now()),
          },
        });
        index++;
      }
      return batch;
    },
    settle: async () => undefined,
    close: async () => undefined,
  };
}

/**
 * Messages pulled from a subscription. After publishing they are acknowledged, or with `nack` made
 * available again at once, which keeps a reservoir full for the next replay.
 */
export function subscriptionSource(puller: Puller, options: { nack?: boolean } = {}): Source {
  const ackIds = new WeakMap<SimulatedMessage, string>();
  return {
    async take(n) {
      const out: SimulatedMessage[] = [];
      // a pull returns at most what the server has ready; ask until satisfied or it comes back empty
      while (out.length < n) {
        const got: ReceivedMessage[] = await puller.pull(Math.min(1000, n - out.length));
        if (got.length === 0) break;
        for (const m of got) {
          const message = { data: m.data, attributes: m.attributes };
          ackIds.set(message, m.ackId);
          out.push(message);
        }
      }
      return out;
    },
    async settle(messages, published) {
      const ids = messages.map((m) => ackIds.get(m)).filter((id): id is string => id !== undefined);
      if (published && !options.nack) await puller.ack(ids);
      else await puller.nack(ids);
    },
    close: () => puller.close(),
  };
}
