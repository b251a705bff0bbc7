/**
 * What the consumer's integration tests share: the consumer as a real process (the esbuild bundle
 * the infra packager deploys to the VM), a supervisor that restarts it like systemd's
 * Restart=always, Kafka producers that record the offset of every value, a Pub/Sub collector, and
 * small real-format ZTF alerts for the high-volume fault tests.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { createInterface } from "node:readline";
import { v1, type PubSub, type Subscription, type Topic } from "@google-cloud/pubsub";
import type { Storage } from "@google-cloud/storage";
import { Kafka, logLevel, type Admin, type Producer } from "kafkajs";
import { afterAll, beforeAll } from "vitest";
import { Alert } from "@pgb/broker-utils/alerts";
import { decodeSingleRecordContainer, encodeContainer } from "@pgb/broker-utils/avro";
import { uniqueName } from "../../support/names.js";
import { VM } from "@pgb/broker-utils/naming";
import { buildLocalVmBundle } from "@pgb/infra/local-bundle";
import { KAFKA_CLIENTS } from "../../../vm/consumer/src/kafka/port.js";
import { TEST_PROJECT } from "../../support/services.js";
import { readData } from "@pgb/test-data";

/** The consumer's VM bundle, as infra packages it, in a temporary folder. */
export const buildConsumerBundle = () => buildLocalVmBundle(VM.consumer);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The Kafka clients the consumer can use (KAFKA_CLIENT): every suite runs with each. */
export const CLIENTS = KAFKA_CLIENTS;

export type LogLine = Record<string, unknown> & { severity: string; message: string };

/** One run of the consumer program; stdout and stderr lines are parsed as JSON log lines. */
export class ConsumerProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  /** Lines that are not JSON (there should be none). */
  readonly raw: string[] = [];
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: { test: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];

  constructor(main: string, env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [main], { env, stdio: ["ignore", "pipe", "pipe"] });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      createInterface({ input: stream! }).on("line", (text) => this.onLine(text));
    }
    this.exit = new Promise((resolve) =>
      this.child.on("exit", (code, signal) => resolve({ code, signal })),
    );
  }

  private onLine(text: string): void {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      this.raw.push(text);
      return;
    }
    this.lines.push(line);
    this.waiters = this.waiters.filter((w) => {
      if (!w.test(line)) return true;
      w.resolve(line);
      return false;
    });
  }

  /** The first line (past or future) matching `test`; rejects on timeout or exit. */
  waitFor(test: (l: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> {
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`no matching consumer log line within ${timeoutMs} ms:\n${this.tail()}`),
          ),
        timeoutMs,
      );
      this.waiters.push({
        test,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
      void this.exit.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(
          new Error(`the consumer exited (code ${code}, signal ${signal}) first:\n${this.tail()}`),
        );
      });
    });
  }

  tail(n = 15): string {
    return [...this.lines.slice(-n).map((l) => JSON.stringify(l)), ...this.raw.slice(-5)].join(
      "\n",
    );
  }

  /** Sends a signal to this process only (by its PID). */
  signal(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

/** Restarts the program whenever it exits, like systemd's Restart=always (with a short RestartSec). */
export class Supervisor {
  current: ConsumerProcess;
  readonly runs: ConsumerProcess[] = [];
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(
    private readonly main: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly restartDelayMs = 100,
  ) {
    this.current = this.start();
    this.done = this.loop();
  }

  private start(): ConsumerProcess {
    const run = new ConsumerProcess(this.main, this.env);
    this.runs.push(run);
    return run;
  }

  private async loop(): Promise<void> {
    for (;;) {
      await this.current.exit;
      if (this.stopped) return;
      await new Promise((resolve) => setTimeout(resolve, this.restartDelayMs));
      await this.held;
      if (this.stopped) return;
      this.current = this.start();
    }
  }

  private held: Promise<void> | undefined;

  /** Freezes the current run (SIGSTOP) and holds restarts until the returned function is called. */
  freeze(): () => void {
    const run = this.current;
    let release: () => void = () => undefined;
    this.held = new Promise((resolve) => {
      release = resolve;
    });
    run.signal("SIGSTOP");
    return () => {
      run.signal("SIGCONT");
      this.held = undefined;
      release();
    };
  }

  /** Stops restarting and ends the current run with SIGTERM; resolves with its exit. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.stopped = true;
    this.current.signal("SIGTERM");
    const exit = await this.current.exit;
    await this.done;
    return exit;
  }

  /** SIGKILL of the current run (its PID only), for crash tests. */
  async kill(): Promise<void> {
    const run = this.current;
    run.signal("SIGKILL");
    await run.exit;
  }
}

/** The consumer's environment as the instance model sets it, plus the test's choices. */
export function consumerEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env["PATH"],
    ...Object.fromEntries(
      [
        "PUBSUB_EMULATOR_HOST",
        "STORAGE_EMULATOR_HOST",
        "METADATA_SERVER_DETECTION",
        "GCE_METADATA_HOST",
        "KAFKA_BOOTSTRAP_SERVERS",
      ].map((k) => [k, process.env[k]]),
    ),
    SURVEY: "ztf",
    TESTID: "test",
    GCP_PROJECT: TEST_PROJECT,
    GOOGLE_CLOUD_PROJECT: TEST_PROJECT,
    LOG_LEVEL: "INFO",
    KAFKA_SECURITY_PROTOCOL: "PLAINTEXT",
    KAFKA_CREDENTIALS_SECRET: "ztf-kafka-credentials-test",
    CONSUMER_TOPIC_POLL_SECONDS: "1",
    CONSUMER_STATS_SECONDS: "2",
    ...overrides,
  };
}

