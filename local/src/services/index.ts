/**
 * The four local servers of a local instance and of the integration tests: Kafka, the Pub/Sub
 * emulator, a Cloud Storage emulator and a BigQuery emulator. Each listens on 127.0.0.1 only, is
 * installed once into a cache outside the repository (PGB_CACHE_DIR, default ~/.cache/pgb), runs
 * detached with its log in <cache>/state/logs, and is recorded by PID in <cache>/state so any later
 * process (the CLI, a test run) can reuse or stop it. Only recorded processes are ever stopped.
 */
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { bigqueryDriver } from "./bigquery.js";
import {
  internalPort,
  portVariable,
  resolveConfig,
  type ResolvedConfig,
  type ServiceName,
  type ServicesOptions,
  type StorageNotification,
} from "./config.js";
import type { ServiceDriver } from "./driver.js";
import { kafkaDriver } from "./kafka.js";
import {
  isLocked,
  isOurProcess,
  portOpen,
  readRecord,
  removeRecord,
  StartError,
  stopProcesses,
  withLock,
  writeRecord,
  liveLeases,
  writeLease,
  type ServiceRecord,
  type StartedFor,
} from "./process.js";
import { pubsubDriver } from "./pubsub.js";
import { storageDriver } from "./storage.js";

export {
  DEFAULT_PORTS,
  INTERNAL_PORT_OFFSET,
  defaultCacheDir,
  parseServiceNames,
  SERVICE_NAMES,
  ServiceConfigError,
  type ServiceName,
  type ServicesOptions,
  type StorageEventName,
  type StorageNotification,
} from "./config.js";
export { freePort, freePortPair, freeServerPorts } from "./ports.js";
export { PrerequisiteError } from "./prereq.js";
export { StartError } from "./process.js";

export interface ServiceEndpoints {
  /** host:port, e.g. "127.0.0.1:9092" */
  kafkaBootstrap: string;
  /** host:port, e.g. "127.0.0.1:8085" (PUBSUB_EMULATOR_HOST) */
  pubsubHost: string;
  /** URL, e.g. "http://127.0.0.1:4443" (STORAGE_EMULATOR_HOST) */
  storageHost: string;
  /**
   * URL, e.g. "http://127.0.0.1:9050/bigquery/v2" (BIGQUERY_EMULATOR_HOST): @google-cloud/bigquery
   * uses the variable verbatim as its base URL, and bqemulator serves the API under /bigquery/v2.
   */
  bigqueryHost: string;
}

export type ServiceState = "healthy" | "unhealthy" | "stopped" | "port-busy";

export interface ServiceStatus {
  name: ServiceName;
  state: ServiceState;
  /** PIDs of the recorded processes (empty when stopped). */
  pids: number[];
  port: number;
  endpoint: string;
  version: string;
  installed: boolean;
  startedAt?: string;
  log: string;
  storageNotification?: StorageNotification;
}

export interface ServicesDownOptions extends ServicesOptions {
  /** Also delete the servers' data (Kafka topics, stored objects, BigQuery tables). */
  purge?: boolean;
}

/** What an `up` did: the endpoints, and which servers it started versus found running. */
export interface ServicesUpResult {
  endpoints: ServiceEndpoints;
  started: ServiceName[];
  reused: ServiceName[];
}

const DRIVERS: Readonly<Record<ServiceName, ServiceDriver>> = {
  kafka: kafkaDriver,
  pubsub: pubsubDriver,
  storage: storageDriver,
  bigquery: bigqueryDriver,
};

function endpointsOf(config: ResolvedConfig): ServiceEndpoints {
  return {
    kafkaBootstrap: kafkaDriver.endpoint(config.ports.kafka),
    pubsubHost: pubsubDriver.endpoint(config.ports.pubsub),
    storageHost: storageDriver.endpoint(config.ports.storage),
    bigqueryHost: bigqueryDriver.endpoint(config.ports.bigquery),
  };
}

