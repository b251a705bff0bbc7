/**
 * The ports only a local instance has (local processes as VMs, a backlog read from push records),
 * installed by the local harness before a program loads: `pgb local` starts every function and VM
 * program with `@pgb/local/harness` preloaded. Deployment bundles carry only this contract, never
 * the local code. The registry lives on globalThis because the bundle inlines its own copy of this
 * module while the preload imports the package's copy.
 */
import type { ComputePort } from "./port.js";

/** Subscription → messages waiting, or null when unknown. */
export type BacklogReading = Map<string, number | null>;

/** How many messages wait in subscriptions (the night conductor's drain check). */
export interface BacklogPort {
  read(subscriptions: readonly string[]): Promise<BacklogReading>;
  close(): Promise<void>;
}

export interface LocalHarness {
  /** The local compute port for this process's environment. */
  compute(env: NodeJS.ProcessEnv): ComputePort;
  /** The local backlog port; `firstWindowMs` is how far back a push still counts as activity. */
  backlog(env: NodeJS.ProcessEnv, firstWindowMs: number): BacklogPort;
}

const KEY = Symbol.for("pgb.localHarness");
type WithHarness = typeof globalThis & { [KEY]?: LocalHarness };

/** Installs the harness of this process (undefined removes it). */
export function installLocalHarness(harness: LocalHarness | undefined): void {
  (globalThis as WithHarness)[KEY] = harness;
}

/** The installed local harness; undefined in a deployed program. */
export function localHarness(): LocalHarness | undefined {
  return (globalThis as WithHarness)[KEY];
}
