/**
 * A local instance: the broker of one survey and testid on this machine. `up` brings up the local
 * servers, starts every Cloud Function as a process (local/src/functions) behind the push front,
 * provisions the instance model's resources on the emulators (provision.ts, the same model the
 * Pulumi program deploys) and writes the VM launch spec for the local compute port, so the cue
 * functions and the night conductor start the VM programs as processes. What `up` started is
 * recorded by PID in `<run dir>/<stack>/instance.json`; every later command (night, replay, status,
 * down) reads that record, so each can run in its own process.
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BigQuery } from "@google-cloud/bigquery";
import type { PubSub } from "@google-cloud/pubsub";
import type { Storage } from "@google-cloud/storage";
import { bigqueryClient, pubsubClient, storageClient } from "@pgb/broker-utils/gcp";
import {
  ENV,
  type FunctionSpec,
  type InstanceModel,
  modelBucket,
  modelFunction,
  modelTopic,
  modelVm,
} from "@pgb/broker-utils/instance";
import type { FunctionStub, TopicStub, VmStub } from "@pgb/broker-utils/naming";
import { bundledSchemaMapText, type Survey } from "@pgb/broker-utils/schema-maps";
import {
  LocalCompute,
  harnessImportArgs,
  writeLaunchSpec,
  type VmLaunch,
} from "../compute/index.js";
import { Kafka, logLevel } from "kafkajs";
import {
  bundleFunction,
  functionHealthy,
  killFunction,
  REPO_ROOT,
  restartFunction,
  startFunction,
  stopFunction,
  type FunctionProcess,
  type FunctionRunMode,
} from "../functions/index.js";
import { resolveConfig, type ServiceName, type ServicesOptions } from "../services/config.js";
import { freePort } from "../services/ports.js";
import {
  ensureServices,
  serviceEnv,
  withEnv,
  servicesDown,
  type ServiceEndpoints,
} from "../services/index.js";
import {
  isOurProcess,
  lastLines,
  portOpen,
  spawnDetached,
  stopProcesses,
  httpStatus,
} from "../services/process.js";
import {
  checkSurvey,
  DEFAULT_RUN_DIR,
  DEFAULT_SURVEY,
  DEFAULT_TESTID,
  instancePaths,
  LOCAL_PROJECT,
  LOCAL_TIMINGS,
  LocalInstanceError,
  localModel,
  type InstancePaths,
} from "./config.js";
import { deprovisionInstance, provisionInstance, pushEndpoint } from "./provision.js";
import { FRONT_HEALTH_PATH, frontUrl, type FrontConfig } from "./push-front.js";
import { reannounceStoredAlerts } from "./reannounce.js";
import { silentReporter, type Reporter } from "./report.js";
import { BUCKET, TOPIC, VM } from "@pgb/broker-utils/naming";

export interface LocalInstanceOptions {
  /** Default ztf. */
  survey?: string;
  /** Default `local` (stack `ztf-local`). */
  testid?: string;
  /** Schema version of the alert tables, or `all`; default the schema map's (LSST: all). */
  schemaVersion?: string;
  /** Where instances keep their files; default `<repo>/local/.run/instances`. */
  runDir?: string;
  /**
   * The local servers to bring up (ports, cache, state; default the shared ones on their default
   * ports, or PGB_*_PORT). `down` stops those `up` had to start.
   */
  servers?: ServicesOptions;
  /** Servers the caller runs (tests): `up` neither starts nor stops any. */
  endpoints?: ServiceEndpoints;
  /** How the functions run: their deployment bundle (default) or TypeScript sources. */
  mode?: FunctionRunMode;
  /** Variables given to every program of the instance, last (e.g. LOG_LEVEL=DEBUG). */
  env?: Record<string, string>;
  /** Function processes and the push front exit with the process that started them (tests). */
  exitWithParent?: boolean;
  reporter?: Reporter;
}

export interface ProcessRecord {
  pid: number;
  /** A string the process's command line contains, checked before any signal. */
  marker: string;
  port: number;
  url: string;
  log: string;
}

