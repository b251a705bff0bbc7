/**
 * The compute port for a local instance: each VM is a process group started from the launch spec.
 * - start: spawns the program detached (its own process group, so it outlives the caller, e.g. the
 *   cue function starting the night conductor) with stdout and stderr appended to its log;
 * - stop: SIGTERM to the group, SIGKILL after the grace period; resolves once it is gone;
 * - status: RUNNING while the recorded process lives (PID and, on Linux, its start time, so a
 *   reused PID is not mistaken for it), STOPPING during a stop, else TERMINATED. A program that
 *   exits is TERMINATED, as a VM that powers off;
 * - metadata: a JSON file with a fingerprint that changes on every write, written under a lock
 *   file and renamed into place.
 * State layout: `<stateDir>/launch-spec.json`, `<stateDir>/vms/<vm>/{metadata.json, process.json,
 * program.log}`.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { VmStatus } from "@pgb/night";
import {
  COMPUTE_ENV,
  ComputeError,
  MetadataConflictError,
  systemClock,
  type Clock,
  type ComputePort,
  type VmMetadata,
} from "@pgb/compute";
import { pidExists, readJsonIfExists, withFileLock, writeJsonAtomic } from "./files.js";
import { readLaunchSpec } from "./launch-spec.js";

/** Fingerprint of a VM whose metadata was never written. */
export const INITIAL_FINGERPRINT = "initial";

/** Compute Engine's rule for metadata keys. */
const METADATA_KEY = /^[A-Za-z0-9_-]{1,128}$/;
/** Keys the startup script exports as the program's environment. */
const ENV_KEY = /^[A-Z][A-Z0-9_]*$/;
/** Variables of the caller passed on to VM programs (the rest comes from the launch spec). */
const INHERITED_ENV = ["PATH", "HOME", "TMPDIR", "LANG", "TZ"];

interface ProcessRecord {
  pid: number;
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22); null without /proc. */
  startTicks: string | null;
  startedAt: string;
  stoppingSince?: string;
}

interface MetadataFile {
  fingerprint: string;
  items: Record<string, string>;
  updatedAt: string;
}

export interface LocalComputeOptions {
  stateDir: string;
  /** SIGTERM → SIGKILL (default 90 s, the guest shutdown Compute Engine allows). */
  stopGraceMs?: number;
  clock?: Clock;
}

/** Liveness of a PID as far as /proc tells: its state letter and start time. */
async function procStat(
  pid: number,
): Promise<{ state: string; startTicks: string } | "gone" | "no-proc"> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, "utf8");
  } catch (err) {
    // ESRCH: the process was reaped between the open and the read of its stat file
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ESRCH") throw err;
    return (await readFile("/proc/self/stat", "utf8").then(
      () => true,
      () => false,
    ))
      ? "gone"
      : "no-proc";
  }
  // "pid (comm) S ppid …": comm may hold spaces and parentheses, so split after the last ")"
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0] ?? "", startTicks: fields[19] ?? "" };
}

async function isAlive(record: Pick<ProcessRecord, "pid" | "startTicks">): Promise<boolean> {
  const stat = await procStat(record.pid);
  if (stat === "gone") return false;
  if (stat === "no-proc") return pidExists(record.pid);
  // Z: exited, not yet reaped by its parent; X: dead
  if (stat.state === "Z" || stat.state === "X") return false;
  return record.startTicks === null || stat.startTicks === record.startTicks;
}

function isProcessRecord(v: unknown): v is ProcessRecord {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as ProcessRecord).pid === "number" &&
    typeof (v as ProcessRecord).startedAt === "string"
  );
}

export class LocalCompute implements ComputePort {
  readonly kind = "local";
  readonly stateDir: string;
  private readonly stopGraceMs: number;
  private readonly clock: Clock;

  constructor(options: LocalComputeOptions) {
    this.stateDir = options.stateDir;
    this.stopGraceMs = options.stopGraceMs ?? 90_000;
    this.clock = options.clock ?? systemClock;
  }

