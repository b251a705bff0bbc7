/** Pulumi.yaml documents every config key with the program's default; Pulumi.dev.yaml deploys. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { BROKER_CONFIG } from "../../../infra/src/config.js";
import { ofType, runStack, startupScriptOf, T } from "./harness.js";

const root = new URL("../../../", import.meta.url);
const project = parse(readFileSync(new URL("Pulumi.yaml", root), "utf8")) as {
  name: string;
  main: string;
  runtime: { name: string; options: Record<string, unknown> };
  config: Record<string, { type: string; default?: unknown; description: string }>;
};
const example = parse(readFileSync(new URL("Pulumi.dev.yaml", root), "utf8")) as {
  config: Record<string, string>;
};

describe("Pulumi.yaml", () => {
  it("names the project broker and runs infra/ as ESM TypeScript through tsx", () => {
    expect(project).toMatchObject({ name: "broker", main: "infra/" });
    expect(project.runtime).toEqual({
      name: "nodejs",
      options: {
        typescript: false,
        nodeargs: "--import tsx --conditions=source",
        packagemanager: "npm",
      },
    });
  });

  it("documents every broker key with the program's default (the secret one in a comment)", () => {
    const { kafkaCredentials: _secret, ...declared } = BROKER_CONFIG;
    expect(Object.keys(project.config).sort()).toEqual(Object.keys(declared).sort());
    for (const [key, value] of Object.entries(declared)) {
      const entry = project.config[key];
      expect(entry?.description, key).toBeTruthy();
      expect(entry?.default, key).toEqual(value);
    }
    expect(readFileSync(new URL("Pulumi.yaml", root), "utf8")).toContain("broker:kafkaCredentials");
  });
});

describe("Pulumi.dev.yaml", () => {
  it("uses only documented keys", () => {
    for (const key of Object.keys(example.config)) {
      const [ns, name] = key.split(":");
      if (ns === "gcp") expect(["project", "region", "zone"]).toContain(name);
      else expect(Object.keys(BROKER_CONFIG)).toContain(name);
    }
  });

  it("deploys a test instance when copied to Pulumi.ztf-mytestid.yaml", async () => {
    const run = await runStack("ztf-mytestid", example.config);
    expect(ofType(run, T.function).map((f) => f.inputs["project"])).toEqual(
      Array(5).fill("my-gcp-project"),
    );
    expect(ofType(run, T.function)[0]?.inputs["serviceConfig"]).toMatchObject({
      maxInstanceCount: 10,
    });
    const consumer = await startupScriptOf(run, "consumer");
    expect(consumer).toContain("'--setenv=KAFKA_BOOTSTRAP_SERVERS=public.alerts.ztf.uw.edu:9092'");
    expect(consumer).toContain("'--setenv=LOG_LEVEL=DEBUG'");
  }, 120_000);
});