/** The endpoints the options resolve to, without starting anything. */
export function serviceEndpoints(opts: ServicesOptions = {}): ServiceEndpoints {
  return endpointsOf(resolveConfig(opts));
}

/** Environment for a process that uses the servers (Google clients, kafkajs, the broker). */
export function serviceEnv(e: ServiceEndpoints): Record<string, string> {
  return {
    PUBSUB_EMULATOR_HOST: e.pubsubHost,
    STORAGE_EMULATOR_HOST: e.storageHost,
    BIGQUERY_EMULATOR_HOST: e.bigqueryHost,
    KAFKA_BOOTSTRAP_SERVERS: e.kafkaBootstrap,
    METADATA_SERVER_DETECTION: "none",
    GCE_METADATA_HOST: "127.0.0.1:1",
  };
}

/**
 * Runs make() (typically a Google client constructor) with `env` added to the process environment,
 * then restores it: the clients read their emulator hosts when constructed.
 */
export function withEnv<T>(env: Record<string, string>, make: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return make();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** The API root of the BigQuery emulator: bigqueryHost without the `/bigquery/v2` path. */
export function bigqueryApiEndpoint(e: ServiceEndpoints): string {
  return e.bigqueryHost.replace(/\/bigquery\/v2\/?$/, "");
}

/**
 * Environment for Google's Python clients (google-cloud-pubsub, -storage, -bigquery; pittgoogle):
 * Pub/Sub and Storage read their emulator variables; google-cloud-bigquery reads none, and adds
 * `/bigquery/v2` to its `api_endpoint` itself, so it gets the bare root in PGB_BIGQUERY_API_ENDPOINT
 * (docs/python.md). No metadata-server lookups: the clients are given AnonymousCredentials.
 */
export function pythonEnv(e: ServiceEndpoints, project: string): Record<string, string> {
  return {
    PUBSUB_EMULATOR_HOST: e.pubsubHost,
    STORAGE_EMULATOR_HOST: e.storageHost,
    PGB_BIGQUERY_API_ENDPOINT: bigqueryApiEndpoint(e),
    GOOGLE_CLOUD_PROJECT: project,
    GCE_METADATA_HOST: "127.0.0.1:1",
    GCE_METADATA_IP: "127.0.0.1:1",
  };
}

/** The Python lines that use pythonEnv, printed as comments by `pgb local env --python`. */
export const PYTHON_CLIENT_LINES = [
  "from google.auth.credentials import AnonymousCredentials",
  "from google.cloud import bigquery, pubsub_v1, storage",
  "import os, pittgoogle",
  "creds, project = AnonymousCredentials(), os.environ['GOOGLE_CLOUD_PROJECT']",
  "bq = bigquery.Client(project=project, credentials=creds,",
  "                     client_options={'api_endpoint': os.environ['PGB_BIGQUERY_API_ENDPOINT']})",
  "gcs = storage.Client(project=project, credentials=creds)",
  "# pittgoogle asks for credentials unless it is handed a client:",
  "sub = pittgoogle.Subscription('<subscription>', client=pubsub_v1.SubscriberClient(),",
  "                              auth=pittgoogle.Auth(GOOGLE_CLOUD_PROJECT=project), schema_name='ztf')",
];

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

async function installOne(config: ResolvedConfig, name: ServiceName): Promise<void> {
  const driver = DRIVERS[name];
  if (await driver.installed(config)) return;
  const t0 = Date.now();
  config.progress(`${name}: installing into ${config.cacheDir} …`);
  await driver.install(config);
  config.progress(`${name}: installed ${await driver.version(config)} in ${seconds(t0)}`);
}

/** Runs fn for every name in parallel and reports every failure, not only the first. */
async function forEach(
  names: readonly ServiceName[],
  fn: (name: ServiceName) => Promise<void>,
): Promise<void> {
  const results = await Promise.allSettled(names.map(fn));
  const failures = results.flatMap((r, i) =>
    r.status === "rejected"
      ? [`${names[i]}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`]
      : [],
  );
  if (failures.length === 1) throw new StartError(failures[0]);
  if (failures.length > 1) throw new StartError(failures.join("\n"));
}

/** Installs the servers into the cache (idempotent: a complete install is skipped at once). */
export async function installServices(opts: ServicesOptions = {}): Promise<void> {
  const config = resolveConfig(opts);
  await forEach(config.services, (name) =>
    withLock(config.stateDir, name, () => installOne(config, name)),
  );
}

function recordAlive(record: ServiceRecord): boolean {
  return record.processes.every((p) => isOurProcess(p.pid, p.marker));
}

function sameNotification(a: StorageNotification | undefined, b: StorageNotification | undefined) {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

async function assertPortsFree(config: ResolvedConfig, name: ServiceName): Promise<void> {
  const ports = [config.ports[name], internalPort(config, name)].filter(
    (p, i, all) => all.indexOf(p) === i,
  );
  for (const port of ports) {
    if (await portOpen(port)) {
      const which = port === config.ports[name] ? "its port" : "its internal port";
      throw new StartError(
        `${which} 127.0.0.1:${port} is in use by a process pgb did not start; stop that ` +
          `process or choose another port (${portVariable(name)} or --${name}-port)`,
      );
    }
  }
}

function pidList(record: ServiceRecord): string {
  return record.processes.map((p) => p.pid).join(", ");
}

/**
 * Health of a running server, asked again for a while before it is called unhealthy: a busy
 * machine can make one check time out, and an unhealthy verdict restarts a server others may use.
 */
async function healthyWithin(
  config: ResolvedConfig,
  name: ServiceName,
  port: number,
  ms: number,
): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await DRIVERS[name].healthy(config, port)) return true;
    if (Date.now() > deadline) return false;
    await sleep(500);
  }
}

