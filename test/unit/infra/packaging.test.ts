import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { CodeSpec } from "@pgb/broker-utils/instance";
import { bundledSchemaMapPath } from "@pgb/broker-utils/schema-maps";
import {
  BUNDLE_MAIN,
  esbuildPackager,
  hashBundle,
  packageName,
} from "../../../infra/src/packaging.js";
import { startupScript } from "../../../infra/src/startup-script.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const code: CodeSpec = {
  program: "bq-sink",
  kind: "function",
  sourceDir: "test/unit/infra/fixtures/fn",
  entry: "src/index.ts",
  objectPrefix: "functions/bq-sink/",
  component: "brokerFiles",
};

describe("esbuild packager", () => {
  const packager = esbuildPackager(repoRoot, bundledSchemaMapPath);

  it("inlines workspace code, keeps npm packages external at their installed versions", async () => {
    const bundle = await packager.bundle(code);
    const js = bundle.files[BUNDLE_MAIN] ?? "";
    expect(js).toContain("function maxTestidLength");
    expect(js).toMatch(/from "yaml"/);
    const manifest = JSON.parse(bundle.files["package.json"] ?? "{}") as Record<string, unknown>;
    const yamlVersion = (
      JSON.parse(readFileSync(`${repoRoot}node_modules/yaml/package.json`, "utf8")) as {
        version: string;
      }
    ).version;
    expect(manifest).toMatchObject({ type: "module", main: BUNDLE_MAIN });
    expect(manifest["dependencies"]).toEqual({
      "@google-cloud/functions-framework": expect.stringMatching(/^\d+\.\d+\.\d+/),
      yaml: yamlVersion,
    });
    expect(bundle.directories).toEqual({
      "data/schema-maps": `${repoRoot}packages/broker-utils/data/schema-maps`,
      "data/schemas": `${repoRoot}packages/broker-utils/data/schemas`,
    });
    expect(bundle.hash).toMatch(/^[0-9a-f]{20}$/);
  });

  it("hashes content deterministically, so only a code change renames the object", async () => {
    const a = await hashBundle({ "x.js": "1" }, {});
    expect(await hashBundle({ "x.js": "1" }, {})).toBe(a);
    expect(await hashBundle({ "x.js": "2" }, {})).not.toBe(a);
  });

  it("names a missing entry file", async () => {
    await expect(
      packager.bundle({ ...code, sourceDir: "functions/does-not-exist" }),
    ).rejects.toThrow(
      /cannot package bq-sink: its entry file functions\/does-not-exist\/src\/index.ts does not exist/,
    );
  });

  it("reads the survey's schema map", async () => {
    expect(await packager.schemaMap("ztf")).toBe(readFileSync(bundledSchemaMapPath("ztf"), "utf8"));
  });

  it("reduces specifiers to package names", () => {
    expect(packageName("@google-cloud/pubsub/build/src")).toBe("@google-cloud/pubsub");
    expect(packageName("yaml/util")).toBe("yaml");
  });
});

describe("VM startup script", () => {
  const vm = {
    env: { SURVEY: "ztf", COUNTER_SUBSCRIPTIONS: `{"alerts":"it's"}` },
    runtimeMetadataKeys: ["NIGHT", "KAFKA_TOPIC"],
    nodeVersion: "22.12.0",
  };
  const bundle = "gs://b/vm/night-conductor/h.zip";

  it("restarts the consumer and powers the night conductor off after its run", () => {
    expect(startupScript({ ...vm, stub: "consumer", onExit: "restart" }, bundle)).toContain(
      '"--property=Restart=always"',
    );
    const nc = startupScript({ ...vm, stub: "night-conductor", onExit: "poweroff" }, bundle);
    expect(nc).toContain('"--property=ExecStopPost=/usr/bin/systemctl poweroff"');
    expect(nc).toContain('gcloud storage cp "$BUNDLE"');
    expect(nc).toContain("sha256sum -c -");
  });

  it("carries the deployment's environment and bundle; reads only the run-time keys from metadata", () => {
    const nc = startupScript({ ...vm, stub: "night-conductor", onExit: "poweroff" }, bundle);
    expect(nc).toContain(`BUNDLE='${bundle}'`);
    expect(nc).toContain("NODE_VERSION='22.12.0'");
    expect(nc).toContain("'--setenv=SURVEY=ztf'");
    // a quote in a value survives bash's single-quoting
    expect(nc).toContain(`'--setenv=COUNTER_SUBSCRIPTIONS={"alerts":"it'\\''s"}'`);
    expect(nc).toContain("for key in NIGHT KAFKA_TOPIC; do");
    expect(nc).not.toContain('md ""');
  });
});