/**
 * What most consumer test files open first, for the current describe block: the VM bundle and a
 * connected Kafka admin and producer, opened before its tests; after them `cleanups` run in reverse,
 * then the kit closes.
 */
export interface ConsumerSuite {
  readonly main: string;
  readonly admin: Admin;
  readonly producer: Producer;
  readonly cleanups: (() => Promise<unknown>)[];
}

export function consumerSuite(kafka: Kafka): ConsumerSuite {
  let opened: { main: string; admin: Admin; producer: Producer } | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];
  const get = () => {
    if (opened === undefined) throw new Error("the consumer suite is used before beforeAll ran");
    return opened;
  };
  beforeAll(async () => {
    const bundle = await buildConsumerBundle();
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer();
    await producer.connect();
    opened = { main: bundle.main, admin, producer };
    cleanups.push(
      () => bundle.cleanup(),
      () => admin.disconnect(),
      () => producer.disconnect(),
    );
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });
  return {
    get main() {
      return get().main;
    },
    get admin() {
      return get().admin;
    },
    get producer() {
      return get().producer;
    },
    cleanups,
  };
}

/** A Pub/Sub topic with one pull subscription, and a bucket, deleted when the suite ends. */
export async function scratchResources(
  suite: ConsumerSuite,
  pubsub: PubSub,
  storage: Storage,
): Promise<{ topic: Topic; subscription: Subscription; bucket: string }> {
  const [topic] = await pubsub.createTopic(uniqueName("cons_alerts"));
  const [subscription] = await topic.createSubscription(uniqueName("cons_sub"));
  const bucket = uniqueName("cons_files");
  await storage.createBucket(bucket);
  suite.cleanups.push(
    () => subscription.delete(),
    () => topic.delete(),
    () =>
      storage
        .bucket(bucket)
        .deleteFiles({ force: true })
        .then(() => storage.bucket(bucket).delete()),
  );
  return { topic, subscription, bucket };
}

export function kafkaClient(bootstrap: string): Kafka {
  return new Kafka({
    clientId: "pgb-consumer-test",
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
  });
}

export interface Produced {
  partition: number;
  offset: string;
  value: Buffer;
}

/** The attributes the consumer must set: Kafka coordinates, and the ids when the alert decodes. */
export function expectedAttributes(
  survey: "ztf" | "lsst",
  topic: string,
  p: Produced,
  timestamp: string,
): Record<string, string> {
  const attributes: Record<string, string> = {
    "kafka.topic": topic,
    "kafka.partition": String(p.partition),
    "kafka.offset": p.offset,
    "kafka.timestamp": timestamp,
  };
  try {
    Object.assign(attributes, Alert.fromBytes(p.value, { survey }).streamAttributes());
  } catch {
    // published without ids
  }
  return attributes;
}

export interface ToProduce {
  partition: number;
  value: Buffer;
  key?: string;
  timestamp?: string;
}

/**
 * Sends values in order, each to its partition, in requests below Kafka's default 1 MB limit, and
 * returns each value's offset (in input order) from the broker's acknowledgements.
 */
export async function produce(
  producer: Producer,
  topic: string,
  messages: readonly ToProduce[],
): Promise<Produced[]> {
  const out: Produced[] = [];
  let chunk: number[] = [];
  let bytes = 0;
  const send = async (): Promise<void> => {
    if (chunk.length === 0) return;
    const indexes = chunk;
    chunk = [];
    bytes = 0;
    const metadata = await producer.send({
      topic,
      acks: -1,
      messages: indexes.map((i) => messages[i]!),
    });
    // within a request, a partition's messages get consecutive offsets in request order
    const next = new Map(metadata.map((r) => [r.partition, BigInt(r.baseOffset ?? "-1")]));
    for (const i of indexes) {
      const { partition, value } = messages[i]!;
      const offset = next.get(partition);
      if (offset === undefined || offset < 0n)
        throw new Error(`no offset for partition ${partition}`);
      out[i] = { partition, offset: offset.toString(), value };
      next.set(partition, offset + 1n);
    }
  };
  for (const [i, m] of messages.entries()) {
    if (bytes + m.value.length > 900_000) await send();
    chunk.push(i);
    bytes += m.value.length;
  }
  await send();
  return out;
}

/**
 * Produces `values` in the background at a steady pace (`perRound` every `pauseMs`, spread over
 * the partitions), so a stream spans the faults a test injects. A round that fails (the broker is
 * down) is sent again; only acknowledged offsets are recorded.
 */
