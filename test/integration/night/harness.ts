/**
 * A small local instance for the night tests: an instance model provisioned on the local servers,
 * the two cue functions as processes (pushed to by the emulator), an acknowledging stand-in for the
 * three alert-processing functions (recording push activity for the local backlog port), and the
 * two VMs (night conductor, consumer) launched by the local compute port from a launch spec. Every
 * wait and budget is shortened through the programs' environment.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { bigQueryTableSchema } from "@pgb/broker-utils/alerts";
import { bigqueryClient, pubsubClient, storageClient } from "@pgb/broker-utils/gcp";
import {
  FUNCTION_ENTRY_POINT,
  instanceModel,
  type InstanceModel,
} from "@pgb/broker-utils/instance";
import { FUNCTION, type FunctionStub, type VmStub } from "@pgb/broker-utils/naming";
import {
  LocalCompute,
  PushActivityRecorder,
  harnessImportArgs,
  writeLaunchSpec,
  type VmLaunch,
} from "@pgb/local/compute";
import { serviceEnv, type ServiceEndpoints } from "@pgb/local";
import {
  deprovisionInstance,
  provisionInstance,
  type ProvisionClients,
} from "../../../local/src/instance/provision.js";
import { TEST_PROJECT } from "../../support/services.js";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** How every program runs: TypeScript sources of the workspace through tsx. */
/** Programs run from source, with the local harness preloaded as `pgb local` does. */
const NODE_ARGS = harnessImportArgs();

/** The short waits of a test night (seconds, as the programs read them). */
export const TEST_TIMINGS: Record<string, string> = {
  PGB_VM_POLL_SECONDS: "0.2",
  PGB_CUE_TERMINATED_WAIT_SECONDS: "30",
  PGB_CHECK_NIGHT_CONDUCTOR_AFTER_SECONDS: "1.5",
  PGB_CHECK_CONSUMER_AFTER_SECONDS: "12",
  PGB_VM_STATE_WAIT_SECONDS: "20",
  PGB_DRAIN_POLL_SECONDS: "0.5",
  PGB_DRAIN_MIN_AFTER_STOP_SECONDS: "1",
  DRAIN_TIMEOUT_MINUTES: "0.5",
  PGB_COUNTER_IDLE_SECONDS: "2",
  PGB_COUNTER_BUDGET_SECONDS: "30",
  PGB_LOCAL_STOP_GRACE_SECONDS: "20",
  CONSUMER_TOPIC_POLL_SECONDS: "1",
};

export type LogLine = Record<string, unknown> & { severity: string; message: string };

/** A function process; its JSON log lines are collected. */
export class FunctionProcess {
  readonly lines: LogLine[] = [];
  readonly raw: string[] = [];
  readonly child: ChildProcess;
  readonly port: Promise<number>;

  constructor(fn: FunctionStub, env: NodeJS.ProcessEnv) {
    const source = join(REPO_ROOT, "functions", fn.replaceAll("_", "-"), "src", "index.ts");
    this.child = spawn(
      process.execPath,
      [
        ...NODE_ARGS,
        join(REPO_ROOT, "test/integration/night/function-runner.ts"),
        source,
        FUNCTION_ENTRY_POINT[fn],
      ],
      { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    this.port = new Promise((resolve, reject) => {
      this.child.once("exit", (code) =>
        reject(new Error(`${fn} exited (${code}):\n${this.raw.join("\n")}`)),
      );
      for (const stream of [this.child.stdout, this.child.stderr]) {
        createInterface({ input: stream! }).on("line", (text) => {
          let line: LogLine & { listening?: number };
          try {
            line = JSON.parse(text) as LogLine & { listening?: number };
          } catch {
            this.raw.push(text);
            return;
          }
          if (line.listening !== undefined) resolve(line.listening);
          else this.lines.push(line);
        });
      }
    });
  }

  /** Lines logged while handling the message `messageId`. */
  linesOf(messageId: string): LogLine[] {
    return this.lines.filter((l) => l["messageId"] === messageId);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    await exited;
  }
}

/** Stands in for the alert-processing functions: acknowledges every push, recording activity. */
class Acker {
  readonly server: Server;
  readonly recorders = new Map<string, PushActivityRecorder>();
  readonly pushes = new Map<string, number>();

  constructor(stateDir: string) {
    this.server = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        const subscription = String(
          (JSON.parse(body) as { subscription?: string }).subscription ?? "",
        )
          .split("/")
          .pop() as string;
        let recorder = this.recorders.get(subscription);
        if (!recorder) {
          recorder = new PushActivityRecorder(stateDir, subscription);
          this.recorders.set(subscription, recorder);
        }
        const answered = recorder.received();
        this.pushes.set(subscription, (this.pushes.get(subscription) ?? 0) + 1);
        // a little processing time, as a function would take
        setTimeout(() => {
          res.writeHead(204).end();
          answered();
        }, 20);
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const recorder of this.recorders.values()) await recorder.flush();
  }
}

export class NightInstance {
  readonly model: InstanceModel;
  readonly clients: ProvisionClients;
  stateDir = "";
  compute!: LocalCompute;
  cue!: FunctionProcess;
  check!: FunctionProcess;
  private acker!: Acker;