async function stopRecorded(config: ResolvedConfig, record: ServiceRecord): Promise<void> {
  await stopProcesses(record.processes);
  await removeRecord(config.stateDir, record.name);
}

async function startOne(
  config: ResolvedConfig,
  name: ServiceName,
  storageNotification: StorageNotification | undefined,
  startedFor: StartedFor,
): Promise<ServiceRecord> {
  await installOne(config, name);
  await assertPortsFree(config, name);
  const t0 = Date.now();
  const port = config.ports[name];
  config.progress(`${name}: starting on 127.0.0.1:${port} …`);
  const record: ServiceRecord = {
    ...(await DRIVERS[name].start(config, {
      port,
      pubsubHost: pubsubDriver.endpoint(config.ports.pubsub),
      ...(storageNotification ? { storageNotification } : {}),
    })),
    startedFor,
  };
  await writeRecord(config.stateDir, record);
  config.progress(`${name}: ready in ${seconds(t0)} (PID ${pidList(record)}, log ${record.log})`);
  return record;
}

/**
 * Makes one server run healthy on the configured port: reuses a recorded healthy one, replaces a
 * recorded one that is unhealthy or has another storage topic, starts one otherwise.
 */
async function ensureOne(
  config: ResolvedConfig,
  name: ServiceName,
  startedFor: StartedFor,
): Promise<"started" | "reused"> {
  return withLock(config.stateDir, name, async () => {
    const port = config.ports[name];
    const wanted = config.storageNotification;
    let notification = wanted ?? undefined;
    const record = await readRecord(config.stateDir, name);
    if (record && recordAlive(record)) {
      if (record.port !== port) {
        throw new StartError(
          `already running on port ${record.port} (PID ${pidList(record)}), not ${port}: ` +
            `use that port, or stop it first (pgb services down ${name})`,
        );
      }
      const healthy = await healthyWithin(config, name, port, 10_000);
      const topicChange =
        name === "storage" &&
        wanted !== undefined &&
        !sameNotification(record.storageNotification, wanted ?? undefined);
      if (healthy && !topicChange) {
        config.progress(`${name}: already running on 127.0.0.1:${port} (reused)`);
        // a user's `up` adopts a server a test run started, so the run's end no longer stops it
        if (startedFor === "user" && record.startedFor !== "user") {
          await writeRecord(config.stateDir, { ...record, startedFor });
        }
        return "reused";
      }
      if (wanted === undefined) notification = record.storageNotification;
      config.progress(
        `${name}: ${healthy ? "restarting with a new event topic" : "recorded server is unhealthy; restarting it"}`,
      );
      await stopRecorded(config, record);
    } else if (record) {
      await removeRecord(config.stateDir, name);
    }
    await startOne(config, name, name === "storage" ? notification : undefined, startedFor);
    return "started";
  });
}

