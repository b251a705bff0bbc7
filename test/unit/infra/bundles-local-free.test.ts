/**
 * The deployment bundles of every function and VM program hold no local-instance code: the local
 * compute port, launch spec, push records and push backlog reach a local program only through the
 * harness `pgb local` preloads (@pgb/local/harness), never through the bundle.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { bigQueryTableSchema } from "@pgb/broker-utils/alerts";
import { instanceModel } from "@pgb/broker-utils/instance";
import { bundledSchemaMapPath } from "@pgb/broker-utils/schema-maps";
import { BUNDLE_MAIN, esbuildPackager } from "../../../infra/src/packaging.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const model = instanceModel({
  survey: "ztf",
  testid: "mytestid",
  project: "my-proj",
  region: "us-central1",
  projectNumber: "123456789012",
  tableSchemas: bigQueryTableSchema,
  kafka: { bootstrapServers: "kafka.example.org:9092" },
});

/** What only local code spells: its module paths and the classes and functions it defines. */
const LOCAL_MARKERS = [
  "local/src/",
  "class LocalCompute",
  "class LocalPushBacklog",
  "class PushActivityRecorder",
  "function writeLaunchSpec",
  "function harnessImportArgs",
];

describe("deployment bundles", () => {
  const packager = esbuildPackager(repoRoot, bundledSchemaMapPath);

  it("cover every function and VM program of the instance", () => {
    expect(model.code.map((c) => c.program).sort()).toEqual(
      [...model.functions.map((f) => f.stub), ...model.vms.map((v) => v.stub)].sort(),
    );
  });

  it.each(model.code.map((c) => [c.program, c] as const))(
    "%s holds no local-instance code",
    async (_program, code) => {
      const js = (await packager.bundle(code)).files[BUNDLE_MAIN] ?? "";
      expect(js.length).toBeGreaterThan(1000);
      expect(LOCAL_MARKERS.filter((marker) => js.includes(marker))).toEqual([]);
    },
    60_000,
  );
});
