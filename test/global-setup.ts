/**
 * Global setup of the `integration` project: starts the local servers once per run (reusing
 * healthy ones already running, e.g. from `pgb services up` or another engineer's test run), hands
 * their endpoints to the tests, and at teardown releases them: servers started for test runs are
 * stopped when the last concurrent run ends; servers a user started are never stopped. A server
 * that cannot start fails the run, in CI and locally alike: the tests never skip a missing server.
 */
import type { TestProject } from "vitest/node";
import { acquireServices, serviceEnv, type ServicesLease } from "@pgb/local";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const progress = (message: string): void => {
    process.stderr.write(`[services] ${message}\n`);
  };
  let lease: ServicesLease;
  try {
    lease = await acquireServices({ progress });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `the integration tests need the local servers, and they could not start:\n${reason}\n` +
        `Fix the cause above (tests never skip a missing server); ` +
        `\`node packages/cli/bin/pgb.js services up\` shows the same errors.`,
    );
  }
  // Workers are started after the global setup and inherit this environment, so clients that read
  // the standard variables (PUBSUB_EMULATOR_HOST, …) find the servers; inject() gives the same.
  Object.assign(process.env, serviceEnv(lease.endpoints));
  project.provide("pgbServices", lease.endpoints);
  return () => lease.release();
}
