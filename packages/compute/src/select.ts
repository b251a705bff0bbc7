/**
 * Which compute port a program gets: `PGB_COMPUTE=gce` (Compute Engine) or `local` (processes of
 * a local instance, state in `PGB_LOCAL_STATE_DIR`). Unset, it is `local` when an emulator host is
 * set (a local instance or a test) and `gce` otherwise, so a deployed program needs no variable. A
 * local environment never gets the GCE port: it would start and stop real VMs. The local port comes
 * from the local harness (harness.ts), so no deployment bundle holds local code.
 */
import { isLocalEnvironment } from "@pgb/broker-utils/gcp";
import { GceCompute } from "./gce.js";
import { COMPUTE_ENV } from "./env.js";
import { localHarness } from "./harness.js";
import { ComputeError, type ComputePort } from "./port.js";

export type ComputeKind = "gce" | "local";

export function computeKind(env: NodeJS.ProcessEnv = process.env): ComputeKind {
  const raw = env[COMPUTE_ENV.kind];
  const local = isLocalEnvironment(env);
  if (raw === undefined || raw === "") return local ? "local" : "gce";
  if (raw !== "gce" && raw !== "local") {
    throw new ComputeError(`${COMPUTE_ENV.kind}=${raw}: use gce or local`);
  }
  if (raw === "gce" && local) {
    throw new ComputeError(
      `${COMPUTE_ENV.kind}=gce with an emulator host set: a local run must not start or stop real ` +
        `VMs; use ${COMPUTE_ENV.kind}=local`,
    );
  }
  return raw;
}

/** The compute port of this process; `project` and `zone` locate the VMs on Compute Engine. */
export function computeFromEnv(
  where: { project: string; zone: string },
  env: NodeJS.ProcessEnv = process.env,
): ComputePort {
  if (computeKind(env) === "gce") return new GceCompute(where);
  const harness = localHarness();
  if (harness === undefined) {
    throw new ComputeError(
      `${COMPUTE_ENV.kind}=local, but this process has no local harness: local programs are ` +
        `started by \`pgb local\`, which preloads it (node --import @pgb/local/harness)`,
    );
  }
  return harness.compute(env);
}