/**
 * Starts the servers (in parallel), reusing healthy ones already recorded, and reports which it
 * started. If any fails, the ones this call started are stopped again before the error is thrown.
 */
export async function ensureServices(opts: ServicesOptions = {}): Promise<ServicesUpResult> {
  return ensureServicesFor(opts, "user");
}

async function ensureServicesFor(
  opts: ServicesOptions,
  startedFor: StartedFor,
): Promise<ServicesUpResult> {
  const config = resolveConfig(opts);
  const started: ServiceName[] = [];
  const reused: ServiceName[] = [];
  const t0 = Date.now();
  // a busy port fails the whole call before anything is started (checked again under the lock;
  // a server another process is starting right now holds its lock and is left to that process)
  await forEach(config.services, async (name) => {
    if (await isLocked(config.stateDir, name)) return;
    const record = await readRecord(config.stateDir, name);
    if (!record || !recordAlive(record)) await assertPortsFree(config, name);
  });
  try {
    await forEach(config.services, async (name) => {
      const outcome = await ensureOne(config, name, startedFor);
      (outcome === "started" ? started : reused).push(name);
    });
  } catch (err) {
    if (started.length > 0) {
      config.progress(`stopping ${started.join(", ")} again because another server failed`);
      await servicesDown({ ...opts, services: started }).catch(() => undefined);
    }
    throw err;
  }
  config.progress(`${config.services.length} server(s) up in ${seconds(t0)}`);
  return { endpoints: endpointsOf(config), started, reused };
}

/** The servers held for one test run; release() when the run ends. */
export interface ServicesLease extends ServicesUpResult {
  release(): Promise<void>;
}

/**
 * The servers for a test run, shared safely with concurrent runs on the same cache (several
 * engineers, or a test project and an e2e project): each run holds a lease; servers it had to
 * start are marked as started for tests and stopped only when the last lease is released, so one
 * run's end never pulls the servers from under another. Servers a user started are never stopped.
 */
export async function acquireServices(opts: ServicesOptions = {}): Promise<ServicesLease> {
  const config = resolveConfig(opts);
  const leaseFile = await withLock(config.stateDir, "leases", () => writeLease(config.stateDir));
  let result: ServicesUpResult;
  try {
    result = await ensureServicesFor(opts, "test-run");
  } catch (err) {
    await releaseLease(config, leaseFile);
    throw err;
  }
  return { ...result, release: () => releaseLease(config, leaseFile) };
}

async function releaseLease(config: ResolvedConfig, leaseFile: string): Promise<void> {
  await withLock(config.stateDir, "leases", async () => {
    await rm(leaseFile, { force: true });
    const others = await liveLeases(config.stateDir);
    if (others.length > 0) {
      config.progress(`servers left running for ${others.length} other test run(s)`);
      return;
    }
    const forTests: ServiceName[] = [];
    for (const name of config.services) {
      const record = await readRecord(config.stateDir, name);
      if (record?.startedFor === "test-run") forTests.push(name);
    }
    if (forTests.length > 0) await servicesDown({ ...config, services: forTests });
  });
}

