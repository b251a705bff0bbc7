/**
 * Publishing on a worker thread. The consumer's JavaScript runs on one thread; reading Kafka
 * (kafkajs) and publishing (protobuf encoding, gRPC) each cost about as much CPU per alert, so on
 * the 2-vCPU VM the publisher gets its own thread and both run at once. The main thread keeps
 * everything that decides what is committed; the worker only publishes and reports each message's
 * outcome, so a publish is acknowledged to the main thread exactly when Pub/Sub acknowledged it.
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

export interface PublisherThreadOptions {
  project: string;
  topic: string;
  publisher: PublisherOptions;
}

/** What the consumer needs of a publisher. */
export interface PublishPort {
  publish(data: Buffer, attributes: Attributes): Promise<unknown>;
  /** Sends what the client still batches and waits for it. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

type ToWorker =
  | { kind: "publish"; id: number; data: ArrayBuffer; attributes: Attributes }
  | { kind: "flush"; id: number };

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
 * rejects every pending publish, which the consumer treats as a failed publish.
 */
export function startPublisherThread(entry: URL, options: PublisherThreadOptions): PublishPort {
  const data = { role: ROLE, options };
  const worker = entry.pathname.endsWith(".ts")
    ? new Worker(
        `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))})` +
          `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`,
        { eval: true, workerData: data },
      )
    : new Worker(entry, { workerData: data });
  const pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  let nextId = 0;
  let dead: Error | undefined;
  const failAll = (err: Error): void => {
    dead ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on("message", (m: FromWorker) => {
    if (m.kind === "done") {
      for (const id of m.ids) {
        pending.get(id)?.resolve();
        pending.delete(id);
      }
    } else {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.kind === "failed") p?.reject(new PublishError(m.error));
      else p?.resolve();
    }
  });
  worker.on("error", (err) => failAll(err));
  worker.on("exit", (code) => failAll(new Error(`the publisher thread exited (code ${code})`)));

  const call = (message: (id: number) => ToWorker, transfer: ArrayBuffer[] = []): Promise<void> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise<void>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage(message(id), transfer);
    });
  };
  return {
    publish: (data, attributes) => {
      // a Kafka value is a view into a whole fetch response: copy it to a buffer of its own, which
      // is then moved (not cloned) to the worker
      const own = new Uint8Array(data.length);
      own.set(data);
      return call((id) => ({ kind: "publish", id, data: own.buffer, attributes }), [own.buffer]);
    },
    flush: () => call((id) => ({ kind: "flush", id })),
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
  const { options } = workerData as { options: PublisherThreadOptions };
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
      publisher.publish(Buffer.from(m.data), m.attributes).then(
        () => report(m.id),
        (err: unknown) =>
          port.postMessage({ kind: "failed", id: m.id, error: describe(err) } satisfies FromWorker),
      );
    } else {
      publisher.flush().then(
        () => port.postMessage({ kind: "flushed", id: m.id } satisfies FromWorker),
        (err: unknown) =>
          port.postMessage({ kind: "failed", id: m.id, error: describe(err) } satisfies FromWorker),
      );
    }
  });
}
