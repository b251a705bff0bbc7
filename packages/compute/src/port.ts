/**
 * The compute port: what the cue functions and the night conductor need from VMs (status, start,
 * stop, metadata), behind one interface with a Compute Engine and a local-process implementation.
 * The orchestration (read-modify-write of metadata, waiting for a state) is written once, here and
 * in the programs, against the interface.
 */
import { changesNothing, mergeMetadata, type MetadataChanges, type VmStatus } from "@pgb/night";

export interface VmMetadata {
  items: Record<string, string>;
  /** Opaque; changes on every write. `setMetadata` succeeds only with the current one. */
  fingerprint: string;
}

export interface ComputePort {
  readonly kind: "gce" | "local";
  status(vm: string): Promise<VmStatus>;
  /** Starts a VM; a VM already running is left as it is (as on Compute Engine). */
  start(vm: string): Promise<void>;
  /** Stops a VM and resolves once it is stopped; a stopped VM is left as it is. */
  stop(vm: string): Promise<void>;
  getMetadata(vm: string): Promise<VmMetadata>;
  /**
   * Replaces the VM's metadata items if `fingerprint` is still the current one; otherwise throws
   * MetadataConflictError and changes nothing.
   */
  setMetadata(
    vm: string,
    items: Readonly<Record<string, string>>,
    fingerprint: string,
  ): Promise<void>;
  close(): Promise<void>;
}

export class ComputeError extends Error {
  override name = "ComputeError";
}

/** Someone else wrote the VM's metadata since it was read: read again and retry. */
export class MetadataConflictError extends Error {
  override name = "MetadataConflictError";
}

/** Time as the orchestration sees it; tests pass a fake one to run waits instantly. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface UpdateMetadataOptions {
  /** Attempts before giving up on conflicts (default 8). */
  maxAttempts?: number;
  /** First back-off after a conflict, doubled each time (default 100 ms). */
  backoffMs?: number;
  clock?: Clock;
}

export interface MetadataUpdate {
  items: Record<string, string>;
  /** False when the metadata already had the values and nothing was written. */
  written: boolean;
  attempts: number;
}

/**
 * Applies `changes` (set or remove keys) to a VM's metadata, keeping every other key: read with
 * the fingerprint, merge, write with that fingerprint; on a conflict (another writer in between)
 * read again and retry with back-off.
 */
export async function updateMetadata(
  port: ComputePort,
  vm: string,
  changes: MetadataChanges,
  options: UpdateMetadataOptions = {},
): Promise<MetadataUpdate> {
  const maxAttempts = options.maxAttempts ?? 8;
  const clock = options.clock ?? systemClock;
  let backoff = options.backoffMs ?? 100;
  for (let attempt = 1; ; attempt += 1) {
    const current = await port.getMetadata(vm);
    if (changesNothing(current.items, changes)) {
      return { items: current.items, written: false, attempts: attempt };
    }
    const items = mergeMetadata(current.items, changes);
    try {
      await port.setMetadata(vm, items, current.fingerprint);
      return { items, written: true, attempts: attempt };
    } catch (err) {
      if (!(err instanceof MetadataConflictError)) throw err;
      if (attempt >= maxAttempts) {
        throw new ComputeError(
          `metadata of VM ${vm} changed under every one of ${maxAttempts} attempts to update it; ` +
            "another writer keeps changing it",
          { cause: err },
        );
      }
      await clock.sleep(backoff);
      backoff *= 2;
    }
  }
}

export interface WaitOptions {
  timeoutMs: number;
  pollMs: number;
  clock?: Clock;
}

export interface WaitResult {
  reached: boolean;
  /** The last status read. */
  status: VmStatus;
  waitedMs: number;
}

/** Polls the VM's status until it is one of `wanted` or `timeoutMs` passed. */
export async function waitForStatus(
  port: ComputePort,
  vm: string,
  wanted: readonly VmStatus[],
  options: WaitOptions,
): Promise<WaitResult> {
  const clock = options.clock ?? systemClock;
  const start = clock.now();
  for (;;) {
    const status = await port.status(vm);
    const waitedMs = clock.now() - start;
    if (wanted.includes(status)) return { reached: true, status, waitedMs };
    if (waitedMs >= options.timeoutMs) return { reached: false, status, waitedMs };
    await clock.sleep(Math.min(options.pollMs, options.timeoutMs - waitedMs));
  }
}
