/**
 * Publishing on a worker thread. The consumer's JavaScript runs on one thread; reading Kafka
 * (kafkajs) and publishing (protobuf encoding, gRPC) each cost about as much CPU per alert, so on
 * the 2-vCPU VM the publisher gets its own thread and both run at once. The main thread keeps
 * everything that decides what is committed; the worker only publishes and reports each message's
 * outcome, so a publish is acknowledged to the main thread exactly when Pub/Sub acknowledged it.
 *
 * Values reach the worker through a shared ring of memory (ring.ts): each is copied once into it and
 * its region is reused when Pub/Sub acknowledged it; the publishes of one Kafka batch go over in one
 * message. A value the ring has no room for travels in a buffer of its own.
 *
 * The program's own entry file runs the worker (index.ts branches on isMainThread): the VM bundle
 * is one file. Run from the TypeScript sources (`node --import tsx`), the worker registers tsx
 * itself before loading the entry: on Node 20 the main thread's --import hooks do not reach workers.
 */
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import {
  createPublisher,
  pubsubClient,
  type Attributes,
  type PublisherOptions,
} from "@pgb/broker-utils/gcp";
import { Ring, type RingRegion } from "./ring.js";

export interface PublisherThreadOptions {
  project: string;
  topic: string;
  publisher: PublisherOptions;
  /** Size of the shared ring the values travel through (more than the bytes kept in flight). */
  ringBytes: number;
}

/** What the consumer needs of a publisher. */
export interface PublishPort {
  publish(data: Buffer, attributes: Attributes): Promise<unknown>;
  /** Sends what the client still batches and waits for it. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** One value to publish: `length` bytes at `start` of the ring, or all of `buffer` when given. */
interface PublishItem {
  id: number;
  attributes: Attributes;
  start: number;
  length: number;
  buffer?: ArrayBuffer;
}

type ToWorker = { kind: "publish"; items: PublishItem[] } | { kind: "flush"; id: number };

interface WorkerError {
  name: string;
  message: string;
  code: unknown;
}

type FromWorker =
  | { kind: "done"; ids: number[] }
  | { kind: "failed"; id: number; error: WorkerError }
  | { kind: "flushed"; id: number };

const ROLE = "pgb-consumer-publisher";

/**
 * The node options the worker inherits, less the `--import`ed modules: the main thread's loader
 * hooks do not reach a worker on Node 20, so a preloaded .ts module (the local harness run from
 * source) cannot load there, and the publisher needs none of them.
 */
function withoutImports(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    if (execArgv[i] === "--import") i++;
    else if (!execArgv[i]!.startsWith("--import=")) kept.push(execArgv[i]!);
  }
  return kept;
}

/** True in the worker thread that publishes: the entry point then runs `runPublisherThread`. */
export function isPublisherThread(): boolean {
  return !isMainThread && (workerData as { role?: unknown } | null)?.role === ROLE;
}

/** An Error carrying the worker's error (gRPC code included) across the thread boundary. */
class PublishError extends Error {
  readonly code: unknown;
  constructor(e: WorkerError) {
    super(e.message);
    this.name = e.name;
    this.code = e.code;
  }
}

/**
 * Starts the publisher thread running `entry` (the program's entry file). A thread that dies
 * rejects every pending publish, which the consumer treats as a failed publish. One function because
 * the ring, the pending map and the thread's handlers share the same closure state.
 */
