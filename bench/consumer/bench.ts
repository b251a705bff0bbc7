/**
 * Consumer benchmark: real ZTF alerts (the 53 samples of test/data, ~57–91 KB, cycled) from a
 * local Kafka broker to the Pub/Sub emulator, on a private set of local servers (own state dir and
 * ports; the shared ones serve tests). Phases, in one run so the ratios share the machine's state:
 *
 *  1. load:          N alerts produced into a topic of P partitions (once; every phase reads it);
 *  2. consume-only:  each Kafka client of the consumer (its reader, kafka/port.ts, with the
 *                    consumer's fetch sizes) reads the N alerts and does nothing, in this process,
 *                    after one unmeasured read with each (page cache, JIT);
 *  3. publish-only:  the N values published from memory with the consumer's publisher settings,
 *                    attributes and outstanding limit (the consumer's defaults);
 *  4. consumer:      the consumer program (the VM bundle) end to end, as a child process, once
 *                    with each Kafka client (KAFKA_CLIENT);
 *  5. connector:     Google's CloudPubSubConnector on Kafka Connect standalone (see connect.ts:
 *                    the connector as shipped cannot reach the emulator; its error is reported,
 *                    and the measured run gives its tasks a plaintext publisher).
 *
 * The emulator is restarted before each publishing phase (it keeps what it received in memory) and
 * warmed up with 20,000 alerts on a throwaway topic, so that every phase meets a JIT-compiled
 * emulator, as a program meets Pub/Sub. No subscription is attached, so it drops what it accepts; every publishing phase is alike.
 * Every rate is a steady-state rate: it leaves out the first 5,000 alerts of its phase (JIT warm-up
 * of the program and its clients, group join) and is taken over the other 45,000 (runs under 20,000
 * alerts leave nothing out). End-to-end rates
 * come from the group's committed offsets (both programs commit every second after their publishes
 * were acknowledged): offsets committed between the first commit observed at or past 5,000 and the
 * last, over that time. Ratios: (a) consumer / min(consume-only, publish-only),
 * (b) consumer / connector. Each phase also reports the CPU time Kafka, the emulator, the bench and
 * the program under test spent on it, per alert: on a 2-core machine the servers and the program
 * share the cores, so CPU per alert is what a faster program has to lower. From those, two more
 * figures per client: the shared-cores estimate, the rate at which the machine's cores are used up
 * by the CPU the two limit phases spent per alert together (the client reading and Kafka serving,
 * plus the publisher and the emulator): about what a consumer made of those same parts can reach
 * end to end here (an estimate, not a bound: the CPU is that of whole phases, start-up included,
 * while the rates are steady-state ones); and the consumer's own work, its CPU per alert less what
 * the bench spent reading (consume-only) and publishing (publish-only) the same alerts.
 *
 * Run (bounded, low priority; the machine is shared):
 *   nice -n 10 npx tsx --conditions=source bench/consumer/bench.ts [--messages 50000] [--partitions 4] [--no-connector]
 *     [--clients kafkajs,platformatic] [--decode-off-phase] [--cpu-prof DIR] [--consumer-log FILE]
 *     [--node-args "--trace-gc"]
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Kafka, logLevel, type Admin } from "kafkajs";
import { Alert } from "@pgb/broker-utils/alerts";
import { createPublisher, pubsubClient } from "@pgb/broker-utils/gcp";
import { createLogger } from "@pgb/broker-utils/log";
import { VM } from "@pgb/broker-utils/naming";
import { buildLocalVmBundle } from "@pgb/infra/local-bundle";
import {
  defaultCacheDir,
  ensureServices,
  freeServerPorts,
  restartService,
  serviceEnv,
  servicesDown,
  servicesStatus,
  type ServicesOptions,
} from "@pgb/local";
import {
  FETCH,
  KAFKA_CLIENTS,
  kafkaReader,
  OUTSTANDING_DEFAULTS,
  PUBLISHER_OPTIONS,
  type KafkaClientName,
} from "@pgb/vm-consumer/lib";
import { CpuMeter } from "../support/cpu.js";
import { installConnect, probeUnmodified, startConnect } from "./connect.js";
import { reportOf, type CpuPerAlert, type Phase, type ProgramPhase, type Rate } from "./report.js";

const { values: args } = parseArgs({
  options: {
    messages: { type: "string", default: "50000" },
    partitions: { type: "string", default: "4" },
    "no-connector": { type: "boolean", default: false },
    /** The Kafka clients to measure (consume-only and the consumer with each). */
    clients: { type: "string", default: KAFKA_CLIENTS.join(",") },
    /** Also run the consumer with CONSUMER_DECODE=false, to show what decoding the ids costs. */
    "decode-off-phase": { type: "boolean", default: false },
    /** Write CPU profiles of the consumer's threads (node --cpu-prof) into this directory. */
    "cpu-prof": { type: "string" },
    /** Write the consumer's log (JSON lines, with its stats every 5 s) to this file. */
    "consumer-log": { type: "string" },
    /** More node options for the consumer, e.g. "--trace-gc" (its lines land in the log). */
    "node-args": { type: "string" },
  },
});
const N = Number(args.messages);
const PARTITIONS = Number(args.partitions);
const PROJECT = "pgb-bench";
/** The consumer's defaults. */
const MAX_OUTSTANDING = OUTSTANDING_DEFAULTS;
/** The repository's ZTF sample alerts (test/data/README.md gives their origin). */
const ALERT_DIR = fileURLToPath(new URL("../../test/data/ztf/alerts/", import.meta.url));
const CLIENTS = (args.clients ?? "").split(",").map((name): KafkaClientName => {
  if (!(KAFKA_CLIENTS as readonly string[]).includes(name)) {
    throw new Error(`--clients ${args.clients}: ${name} is not one of ${KAFKA_CLIENTS.join(", ")}`);
  }
  return name as KafkaClientName;
});
/** Alerts at the start of each phase left out of its rate (the program's own warm-up). */
const WARM_UP = 5000;
/**
 * Alerts published into each new emulator before a measured phase: its JVM needs ~20,000 to reach
 * full speed (with 5,000, publish latency stayed ~0.5 s for the next ~15,000).
 */
