import { defineConfig } from "vitest/config";

/**
 * One `vitest run` runs every project; `--project <name>` picks one.
 * - unit: pure logic and Pulumi mocks, no server.
 * - integration: against the local servers, started once per run by test/global-setup.ts.
 * - e2e: a whole local instance.
 * Every test process gets METADATA_SERVER_DETECTION=none so no Google client probes the GCE metadata
 * server; workspace packages resolve to their TypeScript sources through the `source` condition.
 */
const safeEnv = {
  METADATA_SERVER_DETECTION: "none",
  GCE_METADATA_HOST: "127.0.0.1:1",
  GOOGLE_CLOUD_PROJECT: "pgb-test",
};

// Only `source` is added: forcing "import" or "module" makes Node load the ESM builds of dual
// packages from CommonJS callers (functions-framework's router) or extensionless ESM builds.
const sourceConditions = ["source", "node"];

export default defineConfig({
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions, externalConditions: ["source"] } },
  test: {
    env: safeEnv,
    // stopping Kafka can take 15 s; a short global teardown would leave servers running
    teardownTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
