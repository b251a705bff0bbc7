/**
 * Processes of the local servers: detached spawning with logs to files, PID records in the state
 * directory, stopping by PID, readiness waits and a cross-process lock. Only processes recorded here
 * are ever signalled, and only after their command line shows they are the server we started (a PID
 * can be reused by an unrelated process once ours has exited).
 */
import { spawn, type SpawnOptions } from "node:child_process";
import { closeSync, openSync, readSync } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { get as httpGet } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ServiceName, StorageNotification } from "./config.js";

export interface RecordedProcess {
  pid: number;
  marker: string;
}

/** What the state directory remembers about a running server. */
export interface ServiceRecord {
  name: ServiceName;
  /**
   * Every process of the server, each the leader of its own process group, with a string its
   * command line contains (checked before any signal is sent).
   */
  processes: RecordedProcess[];
  port: number;
  version: string;
  startedAt: string;
  log: string;
  /** The storage server's server-wide event topic, if it was started with one. */
  storageNotification?: StorageNotification;
  /**
   * Who wants it: "user" (pgb services up, a local instance) keeps it until `down`; "test-run" was
   * started for a test run and is stopped when the last test run using the servers ends.
   */
  startedFor?: StartedFor;
}

export type StartedFor = "user" | "test-run";

/** A test run using the servers: a file per holder, so concurrent runs can share them. */
interface Lease {
  pid: number;
  since: string;
}

function leaseDir(stateDir: string): string {
  return join(stateDir, "leases");
}

/** Records a lease for this process; returns the file that releases it. */
export async function writeLease(stateDir: string): Promise<string> {
  await mkdir(leaseDir(stateDir), { recursive: true });
  const file = join(leaseDir(stateDir), `${process.pid}-${Date.now().toString(36)}.json`);
  const lease: Lease = { pid: process.pid, since: new Date().toISOString() };
  await writeFile(file, `${JSON.stringify(lease)}\n`);
  return file;
}

/** Leases whose holder still runs; those of exited holders (a killed test run) are removed. */
export async function liveLeases(stateDir: string): Promise<Lease[]> {
  const files = await readdir(leaseDir(stateDir)).catch(() => [] as string[]);
  const live: Lease[] = [];
  for (const name of files) {
    const file = join(leaseDir(stateDir), name);
    const lease = await readFile(file, "utf8")
      .then((text) => JSON.parse(text) as Lease)
      .catch(() => undefined);
    if (lease && isAlive(lease.pid)) live.push(lease);
    else await rm(file, { force: true });
  }
  return live;
}

function recordPath(stateDir: string, name: ServiceName): string {
  return join(stateDir, `${name}.json`);
}