/** Starts the servers (reusing healthy running ones) and returns their endpoints. */
export async function servicesUp(opts: ServicesOptions = {}): Promise<ServiceEndpoints> {
  return (await ensureServices(opts)).endpoints;
}

async function purgeData(config: ResolvedConfig, name: ServiceName): Promise<void> {
  const entries = await readdir(config.stateDir).catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((e) => e.startsWith(`${name}-`))
      .map((e) => rm(join(config.stateDir, e), { recursive: true, force: true })),
  );
}

/** Stops the recorded servers by PID (whole process groups) and waits until they are gone. */
export async function servicesDown(opts: ServicesDownOptions = {}): Promise<void> {
  const config = resolveConfig(opts);
  await forEach(config.services, (name) =>
    withLock(config.stateDir, name, async () => {
      const record = await readRecord(config.stateDir, name);
      if (record) {
        config.progress(`${name}: stopping PID ${pidList(record)}`);
        await stopRecorded(config, record);
      }
      if (opts.purge) await purgeData(config, name);
    }),
  );
}

export async function servicesStatus(opts: ServicesOptions = {}): Promise<ServiceStatus[]> {
  const config = resolveConfig(opts);
  return Promise.all(
    config.services.map(async (name): Promise<ServiceStatus> => {
      const driver = DRIVERS[name];
      const record = await readRecord(config.stateDir, name);
      const alive = record !== undefined && recordAlive(record);
      const port = alive ? record.port : config.ports[name];
      const installed = await driver.installed(config).catch(() => false);
      let state: ServiceState;
      if (alive) state = (await driver.healthy(config, port)) ? "healthy" : "unhealthy";
      else state = (await portOpen(port)) ? "port-busy" : "stopped";
      return {
        name,
        state,
        pids: alive ? record.processes.map((p) => p.pid) : [],
        port,
        endpoint: driver.endpoint(port),
        version: alive
          ? record.version
          : installed
            ? await driver.version(config)
            : "not installed",
        installed,
        ...(alive ? { startedAt: record.startedAt } : {}),
        log: join(config.logDir, `${name}.log`),
        ...(alive && record.storageNotification
          ? { storageNotification: record.storageNotification }
          : {}),
      };
    }),
  );
}

/** Starts one server (reusing it when healthy) and returns the endpoints. */
export async function startService(
  name: ServiceName,
  opts: ServicesOptions = {},
): Promise<ServiceEndpoints> {
  return (await ensureServices({ ...opts, services: [name] })).endpoints;
}

/** Stops one server (outage tests); a server that is not running is left as it is. */
export async function stopService(name: ServiceName, opts: ServicesOptions = {}): Promise<void> {
  await servicesDown({ ...opts, services: [name] });
}

/**
 * Stops and starts one server on the port it runs on (fault tests, e.g. the Pub/Sub emulator
 * restarted mid-stream, which loses its topics; or storage with another event topic). Kafka,
 * storage and BigQuery keep their data across a restart.
 */
export async function restartService(name: ServiceName, opts: ServicesOptions = {}): Promise<void> {
  const base = resolveConfig({ ...opts, services: [name] });
  await withLock(base.stateDir, name, async () => {
    const record = await readRecord(base.stateDir, name);
    const config: ResolvedConfig =
      record && opts.ports?.[name] === undefined
        ? { ...base, ports: { ...base.ports, [name]: record.port } }
        : base;
    const notification =
      base.storageNotification === undefined
        ? record?.storageNotification
        : (base.storageNotification ?? undefined);
    if (record) {
      config.progress(`${name}: restarting`);
      await stopRecorded(config, record);
    }
    const startedFor = record?.startedFor ?? "user";
    await startOne(config, name, name === "storage" ? notification : undefined, startedFor);
  });
}