export function streamInto(
  producer: Producer,
  topic: string,
  values: readonly Buffer[],
  options: { partitions: number; perRound: number; pauseMs: number },
): { produced: Produced[]; done: Promise<void> } {
  const produced: Produced[] = [];
  const done = (async () => {
    for (let i = 0; i < values.length; i += options.perRound) {
      const round = values
        .slice(i, i + options.perRound)
        .map((value, j) => ({ partition: (i + j) % options.partitions, value }));
      for (;;) {
        try {
          produced.push(...(await produce(producer, topic, round)));
          break;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
      await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  })();
  return { produced, done };
}

export interface Collected {
  /** SHA-256 of the data: high-volume tests compare hashes instead of keeping every copy. */
  sha: string;
  /** The data itself, when the collector keeps it. */
  data: Buffer | undefined;
  attributes: Record<string, string>;
}

/**
 * Pulls a subscription in the background, acknowledging, and keeps every delivery by its Kafka
 * coordinates (`partition/offset`); duplicates are kept too.
 *
 * Pulls return at once (returnImmediately): a pull that waits for messages and is cut by a client
 * deadline leaves the messages the server handed it leased until their ack deadline, which a
 * drain just before an emulator restart would miss.
 */
export class Collector {
  readonly byOffset = new Map<string, Collected[]>();
  deliveries = 0;
  readonly errors: string[] = [];
  private readonly markers = new Set<string>();
  private running = true;
  private lastMessageAt = Date.now();
  private readonly path: string;
  private readonly client: Promise<v1.SubscriberClient>;
  private readonly loop: Promise<void>;

  constructor(
    pubsub: PubSub,
    subscription: string,
    private readonly options: { keepData?: boolean } = {},
  ) {
    this.path = subscription.includes("/")
      ? subscription
      : `projects/${pubsub.projectId}/subscriptions/${subscription}`;
    this.client = pubsub
      .getClientConfig()
      .then(
        (config) =>
          new v1.SubscriberClient(config as ConstructorParameters<typeof v1.SubscriberClient>[0]),
      );
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const client = await this.client;
    while (this.running) {
      try {
        const [response] = await client.pull(
          { subscription: this.path, maxMessages: 1000, returnImmediately: true },
          { timeout: 30_000, retry: null },
        );
        const received = response.receivedMessages ?? [];
        if (received.length === 0) {
          await sleep(100);
          continue;
        }
        for (const rm of received) this.add(rm.message ?? {});
        this.lastMessageAt = Date.now();
        await client.acknowledge({
          subscription: this.path,
          ackIds: received.map((rm) => rm.ackId ?? ""),
        });
      } catch (err) {
        // the emulator is being restarted, or an ack was lost (the message comes again): go on
        this.errors.push((err as Error).message);
        await sleep(200);
      }
    }
  }

  private add(m: {
    data?: Uint8Array | string | null;
    attributes?: Record<string, string> | null;
  }): void {
    const attributes = { ...(m.attributes ?? {}) };
    const marker = attributes["test.marker"];
    if (marker !== undefined) {
      this.markers.add(marker);
      return;
    }
    const data = Buffer.from(m.data ?? new Uint8Array());
    this.deliveries++;
    const key = `${attributes["kafka.partition"]}/${attributes["kafka.offset"]}`;
    const list = this.byOffset.get(key) ?? [];
    list.push({ sha: sha256(data), data: this.options.keepData ? data : undefined, attributes });
    this.byOffset.set(key, list);
  }

  /**
   * Waits until nothing arrived for `quietMs` (everything published so far is in) and, if given,
   * `marker` (a message with attribute test.marker) has arrived.
   */
  async drain(quietMs = 1500, marker?: string): Promise<void> {
    while (
      Date.now() - this.lastMessageAt < quietMs ||
      (marker !== undefined && !this.markers.has(marker))
    ) {
      await sleep(100);
    }
  }

  async waitFor(keys: readonly string[], timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const missing = keys.filter((k) => !this.byOffset.has(k));
      if (missing.length === 0 || Date.now() > deadline) return missing;
      await sleep(200);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await (await this.client).close();
  }
}

export function offsetKey(p: { partition: number; offset: string }): string {
  return `${p.partition}/${p.offset}`;
}

export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * `n` small real-format ZTF alerts (~28 KB: the v4.02 sample without cutouts and history, the full
 * writer schema in each container as ZTF sends it), each with its own candid.
 */
export function smallZtfAlerts(n: number): { value: Buffer; candid: string }[] {
  const sample = readData("ztf/alerts/v4.02/2695378462115010012.avro");
  const { header, schema, record } = decodeSingleRecordContainer(sample);
  const base = record as Record<string, unknown>;
  const out: { value: Buffer; candid: string }[] = [];
  for (let i = 0; i < n; i++) {
    const candid = 3_000_000_000_000_000_000n + BigInt(i);
    const alert = {
      ...base,
      candid,
      candidate: { ...(base["candidate"] as Record<string, unknown>), candid },
      prv_candidates: null,
      cutoutScience: null,
      cutoutTemplate: null,
      cutoutDifference: null,
    };
    out.push({
      value: encodeContainer(header.schemaText, schema, [alert]),
      candid: candid.toString(),
    });
  }
  return out;
}