  private dir(vm: string): string {
    if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(vm)) {
      throw new ComputeError(`"${vm}" is not a VM name`);
    }
    return join(this.stateDir, "vms", vm);
  }

  /** The program's log file (stdout and stderr of every run, appended). */
  logPath(vm: string): string {
    return join(this.dir(vm), "program.log");
  }

  private async launch(vm: string) {
    const launch = (await readLaunchSpec(this.stateDir)).vms[vm];
    if (!launch) {
      throw new ComputeError(
        `VM ${vm} is not in the launch spec of ${this.stateDir}; the local instance lists every VM there`,
      );
    }
    return launch;
  }

  private async record(vm: string): Promise<ProcessRecord | undefined> {
    const value = await readJsonIfExists(join(this.dir(vm), "process.json"));
    return isProcessRecord(value) ? value : undefined;
  }

  async status(vm: string): Promise<VmStatus> {
    await this.launch(vm);
    const record = await this.record(vm);
    if (!record || !(await isAlive(record))) return "TERMINATED";
    if (record.stoppingSince !== undefined) {
      // a stop whose caller died keeps no VM in STOPPING for ever
      const since = Date.parse(record.stoppingSince);
      if (this.clock.now() - since < this.stopGraceMs + 10_000) return "STOPPING";
    }
    return "RUNNING";
  }

  private lock<T>(vm: string, fn: () => Promise<T>): Promise<T> {
    return withFileLock(join(this.dir(vm), "process.lock"), fn, {
      timeoutMs: this.stopGraceMs + 30_000,
      clock: this.clock,
    });
  }

  async start(vm: string): Promise<void> {
    const launch = await this.launch(vm);
    await this.lock(vm, async () => {
      const status = await this.status(vm);
      if (status === "RUNNING") return;
      if (status === "STOPPING") {
        throw new ComputeError(`VM ${vm} is stopping; start it once it is TERMINATED`);
      }
      const { items } = await this.getMetadata(vm);
      const env: Record<string, string> = {};
      for (const key of INHERITED_ENV) {
        const value = process.env[key];
        if (value !== undefined) env[key] = value;
      }
      Object.assign(env, launch.env);
      for (const [key, value] of Object.entries(items)) if (ENV_KEY.test(key)) env[key] = value;
      Object.assign(env, {
        [COMPUTE_ENV.kind]: "local",
        [COMPUTE_ENV.stateDir]: this.stateDir,
        METADATA_SERVER_DETECTION: "none",
      });
      const log = await open(this.logPath(vm), "a");
      try {
        const child = spawn(launch.command, launch.args, {
          cwd: launch.cwd,
          env,
          detached: true,
          stdio: ["ignore", log.fd, log.fd],
        });
        await new Promise<void>((resolve, reject) => {
          child.once("spawn", resolve);
          child.once("error", (err) =>
            reject(new ComputeError(`cannot start VM ${vm} (${launch.command}): ${err.message}`)),
          );
        });
        child.unref();
        const pid = child.pid as number;
        const stat = await procStat(pid);
        await writeJsonAtomic(join(this.dir(vm), "process.json"), {
          pid,
          startTicks: typeof stat === "object" ? stat.startTicks : null,
          startedAt: new Date(this.clock.now()).toISOString(),
        } satisfies ProcessRecord);
      } finally {
        await log.close();
      }
    });
  }

  async stop(vm: string): Promise<void> {
    await this.launch(vm);
    await this.lock(vm, async () => {
      const path = join(this.dir(vm), "process.json");
      const record = await this.record(vm);
      if (!record || !(await isAlive(record))) {
        await rm(path, { force: true });
        return;
      }
      await writeJsonAtomic(path, {
        ...record,
        stoppingSince: new Date(this.clock.now()).toISOString(),
      });
      const signalGroup = (signal: NodeJS.Signals) => {
        try {
          process.kill(-record.pid, signal);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
        }
      };
      const waitGone = async (ms: number) => {
        const deadline = this.clock.now() + ms;
        while (await isAlive(record)) {
          if (this.clock.now() >= deadline) return false;
          await this.clock.sleep(100);
        }
        return true;
      };
      signalGroup("SIGTERM");
      if (!(await waitGone(this.stopGraceMs))) {
        signalGroup("SIGKILL");
        if (!(await waitGone(10_000))) {
          throw new ComputeError(`VM ${vm} (PID ${record.pid}) survived SIGKILL`);
        }
      }
      await rm(path, { force: true });
    });
  }

  async getMetadata(vm: string): Promise<VmMetadata> {
    const value = (await readJsonIfExists(join(this.dir(vm), "metadata.json"))) as
      MetadataFile | undefined;
    if (value === undefined) return { items: {}, fingerprint: INITIAL_FINGERPRINT };
    return { items: { ...value.items }, fingerprint: value.fingerprint };
  }

  async setMetadata(
    vm: string,
    items: Readonly<Record<string, string>>,
    fingerprint: string,
  ): Promise<void> {
    for (const [key, value] of Object.entries(items)) {
      if (!METADATA_KEY.test(key) || typeof value !== "string") {
        throw new ComputeError(`metadata of VM ${vm}: invalid item ${JSON.stringify(key)}`);
      }
    }
    await withFileLock(
      join(this.dir(vm), "metadata.lock"),
      async () => {
        const current = await this.getMetadata(vm);
        if (current.fingerprint !== fingerprint) {
          throw new MetadataConflictError(`metadata of VM ${vm} changed since it was read`);
        }
        await writeJsonAtomic(join(this.dir(vm), "metadata.json"), {
          fingerprint: randomBytes(8).toString("base64url"),
          items: { ...items },
          updatedAt: new Date(this.clock.now()).toISOString(),
        } satisfies MetadataFile);
      },
      { clock: this.clock },
    );
  }

  async close(): Promise<void> {}
}