export function startPublisherThread(entry: URL, options: PublisherThreadOptions): PublishPort {
  const shared = new SharedArrayBuffer(options.ringBytes);
  const ringMemory = Buffer.from(shared);
  const ring = new Ring(options.ringBytes);
  const data = { role: ROLE, options, shared };
  const worker = entry.pathname.endsWith(".ts")
    ? new Worker(
        `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))})` +
          `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`,
        { eval: true, workerData: data, execArgv: withoutImports(process.execArgv) },
      )
    : new Worker(entry, { workerData: data, execArgv: withoutImports(process.execArgv) });
  const pending = new Map<
    number,
    { resolve: () => void; reject: (err: Error) => void; region?: RingRegion }
  >();
  let nextId = 0;
  let dead: Error | undefined;
  const failAll = (err: Error): void => {
    dead ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  /** Settles a publish; its region is free again (the worker no longer reads it). */
  const settle = (id: number, err?: Error): void => {
    const p = pending.get(id);
    if (p === undefined) return;
    pending.delete(id);
    if (p.region) ring.release(p.region);
    if (err) p.reject(err);
    else p.resolve();
  };
  worker.on("message", (m: FromWorker) => {
    if (m.kind === "done") for (const id of m.ids) settle(id);
    else settle(m.id, m.kind === "failed" ? new PublishError(m.error) : undefined);
  });
  worker.on("error", (err) => failAll(err));
  worker.on("exit", (code) => failAll(new Error(`the publisher thread exited (code ${code})`)));

  // the publishes of one turn (one Kafka batch) go to the worker in one message
  let queued: PublishItem[] = [];
  let moved: ArrayBuffer[] = [];
  const send = (): void => {
    if (queued.length === 0) return;
    worker.postMessage({ kind: "publish", items: queued } satisfies ToWorker, moved);
    queued = [];
    moved = [];
  };
  return {
    publish: (data, attributes) => {
      if (dead) return Promise.reject(dead);
      const id = nextId++;
      // a Kafka value is a view into a whole fetch response: it is copied, into the ring if it fits
      const region = ring.take(data.length);
      let item: PublishItem;
      if (region) {
        data.copy(ringMemory, region.start);
        item = { id, attributes, start: region.start, length: data.length };
      } else {
        const own = new Uint8Array(data.length);
        own.set(data);
        moved.push(own.buffer);
        item = { id, attributes, start: 0, length: data.length, buffer: own.buffer };
      }
      if (queued.length === 0) queueMicrotask(send);
      queued.push(item);
      return new Promise<void>((resolve, reject) => {
        pending.set(id, region ? { resolve, reject, region } : { resolve, reject });
      });
    },
    flush: () => {
      if (dead) return Promise.reject(dead);
      send();
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ kind: "flush", id } satisfies ToWorker);
      });
    },
    close: async () => {
      pending.clear();
      dead ??= new Error("the publisher thread was closed");
      await worker.terminate();
    },
  };
}

function describe(err: unknown): WorkerError {
  const e = err as { name?: unknown; message?: unknown; code?: unknown };
  return {
    name: typeof e.name === "string" ? e.name : "Error",
    message: typeof e.message === "string" ? e.message : String(err),
    code: typeof e.code === "number" || typeof e.code === "string" ? e.code : undefined,
  };
}

/** The worker side: publishes what it is sent and reports acknowledgements in batches. */
export function runPublisherThread(): void {
  const port = parentPort;
  if (port === null) throw new Error("runPublisherThread runs in a worker thread");
  const { options, shared } = workerData as {
    options: PublisherThreadOptions;
    shared: SharedArrayBuffer;
  };
  const ringMemory = Buffer.from(shared);
  const publisher = createPublisher(
    pubsubClient(options.project),
    options.topic,
    options.publisher,
  );
  let done: number[] = [];
  let scheduled = false;
  const report = (id: number): void => {
    done.push(id);
    if (scheduled) return;
    scheduled = true;
    // one message per turn of the event loop for all acknowledgements that arrived in it
    setImmediate(() => {
      scheduled = false;
      const ids = done;
      done = [];
      port.postMessage({ kind: "done", ids } satisfies FromWorker);
    });
  };
  port.on("message", (m: ToWorker) => {
    if (m.kind === "publish") {
      for (const item of m.items) {
        const data = item.buffer
          ? Buffer.from(item.buffer)
          : ringMemory.subarray(item.start, item.start + item.length);
        publisher.publish(data, item.attributes).then(
          () => report(item.id),
          (err: unknown) =>
            port.postMessage({
              kind: "failed",
              id: item.id,
              error: describe(err),
            } satisfies FromWorker),
        );
      }
    } else {
      publisher.flush().then(
        () => port.postMessage({ kind: "flushed", id: m.id } satisfies FromWorker),
        (err: unknown) =>
          port.postMessage({ kind: "failed", id: m.id, error: describe(err) } satisfies FromWorker),
      );
    }
  });
}
