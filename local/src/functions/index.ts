/**
 * Broker Cloud Functions as local processes: each runs its CloudEvent function under the functions
 * framework's server on 127.0.0.1 (runner.mjs), fed by the Pub/Sub emulator's push subscription,
 * with the environment the instance model gives the deployed function plus the local servers'.
 *
 * By default a process runs the function's deployment bundle (bundle.mjs: the Pulumi program's
 * esbuild packager), so local runs and tests exercise the artefact that is deployed: workspace
 * code inlined, npm packages external, broker-utils' data found beside the bundle. `source` mode
 * runs the TypeScript sources under tsx instead (no build step; for a quick edit-and-restart).
 *
 * A process is described by a plain `FunctionProcess` record (PID, the marker its command line
 * must show, port, URL, log), so whoever keeps the record (a test, `pgb local`) can check, stop,
 * kill or restart it from any process. Only a PID whose command line shows the marker is signalled.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { request } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { harnessImportArgs } from "../compute/index.js";
import { freePort } from "../services/ports.js";
import type { FunctionSpec } from "@pgb/broker-utils/instance";
import {
  isAlive,
  isOurProcess,
  lastLines,
  portOpen,
  spawnDetached,
  stopProcesses,
} from "../services/process.js";

export type FunctionRunMode = "bundle" | "source";

export interface FunctionProcessOptions {
  /** The function as the instance model describes it: stub, name, entry point, source, env. */
  spec: FunctionSpec;
  /** Environment of the local servers (`serviceEnv(endpoints)`). */
  serviceEnv: Record<string, string>;
  /** Port on 127.0.0.1; default a free one. Push subscriptions need it before they are created. */
  port?: number;
  /** Default `bundle`. */
  mode?: FunctionRunMode;
  /** Variables applied last (e.g. LOG_LEVEL=DEBUG). */
  env?: Record<string, string>;
  /** stdout and stderr are appended here; default `local/.run/functions/logs/<name>-<port>.log`. */
  logFile?: string;
  /** The process exits when the process that started it does (tests). Default false. */
  exitWithParent?: boolean;
  /** How long to wait for the health check (default 60 s: a cold tsx start on a busy machine). */
  startTimeoutMs?: number;
}

/** A running function process; plain data, so it can be stored and used from another process. */
export interface FunctionProcess {
  stub: FunctionSpec["stub"];
  name: string;
  pid: number;
  /** A string the process's command line contains; checked before any signal is sent. */
  marker: string;
  port: number;
  /** Base URL, `http://127.0.0.1:PORT` (what `provisionInstance` takes as the function's URL). */
  url: string;
  mode: FunctionRunMode;
  /** The module the runner imported (bundle file or `src/index.ts`). */
  module: string;
  log: string;
  startedAt: string;
  /** Everything needed to start it again (restartFunction). */
  start: {
    command: string;
    args: string[];
    env: Record<string, string>;
    cwd: string;
    exitWithParent: boolean;
    startTimeoutMs: number;
  };
}

export class FunctionProcessError extends Error {
  override name = "FunctionProcessError";
}

/** The repository root: this module is `local/src/functions/` (or `local/dist/functions/`). */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** Git-ignored (`/local/.run/`): bundles and logs of local function processes. */
export const FUNCTIONS_RUN_DIR = join(REPO_ROOT, "local", ".run", "functions");
export const HEALTH_PATH = "/__pgb/health";

/** A plain .mjs found beside this module (src/) or in src/ when running from dist/. */
function companion(file: string): string {
  const candidates = [
    new URL(`./${file}`, import.meta.url),
    new URL(`../../src/functions/${file}`, import.meta.url),
  ].map((u) => fileURLToPath(u));
  const found = candidates.find((c) => existsSync(c));
  if (found === undefined) {
    throw new FunctionProcessError(`${file} not found (looked in ${candidates.join(", ")})`);
  }
  return found;
}

function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, METADATA_SERVER_DETECTION: "none" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) resolve(stdout);
      else
        reject(
          new FunctionProcessError(
            `${command} ${args.join(" ")} failed (exit ${code}):\n${lastLines(stderr, 20)}`,
          ),
        );
    });
  });
}

/** What the bundler needs of a program, a function's or a VM's. */
export interface ProgramCode {
  stub: string;
  name: string;
  /** Its folder in the repository, e.g. `functions/bq-sink`, `vm/consumer`. */
  sourceDir: string;
}

/**
 * Builds a program's deployment bundle (unless that exact code is built already) and returns the
 * module to run: `local/.run/functions/bundles/<folder>/<content hash>/dist/pgb/index.js`.
 */
export async function bundleFunction(spec: ProgramCode): Promise<string> {
  const out = join(FUNCTIONS_RUN_DIR, "bundles", spec.sourceDir.split("/").pop()!);
  await mkdir(out, { recursive: true });
  const stdout = await run(
    process.execPath,
    [
      "--import",
      "tsx",
      companion("bundle.mjs"),
      "--repo",
      REPO_ROOT,
      "--out",
      out,
      "--program",
      spec.stub,
      "--source-dir",
      spec.sourceDir,
    ],
    REPO_ROOT,
  );
  const dir = stdout.trim().split("\n").pop() ?? "";
  const module = join(dir, "dist", "pgb", "index.js");
  if (!existsSync(module)) {
    throw new FunctionProcessError(`bundling ${spec.name} wrote no ${module}`);
  }
  return module;
}