const EMULATOR_WARM_UP = 20_000;
/** What each rate leaves out: WARM_UP, or nothing in a run too short to spare it. */
const SKIP = N >= 4 * WARM_UP ? WARM_UP : 0;

const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => bytes / 1e6;

function ztfSamples(): Buffer[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir).sort()) {
      const path = join(dir, e);
      if (statSync(path).isDirectory()) walk(path);
      else if (e.endsWith(".avro")) out.push(path);
    }
  };
  walk(ALERT_DIR);
  return out.map((f) => readFileSync(f));
}

/** Peak resident set of a process (VmHWM), MB. */
function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return Math.round(kb / 1024);
}

/** Produces N values cycling the samples, one sender per partition, below Kafka's 1 MB request limit. */
async function load(
  kafka: Kafka,
  topic: string,
  samples: Buffer[],
): Promise<{ bytes: number; seconds: number }> {
  const producer = kafka.producer();
  await producer.connect();
  const t0 = performance.now();
  let bytes = 0;
  await Promise.all(
    Array.from({ length: PARTITIONS }, async (_, partition) => {
      let batch: { value: Buffer; partition: number }[] = [];
      let batchBytes = 0;
      for (let i = partition; i < N; i += PARTITIONS) {
        const value = samples[i % samples.length]!;
        if (batchBytes + value.length > 900_000) {
          await producer.send({ topic, acks: 1, messages: batch });
          batch = [];
          batchBytes = 0;
        }
        batch.push({ value, partition });
        batchBytes += value.length;
        bytes += value.length;
      }
      if (batch.length > 0) await producer.send({ topic, acks: 1, messages: batch });
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await producer.disconnect();
  return { bytes, seconds };
}

/** Meters Kafka, the emulator and this process (the child processes are added by the phase). */
async function serverMeter(options: ServicesOptions, extra: Record<string, number> = {}) {
  const pids = Object.fromEntries(
    (await servicesStatus(options))
      .filter((s) => s.name !== "storage" && s.pids[0] !== undefined)
      .map((s) => [s.name, s.pids[0]!]),
  );
  const meter = new CpuMeter({ ...pids, ...extra });
  const self = process.cpuUsage();
  return (): CpuPerAlert => {
    const used = process.cpuUsage(self);
    const seconds: Record<string, number> = {
      ...meter.read(),
      bench: (used.user + used.system) / 1e6,
    };
    return Object.fromEntries(
      Object.entries(seconds).map(([name, s]) => [name, Math.round((s * 1e6) / N) / 1000]),
    );
  };
}

function rate(messages: number, bytes: number, seconds: number): Rate {
  return {
    messages,
    seconds: Math.round(seconds * 10) / 10,
    perSecond: Math.round(messages / seconds),
    megabytesPerSecond: Math.round((mb(bytes) / seconds) * 10) / 10,
  };
}

/** The client's reader, as the consumer runs it, reads the topic and does nothing with it. */
async function consumeOnly(
  client: KafkaClientName,
  bootstrap: string,
  topic: string,
): Promise<Rate> {
  const reader = await kafkaReader(client, {
    clientId: "pgb-bench",
    brokers: [bootstrap],
    security: {},
    groupId: `bench-consume-only-${client}-${Date.now()}`,
    sessionTimeoutMs: 30_000,
    fetch: FETCH,
    log: createLogger({ bench: "consume-only" }, { sink: (line) => log(line), level: "WARNING" }),
  });
  let count = 0;
  let bytes = 0;
  let first: { t: number; count: number; bytes: number } | undefined;
  let last = 0;
  let failed: (err: Error) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    failed = reject;
    void reader.start(topic, {
      accepting: () => count < N,
      record: (_topic, _partition, record) => {
        bytes += record.value?.length ?? 0;
        count++;
        if (first === undefined && count > SKIP) first = { t: performance.now(), count, bytes };
        if (count === N) {
          last = performance.now();
          resolve();
        }
      },
      handed: () => undefined,
      joined: () => undefined,
      failed: (err) => failed(err),
    });
  });
  await done;
  await reader.close();
  return rate(count - first!.count, bytes - first!.bytes, (last - first!.t) / 1000);
}

async function publishOnly(
  topic: string,
  samples: Buffer[],
  attributes: Record<string, string>[],
  count = N,
): Promise<Rate> {
  const pubsub = pubsubClient(PROJECT);
  await pubsub.createTopic(topic);
  const publisher = createPublisher(pubsub, topic, PUBLISHER_OPTIONS);
  let outstanding = 0;
  let outstandingBytes = 0;
  let wake: (() => void) | undefined;
  let bytes = 0;
  let acknowledged = 0;
  let acknowledgedBytes = 0;
  // the rate is taken from the SKIP-th acknowledgement on
  const skip = count > SKIP ? SKIP : 0;
  let first = { t: performance.now(), count: 0, bytes: 0 };
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    while (outstanding >= MAX_OUTSTANDING.messages || outstandingBytes >= MAX_OUTSTANDING.bytes) {
      await new Promise<void>((resolve) => (wake = resolve));
    }
    const value = samples[i % samples.length]!;
    outstanding++;
    outstandingBytes += value.length;
    bytes += value.length;
    const p = publisher
      .publish(value, {
        "kafka.topic": "bench",
        "kafka.partition": String(i % PARTITIONS),
        "kafka.offset": String(Math.floor(i / PARTITIONS)),
        "kafka.timestamp": String(Date.now()),
        ...attributes[i % samples.length],
      })
      .then(() => {
        outstanding--;
        outstandingBytes -= value.length;
        acknowledged++;
        acknowledgedBytes += value.length;
        if (acknowledged === skip) {
          first = { t: performance.now(), count: acknowledged, bytes: acknowledgedBytes };
        }
        // like the consumer, wait until half the window is free
        if (outstanding <= MAX_OUTSTANDING.messages / 2) wake?.();
      });
    pending.push(p);
    if (pending.length > 5000) await Promise.all(pending.splice(0, 2500));
  }
  await Promise.all(pending);
  const seconds = (performance.now() - first.t) / 1000;
  await pubsub.topic(topic).delete();
  await pubsub.close();
  return rate(count - first.count, bytes - first.bytes, seconds);
}