export async function readRecord(
  stateDir: string,
  name: ServiceName,
): Promise<ServiceRecord | undefined> {
  try {
    return JSON.parse(await readFile(recordPath(stateDir, name), "utf8")) as ServiceRecord;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

export async function writeRecord(stateDir: string, record: ServiceRecord): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const file = recordPath(stateDir, record.name);
  // write-then-rename so a concurrent reader never sees half a record
  await writeFile(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}

export async function removeRecord(stateDir: string, name: ServiceName): Promise<void> {
  await rm(recordPath(stateDir, name), { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  // a zombie still answers signal 0; it is not running
  return processState(pid) !== "Z";
}

function processState(pid: number): string | undefined {
  const line = readFileSyncSafe(`/proc/${pid}/stat`);
  // the state follows the parenthesised command name, which may itself contain ") "
  return line?.charAt(line.lastIndexOf(")") + 2);
}

function readFileSyncSafe(path: string): string | undefined {
  try {
    const fd = openSync(path, "r");
    try {
      const buf = Buffer.alloc(65536);
      const n = readSync(fd, buf);
      return buf.subarray(0, n).toString("utf8");
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/**
 * True when the process runs and its command line contains the marker. Where /proc is missing
 * (not Linux) the command line cannot be read and a live PID is trusted.
 */
export function isOurProcess(pid: number, marker: string): boolean {
  if (!isAlive(pid)) return false;
  const cmdline = readFileSyncSafe(`/proc/${pid}/cmdline`);
  if (cmdline === undefined) return true;
  return cmdline.split("\0").join(" ").includes(marker);
}

/** Sends a signal to the process group led by pid (every child of the server), else to pid. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Stops the recorded processes: SIGTERM, then SIGKILL after the grace period. */
export async function stopProcesses(
  processes: readonly RecordedProcess[],
  graceMs = 15_000,
): Promise<void> {
  const ours = processes.filter((p) => isOurProcess(p.pid, p.marker)).map((p) => p.pid);
  for (const pid of ours) signalGroup(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (ours.some((pid) => isAlive(pid)) && Date.now() < deadline) await sleep(100);
  for (const pid of ours) if (isAlive(pid)) signalGroup(pid, "SIGKILL");
  const killDeadline = Date.now() + 5_000;
  while (ours.some((pid) => isAlive(pid)) && Date.now() < killDeadline) await sleep(50);
  const left = ours.filter((pid) => isAlive(pid));
  if (left.length > 0) throw new Error(`processes ${left.join(", ")} survived SIGKILL`);
}

export interface SpawnedProcess {
  pid: number;
}

/**
 * Starts a long-running server detached from this process (its own process group, so the CLI can
 * exit and `stop` can signal the whole group), with stdout and stderr appended to the log file.
 */
export async function spawnDetached(
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; logFile: string; cwd?: string },
): Promise<SpawnedProcess> {
  const fd = openSync(options.logFile, "a");
  try {
    const spawnOptions: SpawnOptions = {
      detached: true,
      stdio: ["ignore", fd, fd],
      env: options.env,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    };
    const child = spawn(command, [...args], spawnOptions);
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (err: NodeJS.ErrnoException) =>
        reject(
          err.code === "ENOENT"
            ? new Error(`cannot start ${command}: not found`)
            : new Error(`cannot start ${command}: ${err.message}`),
        ),
      );
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`cannot start ${command}: no PID`);
    return { pid: child.pid };
  } finally {
    closeSync(fd);
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion (installers, version probes). Output goes to the log file when one
 * is given, else is collected. A missing command resolves to code 127 rather than throwing.
 */
export async function runCommand(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; logFile?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const logFd = options.logFile === undefined ? undefined : openSync(options.logFile, "a");
  try {
    return await new Promise<RunResult>((resolve, reject) => {
      const child = spawn(command, [...args], {
        env: options.env ?? process.env,
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
        stdio: ["ignore", logFd ?? "pipe", logFd ?? "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
      child.once("error", (err: NodeJS.ErrnoException) => {
        if (timer) clearTimeout(timer);
        if (err.code === "ENOENT") resolve({ code: 127, stdout, stderr: `${command}: not found` });
        else reject(err);
      });
      child.once("close", (code, signal) => {
        if (timer) clearTimeout(timer);
        resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
      });
    });
  } finally {
    if (logFd !== undefined) closeSync(logFd);
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** GET on loopback; resolves to the status code and body, or undefined when nothing answers. */
export function httpStatus(
  url: string,
  timeoutMs = 3_000,
): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = httpGet(url, { timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (body.length < 65536) body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", () => resolve(undefined));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(undefined));
  });
}

/** Size of a file, 0 when it does not exist: where the log of a new start begins. */
export async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** The log written since offset (at most the last 64 KiB of it). */
export async function readLogSince(path: string, offset: number): Promise<string> {
  const size = await fileSize(path);
  const start = Math.max(offset, size - 65536);
  if (size <= start) return "";
  const handle = await open(path, "r");
  try {
    const buf = Buffer.alloc(size - start);
    await handle.read(buf, 0, buf.length, start);
    return buf.toString("utf8");
  } finally {
    await handle.close();
  }
}

export function lastLines(text: string, n: number): string {
  return text.trimEnd().split("\n").slice(-n).join("\n");
}

export class StartError extends Error {
  override name = "StartError";
}

/**
 * Waits until ready() is true. Fails early, with the end of the log, when a watched process exits
 * (a server that dies on a bad flag or a busy port should not cost the whole timeout).
 */
export async function waitUntilReady(
  what: string,
  ready: () => Promise<boolean>,
  opts: { pids: readonly number[]; logFile: string; logOffset: number; timeoutMs: number },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (await ready()) return;
    const dead = opts.pids.find((pid) => !isAlive(pid));
    if (dead !== undefined) {
      const tail = lastLines(await readLogSince(opts.logFile, opts.logOffset), 15);
      throw new StartError(
        `${what} exited during start (PID ${dead}); see ${opts.logFile}. Last lines:\n${tail}`,
      );
    }
    if (Date.now() > deadline) {
      const tail = lastLines(await readLogSince(opts.logFile, opts.logOffset), 15);
      throw new StartError(
        `${what} was not ready after ${Math.round(opts.timeoutMs / 1000)} s; see ${opts.logFile}. ` +
          `Last lines:\n${tail}`,
      );
    }
    await sleep(200);
  }
}

/**
 * A lock shared by every process using the same cache (the CLI, a test run, another engineer's
 * shell): mkdir is atomic, and a lock whose holder has exited is taken over.
 */
export async function withLock<T>(
  stateDir: string,
  name: string,
  fn: () => Promise<T>,
  timeoutMs = 900_000,
): Promise<T> {
  const dir = join(stateDir, "locks", `${name}.lock`);
  await mkdir(join(stateDir, "locks"), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(dir);
      await writeFile(join(dir, "pid"), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number(await readFile(join(dir, "pid"), "utf8").catch(() => "NaN"));
      if (Number.isInteger(holder) && holder !== process.pid && !isAlive(holder)) {
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `timed out waiting for the lock ${dir} held by PID ${String(holder)}; ` +
            `if no pgb command is running, remove that directory`,
        );
      }
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** True while some process holds the lock (e.g. is starting that server right now). */
export function isLocked(stateDir: string, name: string): Promise<boolean> {
  return pathExists(join(stateDir, "locks", `${name}.lock`));
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
