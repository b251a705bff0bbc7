import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { CodeSpec } from "@pgb/broker-utils/instance";
import { bundledSchemaMapPath } from "@pgb/broker-utils/schema-maps";
import type { Lockfile } from "../../../infra/src/lockfile.js";
import {
  BUNDLE_MAIN,
  BUNDLE_MODULES_DIR,
  esbuildPackager,
  hashBundle,
  packageName,
} from "../../../infra/src/packaging.js";

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

  it("ships a lockfile of exactly its dependencies, so Cloud Build resolves nothing", async () => {
    const bundle = await packager.bundle(code);
    const lock = JSON.parse(bundle.files["package-lock.json"] ?? "{}") as Lockfile;
    const manifest = JSON.parse(bundle.files["package.json"] ?? "{}") as Record<string, unknown>;
    expect(lock.packages[""]?.dependencies).toEqual(manifest["dependencies"]);
    expect(lock.packages["node_modules/yaml"]).toMatchObject({
      version: (manifest["dependencies"] as Record<string, string>)["yaml"],
      integrity: expect.stringMatching(/^sha512-/),
    });
    expect(bundle.directories[BUNDLE_MODULES_DIR]).toBeUndefined();
  });

  it("puts a VM's node_modules in its bundle, installed from that lockfile", async () => {
    const installed: { manifest: string; lockfile: Lockfile }[] = [];
    const modules = await mkdtemp(join(tmpdir(), "pgb-modules-"));
    await writeFile(join(modules, "marker"), "installed");
    const vmPackager = esbuildPackager(repoRoot, bundledSchemaMapPath, (manifest, lockfile) => {
      installed.push({ manifest, lockfile });
      return Promise.resolve(modules);
    });
    const bundle = await vmPackager.bundle({ ...code, kind: "vm" });
    expect(bundle.directories[BUNDLE_MODULES_DIR]).toBe(modules);
    expect(installed).toHaveLength(1);
    expect(installed[0]?.manifest).toBe(bundle.files["package.json"]);
    expect(`${JSON.stringify(installed[0]?.lockfile, null, 2)}\n`).toBe(
      bundle.files["package-lock.json"],
    );
    // a function's archive is installed by Cloud Build, not by the deployer
    await vmPackager.bundle(code);
    expect(installed).toHaveLength(1);
    await rm(modules, { recursive: true });
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