/** What `up` started, as written to `instance.json`. */
export interface InstanceRecord {
  version: 1;
  stack: string;
  survey: Survey;
  testid: string;
  project: string;
  /** Schema version of the alert tables; null = the survey's local default. */
  schemaVersion: string | null;
  upAt: string;
  endpoints: ServiceEndpoints;
  servers: {
    /** False when the caller runs them (`endpoints` given). */
    managed: boolean;
    /** The options `up` used, without the progress callback. */
    options: Omit<ServicesOptions, "progress" | "env">;
    /** Servers `up` started (stopped by `down`); the others were running already. */
    started: ServiceName[];
    /** The Cloud Storage emulator's folder of buckets, when `up` manages the servers. */
    storageDataDir: string | null;
  };
  mode: FunctionRunMode;
  env: Record<string, string>;
  exitWithParent: boolean;
  front: ProcessRecord & { config: string };
  functions: FunctionProcess[];
  /** Kafka topics the replays wrote to (`down --purge` deletes them). */
  kafkaTopics: string[];
}

/** Environment of every program: the servers', the local compute port's, the local timings. */
function programEnv(record: Pick<InstanceRecord, "endpoints" | "env">, paths: InstancePaths) {
  return {
    ...serviceEnv(record.endpoints),
    GOOGLE_CLOUD_PROJECT: LOCAL_PROJECT,
    PGB_COMPUTE: "local",
    PGB_LOCAL_STATE_DIR: paths.compute,
    ...LOCAL_TIMINGS,
    ...record.env,
  };
}

/**
 * Google clients are made with the emulator hosts in the environment they read at construction.
 * The metadata-server settings stay set: google-auth-library reads them at each call, and a local
 * instance never has a metadata server to probe.
 */
function withServiceEnv<T>(endpoints: ServiceEndpoints, make: () => T): T {
  const env = serviceEnv(endpoints);
  for (const key of ["METADATA_SERVER_DETECTION", "GCE_METADATA_HOST"]) {
    const value = env[key];
    if (value !== undefined) process.env[key] = value;
  }
  return withEnv(env, make);
}

/** The front's entry: compiled next to this module, or its TypeScript source under tsx. */
function frontCommand(): { args: string[]; main: string } {
  const fromSource = import.meta.url.endsWith(".ts");
  const main = fileURLToPath(
    new URL(`./push-front-main.${fromSource ? "ts" : "js"}`, import.meta.url),
  );
  return { main, args: fromSource ? ["--import", "tsx", "--conditions=source", main] : [main] };
}

async function frontHealthy(front: ProcessRecord): Promise<boolean> {
  if (!isOurProcess(front.pid, front.marker)) return false;
  return (await httpStatus(`${front.url}${FRONT_HEALTH_PATH}`, 2000))?.status === 200;
}

