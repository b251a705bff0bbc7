/**
 * The local harness: the local ports (processes as VMs, the push-record backlog) that a deployed
 * program finds through `localHarness()` of @pgb/compute when a local instance runs it. Every
 * function and VM program of a local instance starts with `preload.ts` imported first
 * (`harnessImportArgs`), so the deployment bundles themselves hold no local code.
 */
import { fileURLToPath } from "node:url";
import { COMPUTE_ENV, ComputeError, type LocalHarness } from "@pgb/compute";
import { LocalCompute } from "./local-compute.js";
import { LocalPushBacklog } from "./push-backlog.js";

function stateDir(env: NodeJS.ProcessEnv): string {
  const dir = env[COMPUTE_ENV.stateDir];
  if (dir === undefined || dir === "") {
    throw new ComputeError(
      `${COMPUTE_ENV.kind}=local needs ${COMPUTE_ENV.stateDir}, the local instance's compute state directory`,
    );
  }
  return dir;
}

function stopGraceMs(env: NodeJS.ProcessEnv): number | undefined {
  const grace = env[COMPUTE_ENV.stopGraceSeconds];
  if (grace === undefined || grace === "") return undefined;
  const seconds = Number(grace);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new ComputeError(`${COMPUTE_ENV.stopGraceSeconds}=${grace} is not a positive number`);
  }
  return seconds * 1000;
}

export const localHarness: LocalHarness = {
  compute(env) {
    const grace = stopGraceMs(env);
    return new LocalCompute({
      stateDir: stateDir(env),
      ...(grace === undefined ? {} : { stopGraceMs: grace }),
    });
  },
  backlog(env, firstWindowMs) {
    return new LocalPushBacklog(stateDir(env), firstWindowMs);
  },
};

/**
 * Node arguments that preload the harness into a program started from `cwd` = the repository:
 * the compiled preload when this module runs compiled, else the TypeScript one under tsx.
 */
export function harnessImportArgs(): string[] {
  const preload = fileURLToPath(
    new URL(`./preload${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url),
  );
  return import.meta.url.endsWith(".ts")
    ? ["--conditions=source", "--import", "tsx", "--import", preload]
    : ["--import", preload];
}
