/**
 * File primitives of the local compute port, safe across processes: JSON written to a temporary
 * file and renamed into place (readers never see half a file), and a lock file taken with
 * O_EXCL. A lock whose holder process is gone is broken; a live holder is waited for.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { ComputeError, systemClock, type Clock } from "@pgb/compute";

export async function readJsonIfExists(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ComputeError(`${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await open(tmp, "w");
  try {
    await handle.writeFile(JSON.stringify(value, null, 2) + "\n", "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}

/** True if a process with this PID exists (signal 0 checks without signalling). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface LockOptions {
  /** Longest wait for a live holder (default 30 s). */
  timeoutMs?: number;
  clock?: Clock;
}

/** Runs `fn` holding the lock file `path` (created with O_EXCL, holding the owner's PID). */
export async function withFileLock<T>(
  path: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = clock.now() + timeoutMs;
  await mkdir(dirname(path), { recursive: true });
  for (;;) {
    try {
      const handle = await open(path, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const holder = Number((await readFile(path, "utf8").catch(() => "")).trim());
    if (Number.isInteger(holder) && holder > 0 && !pidExists(holder)) {
      // The holder died without releasing the lock. Re-read right before breaking it so that a
      // lock just re-taken by a live process is not removed.
      const again = Number((await readFile(path, "utf8").catch(() => "")).trim());
      if (again === holder) await rm(path, { force: true });
      continue;
    }
    if (clock.now() >= deadline) {
      throw new ComputeError(
        `timed out after ${timeoutMs / 1000} s waiting for the lock ${path}` +
          (holder > 0 ? ` held by PID ${holder}` : ""),
      );
    }
    await clock.sleep(25);
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}
