/**
 * The local servers as the integration tests see them. test/global-setup.ts starts them once per
 * run and hands their endpoints to every test file through vitest's provide/inject (and, for code
 * that reads the standard variables, through the environment the workers inherit).
 */
import { inject } from "vitest";
import type { ServiceEndpoints } from "@pgb/local";

declare module "vitest" {
  export interface ProvidedContext {
    pgbServices: ServiceEndpoints;
  }
}

/** The endpoints of the running servers; fails (never skips) when the global setup did not run. */
export function servers(): ServiceEndpoints {
  const endpoints = inject("pgbServices");
  if (!endpoints) {
    throw new Error(
      "no local servers: run the integration tests through the `integration` vitest project, " +
        "whose global setup (test/global-setup.ts) starts them",
    );
  }
  return endpoints;
}

/** Project id the Google clients use in tests (vitest.config.ts sets GOOGLE_CLOUD_PROJECT). */
export const TEST_PROJECT = process.env["GOOGLE_CLOUD_PROJECT"] ?? "pgb-test";