async function startFront(
  paths: InstancePaths,
  config: FrontConfig,
  exitWithParent: boolean,
): Promise<InstanceRecord["front"]> {
  const configFile = join(paths.root, "front.json");
  await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const { main, args } = frontCommand();
  const log = join(paths.logs, "push-front.log");
  const { pid } = await spawnDetached(
    process.execPath,
    [
      ...args,
      "--config",
      configFile,
      ...(exitWithParent ? ["--parent-pid", String(process.pid)] : []),
    ],
    {
      env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "" },
      logFile: log,
      cwd: REPO_ROOT,
    },
  );
  const front = {
    pid,
    marker: `${main} --config ${configFile}`,
    port: config.port,
    url: `http://127.0.0.1:${config.port}`,
    log,
    config: configFile,
  };
  const deadline = Date.now() + 30_000;
  while (!(await frontHealthy(front))) {
    if (!isOurProcess(pid, front.marker) || Date.now() > deadline) {
      await stopProcesses([front], 2000).catch(() => undefined);
      const text = await readFile(log, "utf8").catch(() => "");
      throw new LocalInstanceError(
        `the push front did not start on ${front.url}; its log ${log} ends:\n${lastLines(text, 20)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return front;
}

export class LocalInstance {
  readonly model: InstanceModel;
  readonly paths: InstancePaths;
  readonly compute: LocalCompute;
  private clientSet: { pubsub: PubSub; storage: Storage; bigquery: BigQuery } | undefined;

  private constructor(
    public record: InstanceRecord,
    readonly reporter: Reporter,
    runDir: string,
  ) {
    this.model = localModel(
      record.survey,
      record.testid,
      record.endpoints.kafkaBootstrap,
      record.schemaVersion,
    );
    this.paths = instancePaths(runDir, record.stack);
    const grace = Number(
      record.env["PGB_LOCAL_STOP_GRACE_SECONDS"] ?? LOCAL_TIMINGS["PGB_LOCAL_STOP_GRACE_SECONDS"],
    );
    this.compute = new LocalCompute({ stateDir: this.paths.compute, stopGraceMs: grace * 1000 });
  }

  get survey(): Survey {
    return this.record.survey;
  }

  get stack(): string {
    return this.record.stack;
  }

  /** Google clients for this instance's emulators (made once). */
  clients(): { pubsub: PubSub; storage: Storage; bigquery: BigQuery } {
    this.clientSet ??= withServiceEnv(this.record.endpoints, () => ({
      pubsub: pubsubClient(LOCAL_PROJECT),
      storage: storageClient(LOCAL_PROJECT),
      bigquery: bigqueryClient(LOCAL_PROJECT),
    }));
    return this.clientSet;
  }

  kafka(): Kafka {
    return new Kafka({
      clientId: `pgb-local-${this.stack}`,
      brokers: [this.record.endpoints.kafkaBootstrap],
      logLevel: logLevel.NOTHING,
    });
  }

  topicName(stub: TopicStub): string {
    return modelTopic(this.model, stub).name;
  }

  vmName(stub: VmStub): string {
    return modelVm(this.model, stub).name;
  }

  functionSpec(stub: FunctionStub): FunctionSpec {
    return modelFunction(this.model, stub);
  }

  functionProcess(stub: FunctionStub): FunctionProcess {
    const proc = this.record.functions.find((f) => f.stub === stub);
    if (!proc) throw new LocalInstanceError(`function ${stub} of ${this.stack} was not started`);
    return proc;
  }

  /** The consumer group of the consumer VM (instance model), for lag and offset resets. */
  get consumerGroup(): string {
    const group = modelVm(this.model, VM.consumer).env[ENV.kafkaGroupId];
    if (group === undefined) throw new LocalInstanceError("the consumer has no KAFKA_GROUP_ID");
    return group;
  }

  private static resolve(options: LocalInstanceOptions): {
    survey: Survey;
    testid: string;
    stack: string;
    runDir: string;
  } {
    const survey = checkSurvey(options.survey ?? DEFAULT_SURVEY);
    const testid = options.testid ?? DEFAULT_TESTID;
    // the model validates the testid against the naming rules (a bad one throws with the rule)
    const stack = localModel(survey, testid, "127.0.0.1:9092").stack;
    return { survey, testid, stack, runDir: options.runDir ?? DEFAULT_RUN_DIR };
  }

  static async readRecord(options: LocalInstanceOptions): Promise<InstanceRecord | undefined> {
    const { runDir, stack } = LocalInstance.resolve(options);
    const file = instancePaths(runDir, stack).record;
    const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw err;
    });
    return text === undefined ? undefined : (JSON.parse(text) as InstanceRecord);
  }

  /** The instance `up` recorded; an error saying how to bring it up when there is none. */
  static async open(options: LocalInstanceOptions = {}): Promise<LocalInstance> {
    const { survey, testid, stack, runDir } = LocalInstance.resolve(options);
    const record = await LocalInstance.readRecord(options);
    if (record === undefined) {
      throw new LocalInstanceError(
        `the local instance ${stack} is not up: run \`pgb local up --survey ${survey} --testid ${testid}\` ` +
          "(or `pgb local start` for a whole run)",
      );
    }
    return new LocalInstance(record, options.reporter ?? silentReporter, runDir);
  }

  /** Writes the record (atomically: other commands may read it at any time). */
  async saveRecord(): Promise<void> {
    await mkdir(this.paths.root, { recursive: true });
    const tmp = `${this.paths.record}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(this.record, null, 2)}\n`);
    await rename(tmp, this.paths.record);
  }

  /**
   * Brings the instance up, or back up: servers (installed on first use), function processes,
   * push front, resources, launch spec. Idempotent: running processes are kept, dead ones are
   * restarted on their ports, and existing resources are left as they are (after a Pub/Sub
   * emulator restart, `up` creates its topics and subscriptions again).
   */
  static async up(options: LocalInstanceOptions = {}): Promise<LocalInstance> {
    const reporter = options.reporter ?? silentReporter;
    const { survey, testid, stack, runDir } = LocalInstance.resolve(options);
    const previous = await LocalInstance.readRecord(options);
    const paths = instancePaths(runDir, stack);
    await Promise.all(
      [paths.root, paths.compute, paths.logs, paths.deliveries, paths.outputs].map((d) =>
        mkdir(d, { recursive: true }),
      ),
    );

    // --- servers
    let endpoints: ServiceEndpoints;
    let started: ServiceName[] = [];
    let storageDataDir: string | null = null;
    const serverOptions: ServicesOptions = options.servers ?? previous?.servers.options ?? {};
    if (options.endpoints !== undefined) {
      endpoints = options.endpoints;
    } else {
      reporter.step("local servers (installed on first use: several minutes)");
      try {
        const result = await ensureServices({ ...serverOptions, progress: reporter.detail });
        endpoints = result.endpoints;
        started = result.started;
      } catch (err) {
        throw new LocalInstanceError(
          `the local servers could not start:\n${(err as Error).message}\n` +
            "`pgb services status` and `pgb services logs <server>` show more (docs/local-servers.md)",
        );
      }
      const config = resolveConfig(serverOptions);
      storageDataDir = join(config.stateDir, `storage-${config.ports.storage}`, "data");
    }
    const { progress: _p, env: _e, ...storedServerOptions } = serverOptions;
    const record: InstanceRecord = {
      version: 1,
      stack,
      survey,
      testid,
      project: LOCAL_PROJECT,
      schemaVersion: options.schemaVersion ?? previous?.schemaVersion ?? null,
      upAt: new Date().toISOString(),
      endpoints,
      servers: {
        managed: options.endpoints === undefined,
        options: storedServerOptions,
        started: [...new Set([...(previous?.servers.started ?? []), ...started])],
        storageDataDir,
      },
      mode: options.mode ?? previous?.mode ?? "bundle",
      env: options.env ?? previous?.env ?? {},
      exitWithParent: options.exitWithParent ?? false,
      front: previous?.front ?? { pid: 0, marker: "", port: 0, url: "", log: "", config: "" },
      functions: [],
      kafkaTopics: previous?.kafkaTopics ?? [],
    };
    const instance = new LocalInstance(record, reporter, runDir);
    try {
      await instance.startProcesses(previous);
      const { created, existing } = await instance.provision();
      const { model } = instance;
      reporter.step(
        `resources: ${created} created, ${existing} already there (${model.topics.length} ` +
          `topics, ${model.subscriptions.length} subscriptions, ${model.buckets.length} buckets, ` +
          `dataset ${model.dataset.name} with ${model.tables.length} tables and ` +
          `${model.views.length} views)`,
      );
      await instance.writeLaunchSpec();
    } finally {
      await instance.saveRecord();
    }
    reporter.step(`${stack} is up (${paths.root})`);
    return instance;
  }

  private async startProcesses(previous: InstanceRecord | undefined): Promise<void> {
    const { record, paths, model } = this;
    const env = programEnv(record, paths);
    const bar = this.reporter.progress(
      `functions (${record.mode === "bundle" ? "deployment bundles" : "sources"})`,
      model.functions.length,
    );
    const results = await Promise.allSettled(
      model.functions.map(async (spec): Promise<FunctionProcess> => {
        const before = previous?.functions.find((f) => f.stub === spec.stub);
        let proc: FunctionProcess;
        if (before && (await functionHealthy(before))) proc = before;
        else if (before && before.mode === record.mode) proc = await restartFunction(before);
        else {
          proc = await startFunction({
            spec,
            serviceEnv: serviceEnv(record.endpoints),
            mode: record.mode,
            env,
            logFile: join(paths.logs, `${spec.name}.log`),
            exitWithParent: record.exitWithParent,
          });
        }
        bar.tick(1, spec.name);
        return proc;
      }),
    );
    record.functions = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason as Error] : []));
    if (failures.length > 0) {
      bar.finish("failed");
      throw new LocalInstanceError(
        `${failures.length} function process(es) could not start:\n` +
          failures.map((f) => f.message).join("\n"),
      );
    }
    bar.finish(record.functions.map((f) => `${f.stub}:${f.port}`).join(" "));

    const routes = model.functions.map((spec) => ({
      stub: spec.stub,
      target: this.functionProcess(spec.stub).url,
      subscription: spec.trigger.subscription,
    }));
    const previousRoutes = previous
      ? ((
          JSON.parse(
            await readFile(previous.front.config, "utf8").catch(() => "{}"),
          ) as Partial<FrontConfig>
        ).routes ?? [])
      : [];
    const sameRoutes = JSON.stringify(previousRoutes) === JSON.stringify(routes);
    if (previous !== undefined && sameRoutes && (await frontHealthy(previous.front))) {
      record.front = previous.front;
    } else {
      if (previous !== undefined) await stopProcesses([previous.front], 5000);
      // the same port as before when possible: existing push subscriptions point at it
      const port = previous?.front.port || (await freePort());
      record.front = await startFront(
        paths,
        { port, stateDir: paths.compute, deliveriesDir: paths.deliveries, routes },
        record.exitWithParent,
      );
    }
    this.reporter.step(`push front on ${record.front.url} (PID ${record.front.pid})`);
  }

  /**
   * Creates what is missing of the model's resources, points every processing subscription at the
   * push front (an existing subscription may point at a front of an earlier `up`), and uploads
   * the schema map to broker_files as the Pulumi program does.
   */
  async provision(): Promise<{ created: number; existing: number }> {
    const { model, record } = this;
    const clients = this.clients();
    const urls = Object.fromEntries(
      model.functions.map((f) => [f.stub, frontUrl(record.front.url, f.stub)]),
    );
    const report = await provisionInstance(model, clients, urls);
    for (const sub of model.subscriptions) {
      const fn = model.functions.find((f) => f.name === sub.push?.function);
      if (fn === undefined) continue;
      await clients.pubsub.subscription(sub.name).modifyPushConfig({
        pushEndpoint: pushEndpoint(
          frontUrl(record.front.url, fn.stub),
          model.keywords.project,
          sub.topic,
        ),
      });
    }
    for (const file of model.brokerFiles) {
      if (file.source.kind !== "schemaMap") continue;
      await clients.storage
        .bucket(modelBucket(model, BUCKET.brokerFiles).name)
        .file(file.object)
        .save(bundledSchemaMapText(this.survey), {
          resumable: false,
          contentType: "application/yaml",
        });
    }
    return { created: report.created.length, existing: report.existing.length };
  }

  /**
   * How the local compute port runs each VM program: its deployment bundle (the Pulumi program's
   * packager, as for the functions), which is also what runs on the VM. The bundle is built by the
   * functions' bundler: the packager's output for a VM differs from a function's only by the
   * functions framework listed in its package.json.
   */
  private async writeLaunchSpec(): Promise<void> {
    const env = programEnv(this.record, this.paths);
    const vms: Record<string, VmLaunch> = {};
    for (const vm of this.model.vms) {
      const main = await bundleFunction(vm);
      vms[vm.name] = {
        command: process.execPath,
        args: [...harnessImportArgs(), main],
        cwd: REPO_ROOT,
        env: { ...vm.env, ...env },
      };
    }
    await writeLaunchSpec(this.paths.compute, { version: 1, vms });
  }

  /** PID of a VM's running program (the local compute port's record), if it runs. */
  async vmPid(stub: VmStub): Promise<number | undefined> {
    const name = this.vmName(stub);
    if ((await this.compute.status(name)) !== "RUNNING") return undefined;
    const text = await readFile(
      join(this.paths.compute, "vms", name, "process.json"),
      "utf8",
    ).catch(() => undefined);
    return text === undefined ? undefined : (JSON.parse(text) as { pid: number }).pid;
  }

  /** kill -9 of a function process (fault runs); `restartFunction` brings it back on its port. */
  async killFunction(stub: FunctionStub): Promise<void> {
    await killFunction(this.functionProcess(stub));
  }

  async restartFunction(stub: FunctionStub): Promise<void> {
    const before = this.functionProcess(stub);
    // after kill -9 the process's leader can read as exited while its other threads still hold the
    // listening socket for a moment (seen under load): restarting on the port waits for its release
    const deadline = Date.now() + 10_000;
    while (!isOurProcess(before.pid, before.marker) && (await portOpen(before.port))) {
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const proc = await restartFunction(before);
    this.record.functions = this.record.functions.map((f) => (f.stub === stub ? proc : f));
    await this.saveRecord();
  }

  /** kill -9 of a VM program's process group (a crash; the VM reads TERMINATED afterwards). */
  async killVm(stub: VmStub): Promise<boolean> {
    const pid = await this.vmPid(stub);
    if (pid === undefined) return false;
    process.kill(-pid, "SIGKILL");
    const name = this.vmName(stub);
    const deadline = Date.now() + 10_000;
    while ((await this.compute.status(name)) !== "TERMINATED") {
      if (Date.now() > deadline) throw new LocalInstanceError(`${name} survived SIGKILL`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  }

  /**
   * Sets the consumer group's offsets on a topic (the consumer must be stopped). A crashed member
   * holds the group until its session times out, so this retries for a while.
   */
  async setConsumerOffsets(topic: string, offsets: Record<number, number>): Promise<void> {
    if (Object.keys(offsets).length === 0) return;
    const admin = this.kafka().admin();
    await admin.connect();
    try {
      const partitions = Object.entries(offsets).map(([p, o]) => ({
        partition: Number(p),
        offset: String(o),
      }));
      const deadline = Date.now() + 120_000;
      for (;;) {
        try {
          await admin.setOffsets({ groupId: this.consumerGroup, topic, partitions });
          return;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Recovery after a Pub/Sub data loss (the local emulator keeps nothing across a restart: topics,
   * subscriptions and accepted-but-undelivered messages are gone; real Pub/Sub loses nothing in an
   * outage): re-create the resources from the model, then re-drive the night from Kafka, i.e. stop
   * the consumer, reset its group to `from` (per partition; the start of the night) and start it
   * again, and re-announce the objects already stored, whose notifications (bq-sink's and
   * value-added's input) were lost with it. What was processed before is processed again without
   * duplicates: objects are uploaded if absent and rows carry insertIds read through the
   * de-duplicating views. This is what an operator does after such a loss.
   */
  async redriveFromKafka(topic: string, from: Record<number, number>): Promise<void> {
    const consumer = this.vmName(VM.consumer);
    await this.compute.stop(consumer);
    await this.provision();
    const announced = await reannounceStoredAlerts(
      this.clients(),
      modelBucket(this.model, BUCKET.alertAvros).name,
      this.topicName(TOPIC.alertAvros),
      topic,
    );
    this.reporter.step(`${announced} stored alert(s) of ${topic} re-announced on alert_avros`);
    await this.setConsumerOffsets(topic, from);
    await this.compute.start(consumer);
    this.reporter.step(
      `re-driving ${topic} from offsets ${JSON.stringify(from)}: ${consumer} restarted`,
    );
  }

  /**
   * Stops every process of the instance by PID: the VM programs, the function processes, the push
   * front, and the servers `up` started (unless `keepServers`); servers that were already running
   * serve others and are left alone. `purge` also deletes the instance's resources (topics,
   * subscriptions, buckets, dataset) and its folder.
   */
  async down(options: { keepServers?: boolean; purge?: boolean } = {}): Promise<void> {
    const { record, reporter } = this;
    for (const vm of this.model.vms) {
      await this.compute
        .stop(vm.name)
        .catch((err: Error) => reporter.detail(`${vm.name}: ${err.message}`));
    }
    reporter.step("VM programs stopped");
    await Promise.all(record.functions.map((f) => stopFunction(f)));
    reporter.step(`${record.functions.length} function processes stopped`);
    await stopProcesses([record.front], 5000);
    reporter.step("push front stopped");
    if (options.purge) {
      await deprovisionInstance(this.model, this.clients());
      await this.deleteKafkaData(record.kafkaTopics);
      reporter.step(`resources of ${this.stack} deleted`);
    }
    await this.close();
    if (record.servers.managed && !options.keepServers && record.servers.started.length > 0) {
      await servicesDown({
        ...record.servers.options,
        services: record.servers.started,
        progress: reporter.detail,
      });
      reporter.step(`servers stopped: ${record.servers.started.join(", ")}`);
    } else if (record.servers.managed) {
      reporter.step("servers left running (they were running before `up`, or --keep-servers)");
    }
    await rm(options.purge ? this.paths.root : this.paths.record, { recursive: true, force: true });
  }

  /** The Kafka side of the instance: its consumer group (and the LSST/ELAsTiCC fixed topic). */
  async deleteKafkaData(topics: string[] = []): Promise<void> {
    const admin = this.kafka().admin();
    await admin.connect();
    try {
      if (topics.length > 0) {
        const existing = new Set(await admin.listTopics());
        const present = topics.filter((t) => existing.has(t));
        if (present.length > 0) await admin.deleteTopics({ topics: present, timeout: 30_000 });
      }
      await admin.deleteGroups([this.consumerGroup]).catch(() => undefined);
    } finally {
      await admin.disconnect();
    }
  }

  async close(): Promise<void> {
    if (this.clientSet) await this.clientSet.pubsub.close();
    this.clientSet = undefined;
  }
}