/** Polls a group's committed offsets until they reach the end of every partition. */
async function watchCommits(
  admin: Admin,
  groupId: string,
  topic: string,
  total: number,
  timeoutMs: number,
): Promise<{ first: { t: number; n: number }; last: { t: number; n: number } }> {
  const deadline = Date.now() + timeoutMs;
  let first: { t: number; n: number } | undefined;
  for (;;) {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const n = (offsets?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
    const t = performance.now();
    if (n > SKIP && first === undefined) first = { t, n };
    if (n >= total && first !== undefined) return { first, last: { t, n } };
    if (Date.now() > deadline)
      throw new Error(`${groupId}: ${n} of ${total} committed after ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

function commitRate(
  w: { first: { t: number; n: number }; last: { t: number; n: number } },
  meanBytes: number,
): Rate {
  const messages = w.last.n - w.first.n;
  return rate(messages, messages * meanBytes, (w.last.t - w.first.t) / 1000);
}

/** The consumer program (VM bundle) from the start of the topic until everything is committed. */
async function consumerPhase(o: {
  options: ServicesOptions;
  env: Record<string, string>;
  admin: Admin;
  topic: string;
  meanBytes: number;
  decode: boolean;
  client: KafkaClientName;
}): Promise<ProgramPhase> {
  const bundle = await buildLocalVmBundle(VM.consumer);
  const alertsTopic = `bench-consumer-${Date.now()}`;
  const pubsub = pubsubClient(PROJECT);
  await pubsub.createTopic(alertsTopic);
  await pubsub.close();
  const groupId = `bench-consumer-${Date.now()}`;
  const nodeArgs = [
    ...(args["cpu-prof"] ? ["--cpu-prof", "--cpu-prof-dir", join(args["cpu-prof"], o.client)] : []),
    ...(args["node-args"]?.split(" ").filter(Boolean) ?? []),
  ];
  const child = spawn(process.execPath, [...nodeArgs, bundle.main], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env["PATH"],
      ...o.env,
      SURVEY: "ztf",
      TESTID: "bench",
      GCP_PROJECT: PROJECT,
      LOG_LEVEL: "INFO",
      BROKER_FILES_BUCKET: "bench-no-bucket",
      ALERTS_TOPIC: alertsTopic,
      KAFKA_SECURITY_PROTOCOL: "PLAINTEXT",
      KAFKA_CREDENTIALS_SECRET: "unused",
      KAFKA_GROUP_ID: groupId,
      KAFKA_TOPIC: o.topic,
      CONSUMER_STATS_SECONDS: "5",
      CONSUMER_DECODE: String(o.decode),
      KAFKA_CLIENT: o.client,
    },
  });
  const lines: Record<string, unknown>[] = [];
  let partial = "";
  child.stdout.on("data", (d: Buffer) => {
    const parts = (partial + d.toString()).split("\n");
    partial = parts.pop() ?? "";
    // a line that is not JSON (node's --trace-gc, say) is kept as text
    for (const p of parts)
      lines.push(p.startsWith("{") ? (JSON.parse(p) as Record<string, unknown>) : { text: p });
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const cpu = await serverMeter(o.options, { consumer: child.pid! });
  try {
    const commits = await watchCommits(o.admin, groupId, o.topic, N, 900_000);
    const rssMb = peakRssMb(child.pid!);
    const cpuPerAlert = cpu();
    const windows = lines
      .filter((l) => l["message"] === "stats" && Number(l["alerts"]) > 0)
      .map((l) => l["publishLatencyMs"] as { p50: number; p99: number });
    const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1] ?? null;
    if (stderr.trim() !== "") log(`consumer stderr:\n${stderr.slice(0, 2000)}`);
    if (args["consumer-log"]) {
      writeFileSync(
        `${args["consumer-log"]}.${o.client}`,
        lines.map((l) => JSON.stringify(l) + "\n").join(""),
      );
    }
    return {
      rate: commitRate(commits, o.meanBytes),
      rssMb,
      cpu: cpuPerAlert,
      latency: { p50: median(windows.map((w) => w.p50)), p99: median(windows.map((w) => w.p99)) },
    };
  } finally {
    child.kill("SIGTERM");
    await exited;
    await bundle.cleanup();
  }
}

/** The bench's runs in order, each measured and printed as it ends (hence its length). */
async function main(): Promise<void> {
  const started = new Date();
  const loadAtStart = loadavg();
  const cacheDir = defaultCacheDir();
  const stateDir = await mkdtemp(join(tmpdir(), "pgb-bench-consumer-"));
  const workDir = join(stateDir, "work");
  const options: ServicesOptions = {
    stateDir,
    services: ["kafka", "pubsub", "storage"],
    ports: await freeServerPorts(["kafka", "pubsub", "storage"]),
    progress: log,
  };
  const cleanup = async () => {
    await servicesDown(options).catch((err: unknown) =>
      log(`stopping the servers: ${String(err)}`),
    );
    await rm(stateDir, { recursive: true, force: true });
  };
  process.once("SIGINT", () => void cleanup().then(() => process.exit(130)));
  try {
    const { endpoints } = await ensureServices(options);
    const env = { ...serviceEnv(endpoints), GOOGLE_CLOUD_PROJECT: PROJECT };
    Object.assign(process.env, env);
    const kafka = new Kafka({
      clientId: "pgb-bench",
      brokers: [endpoints.kafkaBootstrap],
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();

    const samples = ztfSamples();
    const attributes = samples.map((s) => {
      const a = Alert.fromBytes(s, { survey: "ztf" });
      return { objectId: a.objectId, sourceId: a.sourceId, schemaVersion: a.schemaVersion ?? "" };
    });
    const topic = `bench_ztf_${Date.now()}`;
    await admin.createTopics({
      topics: [{ topic, numPartitions: PARTITIONS }],
      waitForLeaders: true,
    });
    log(`loading ${N} ZTF alerts into ${PARTITIONS} partitions …`);
    const loaded = await load(kafka, topic, samples);
    const meanBytes = loaded.bytes / N;
    log(`loaded ${mb(loaded.bytes).toFixed(0)} MB in ${loaded.seconds.toFixed(1)} s`);

    // one unmeasured read with each client first: the first read of the topic also pulls it into
    // the page cache and JIT-compiles the bench, which would count against whichever came first
    for (const client of CLIENTS) {
      log(`consume-only warm-up (${client}) …`);
      await consumeOnly(client, endpoints.kafkaBootstrap, topic);
    }
    const consumeOnlyPhases: Record<string, Phase> = {};
    for (const client of CLIENTS) {
      log(`consume-only (${client}) …`);
      const cpu = await serverMeter(options);
      const r = await consumeOnly(client, endpoints.kafkaBootstrap, topic);
      consumeOnlyPhases[client] = { rate: r, cpu: cpu() };
      log(`consume-only (${client}): ${r.perSecond}/s`);
    }

    /** A new emulator for a measured phase, warmed up on a topic of its own. */
    const freshEmulator = async (): Promise<void> => {
      await restartService("pubsub", options);
      await publishOnly(`bench-warm-up-${Date.now()}`, samples, attributes, EMULATOR_WARM_UP);
    };

    await freshEmulator();
    log("publish-only (Pub/Sub client into the emulator) …");
    const publishCpu = await serverMeter(options);
    const publishRate = await publishOnly(`bench-publish-only-${Date.now()}`, samples, attributes);
    const publish: Phase = { rate: publishRate, cpu: publishCpu() };
    log(`publish-only: ${publishRate.perSecond}/s`);

    const runConsumer = async (client: KafkaClientName, decode: boolean) => {
      await freshEmulator();
      log(`consumer end to end with ${client} (decoding ${decode ? "on" : "off"}) …`);
      const r = await consumerPhase({ options, env, admin, topic, meanBytes, decode, client });
      log(`consumer (${client}): ${r.rate.perSecond}/s, peak RSS ${r.rssMb} MB`);
      return r;
    };
    const consumers: Record<string, ProgramPhase> = {};
    for (const client of CLIENTS) consumers[client] = await runConsumer(client, true);
    const consumerNoDecode = args["decode-off-phase"]
      ? await runConsumer(CLIENTS[0]!, false)
      : undefined;

    let connector: ProgramPhase | undefined;
    let unmodified: { config: string; error: string } | undefined;
    if (!args["no-connector"]) {
      const install = await installConnect(cacheDir, log);
      await restartService("pubsub", options);
      const common = {
        install,
        workDir,
        bootstrap: endpoints.kafkaBootstrap,
        kafkaTopic: topic,
        project: PROJECT,
        pubsubHost: endpoints.pubsubHost,
        maxOutstandingMessages: MAX_OUTSTANDING.messages,
        maxOutstandingBytes: MAX_OUTSTANDING.bytes,
      };
      const probeTopic = `bench-unmodified-${Date.now()}`;
      const ps = pubsubClient(PROJECT);
      await ps.createTopic(probeTopic);
      log("the connector as shipped, pointed at the emulator …");
      unmodified = await probeUnmodified({ ...common, pubsubTopic: probeTopic });
      log(`unmodified connector: ${unmodified.error.split("\n")[0]}`);

      await freshEmulator();
      const connectTopic = `bench-connector-${Date.now()}`;
      const ps2 = pubsubClient(PROJECT);
      await ps2.createTopic(connectTopic);
      await ps.close();
      await ps2.close();
      log("connector (emulator shim) end to end …");
      const run = await startConnect({
        ...common,
        name: `cps-bench-${Date.now()}`,
        connectorClass: "pgb.bench.EmulatorCloudPubSubSinkConnector",
        pubsubTopic: connectTopic,
      });
      const cpu = await serverMeter(options, { connector: run.child.pid! });
      try {
        const w = await watchCommits(admin, run.groupId, topic, N, 900_000);
        connector = {
          rate: commitRate(w, meanBytes),
          rssMb: peakRssMb(run.child.pid!),
          cpu: cpu(),
        };
      } finally {
        await run.stop();
      }
      log(`connector: ${connector.rate.perSecond}/s, peak RSS ${connector.rssMb} MB`);
    }
    await admin.disconnect();

    const report = reportOf({
      started,
      loadAtStart,
      messages: N,
      partitions: PARTITIONS,
      loaded,
      consumeOnly: consumeOnlyPhases,
      publishOnly: publish,
      consumers,
      consumerNoDecode,
      connector,
      unmodified,
    });
    console.log(report.text);
    console.log(JSON.stringify(report.json));
  } finally {
    await cleanup();
  }
}

await main();
