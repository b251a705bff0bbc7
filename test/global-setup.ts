/**
 * Global setup of the `integration` project: starts the local servers once per run (reusing
 * healthy ones already running, e.g. from `pgb services up`), hands their endpoints to the tests,
 * and at teardown stops only the servers it started itself. A server that cannot start fails the
 * run, in CI and locally alike: the tests never skip a missing server.
 */
import type { TestProject } from "vitest/node";
import { ensureServices, serviceEnv, servicesDown, type ServicesUpResult } from "@pgb/local";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const progress = (message: string): void => {
    process.stderr.write(`[services] ${message}\n`);
  };
  let result: ServicesUpResult;
  try {
    result = await ensureServices({ progress });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `the integration tests need the local servers, and they could not start:\n${reason}\n` +
        `Fix the cause above (tests never skip a missing server); ` +
        `\`node packages/broker-utils/bin/pgb.js services up\` shows the same errors.`,
    );
  }
  // Workers are started after the global setup and inherit this environment, so clients that read
  // the standard variables (PUBSUB_EMULATOR_HOST, …) find the servers; inject() gives the same.
  Object.assign(process.env, serviceEnv(result.endpoints));
  project.provide("pgbServices", result.endpoints);
  const started = result.started;
  return async () => {
    if (started.length > 0) await servicesDown({ services: started, progress });
  };
}