/** The environment of a function process: the model's, the local servers', no metadata probing. */
function processEnv(options: FunctionProcessOptions, port: number): Record<string, string> {
  const inherited: Record<string, string> = {};
  for (const key of ["PATH", "HOME", "TMPDIR", "LANG", "TZ"]) {
    const value = process.env[key];
    if (value !== undefined) inherited[key] = value;
  }
  const project = options.spec.env["GCP_PROJECT"];
  return {
    ...inherited,
    ...options.serviceEnv,
    ...options.spec.env,
    ...(project === undefined ? {} : { GOOGLE_CLOUD_PROJECT: project }),
    PORT: String(port),
    METADATA_SERVER_DETECTION: "none",
    GCE_METADATA_HOST: "127.0.0.1:1",
    ...options.env,
  };
}

function get(url: string, timeoutMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { method: "GET", timeout: timeoutMs }, (res) => {
      res.resume();
      res.once("end", () => resolve(res.statusCode));
    });
    req.once("timeout", () => req.destroy());
    req.once("error", () => resolve(undefined));
    req.end();
  });
}

/** True when the recorded process runs and answers its health check. */
export async function functionHealthy(proc: FunctionProcess, timeoutMs = 2000): Promise<boolean> {
  if (!isOurProcess(proc.pid, proc.marker)) return false;
  return (await get(`${proc.url}${HEALTH_PATH}`, timeoutMs)) === 200;
}

async function readLog(path: string): Promise<string> {
  return readFile(path, "utf8").catch(() => "");
}

async function launch(
  record: Omit<FunctionProcess, "pid" | "startedAt">,
): Promise<FunctionProcess> {
  if (await portOpen(record.port)) {
    throw new FunctionProcessError(
      `cannot start ${record.name}: 127.0.0.1:${record.port} is in use; choose another port`,
    );
  }
  await mkdir(dirname(record.log), { recursive: true });
  const before = (await readLog(record.log)).length;
  const { pid } = await spawnDetached(record.start.command, record.start.args, {
    env: record.start.env,
    logFile: record.log,
    cwd: record.start.cwd,
  });
  const proc: FunctionProcess = { ...record, pid, startedAt: new Date().toISOString() };
  const deadline = Date.now() + record.start.startTimeoutMs;
  for (;;) {
    if (await functionHealthy(proc, 1000)) return proc;
    if (!isAlive(pid) || Date.now() > deadline) {
      const output = (await readLog(record.log)).slice(before);
      if (isAlive(pid)) await stopProcesses([{ pid, marker: record.marker }], 2000);
      throw new FunctionProcessError(
        `function ${record.name} did not become healthy on ${record.url} ` +
          `(${isAlive(pid) ? "timed out" : "exited"}); its log ${record.log} ends:\n${lastLines(output, 30)}`,
      );
    }
    await sleep(100);
  }
}

/**
 * Starts a function process and waits until it answers its health check. Bundle mode builds (or
 * reuses) the deployment bundle first.
 */
export async function startFunction(options: FunctionProcessOptions): Promise<FunctionProcess> {
  const { spec } = options;
  const mode = options.mode ?? "bundle";
  const port = options.port ?? (await freePort());
  const module =
    mode === "bundle"
      ? await bundleFunction(spec)
      : join(REPO_ROOT, spec.sourceDir, "src", "index.ts");
  const runner = companion("runner.mjs");
  const marker = `${runner} --port ${port} --name ${spec.name}`;
  const exitWithParent = options.exitWithParent ?? false;
  const args = [
    ...(mode === "source" ? ["--import", "tsx", "--conditions=source"] : []),
    ...harnessImportArgs(),
    runner,
    "--port",
    String(port),
    "--name",
    spec.name,
    "--module",
    module,
    "--target",
    spec.entryPoint,
    ...(exitWithParent ? ["--parent-pid", String(process.pid)] : []),
  ];
  return launch({
    stub: spec.stub,
    name: spec.name,
    marker,
    port,
    url: `http://127.0.0.1:${port}`,
    mode,
    module,
    log: options.logFile ?? join(FUNCTIONS_RUN_DIR, "logs", `${spec.name}-${port}.log`),
    start: {
      command: process.execPath,
      args,
      env: processEnv(options, port),
      cwd: REPO_ROOT,
      exitWithParent,
      startTimeoutMs: options.startTimeoutMs ?? 60_000,
    },
  });
}

/** SIGTERM (in-flight deliveries finish), then SIGKILL after `graceMs`; waits until it is gone. */
export async function stopFunction(proc: FunctionProcess, graceMs = 12_000): Promise<void> {
  await stopProcesses([{ pid: proc.pid, marker: proc.marker }], graceMs);
}

/** SIGKILL (kill -9) at once, as a crash would (fault tests); waits until it is gone. */
export async function killFunction(proc: FunctionProcess): Promise<void> {
  if (!isOurProcess(proc.pid, proc.marker)) return;
  // the runner leads its own process group (spawned detached)
  process.kill(-proc.pid, "SIGKILL");
  const deadline = Date.now() + 5000;
  while (isAlive(proc.pid)) {
    if (Date.now() > deadline) throw new FunctionProcessError(`PID ${proc.pid} survived SIGKILL`);
    await sleep(20);
  }
}

/**
 * Stops the process (if running) and starts the same module on the same port with the same
 * environment, so the push subscriptions reach it again. A bundle is not rebuilt.
 */
export async function restartFunction(proc: FunctionProcess): Promise<FunctionProcess> {
  if (isOurProcess(proc.pid, proc.marker)) await stopFunction(proc);
  const { pid: _pid, startedAt: _startedAt, ...record } = proc;
  return launch(record);
}