  constructor(private readonly endpoints: ServiceEndpoints) {
    const testid = `night${Date.now().toString(36)}`;
    this.model = instanceModel({
      survey: "ztf",
      testid,
      project: TEST_PROJECT,
      region: "us-central1",
      tableSchemas: bigQueryTableSchema,
      kafka: { bootstrapServers: endpoints.kafkaBootstrap },
    });
    this.clients = {
      pubsub: pubsubClient(TEST_PROJECT),
      storage: storageClient(TEST_PROJECT),
      bigquery: bigqueryClient(TEST_PROJECT),
    };
  }

  vmName(stub: VmStub): string {
    const vm = this.model.vms.find((v) => v.stub === stub);
    if (!vm) throw new Error(`no VM ${stub} in the model`);
    return vm.name;
  }

  /** The environment every program of the instance shares, beside its own model env. */
  private baseEnv(): Record<string, string> {
    return {
      ...serviceEnv(this.endpoints),
      GOOGLE_CLOUD_PROJECT: TEST_PROJECT,
      PGB_COMPUTE: "local",
      PGB_LOCAL_STATE_DIR: this.stateDir,
      LOG_LEVEL: "DEBUG",
      ...TEST_TIMINGS,
    };
  }

  async start(): Promise<void> {
    this.stateDir = await mkdtemp(join(tmpdir(), "pgb-night-"));
    this.compute = new LocalCompute({ stateDir: this.stateDir, stopGraceMs: 20_000 });
    const launch = (program: string, env: Record<string, string>): VmLaunch => ({
      command: process.execPath,
      args: [...NODE_ARGS, join(REPO_ROOT, program)],
      cwd: REPO_ROOT,
      env: { ...env, ...this.baseEnv() },
    });
    await writeLaunchSpec(this.stateDir, {
      version: 1,
      vms: Object.fromEntries(
        this.model.vms.map((vm) => [vm.name, launch(`${vm.sourceDir}/src/index.ts`, vm.env)]),
      ),
    });

    this.acker = new Acker(this.stateDir);
    const ackerUrl = await this.acker.listen();
    const fnEnv = (stub: FunctionStub): NodeJS.ProcessEnv => {
      const spec = this.model.functions.find((f) => f.stub === stub);
      if (!spec) throw new Error(`no function ${stub} in the model`);
      return {
        PATH: process.env["PATH"],
        HOME: process.env["HOME"],
        ...spec.env,
        ...this.baseEnv(),
      };
    };
    this.cue = new FunctionProcess(FUNCTION.cue, fnEnv(FUNCTION.cue));
    this.check = new FunctionProcess(FUNCTION.check, fnEnv(FUNCTION.check));
    const [cuePort, checkPort] = await Promise.all([this.cue.port, this.check.port]);
    await provisionInstance(this.model, this.clients, {
      [FUNCTION.cue]: `http://127.0.0.1:${cuePort}`,
      [FUNCTION.check]: `http://127.0.0.1:${checkPort}`,
      [FUNCTION.upload]: ackerUrl,
      [FUNCTION.bqSink]: ackerUrl,
      [FUNCTION.valueAdded]: ackerUrl,
    });
  }

  topic(stub: string): string {
    const topic = this.model.topics.find((t) => t.stub === stub);
    if (!topic) throw new Error(`no topic ${stub}`);
    return topic.name;
  }

  /** Publishes a cue as Cloud Scheduler or an operator would; returns its message id. */
  async publishCue(data: string, attributes: Record<string, string> = {}): Promise<string> {
    return this.clients.pubsub
      .topic(this.topic("cue_night_conductor"))
      .publishMessage({ data: Buffer.from(data), attributes });
  }

  /** Stops whatever runs, deletes the instance's resources and state. */
  async stop(): Promise<void> {
    for (const vm of this.model.vms) await this.compute?.stop(vm.name).catch(() => undefined);
    await Promise.allSettled([this.cue?.stop(), this.check?.stop()]);
    await this.acker?.close().catch(() => undefined);
    await deprovisionInstance(this.model, this.clients).catch(() => undefined);
    await this.clients.pubsub.close();
    if (this.stateDir) await rm(this.stateDir, { recursive: true, force: true });
  }
}

/** Polls `probe` until it returns a value other than undefined. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
  describe: () => string = () => "",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${describe()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
