/**
 * A VM bundle's node_modules, installed by `npm ci` on the deployer's machine from the archive's
 * lockfile (here the fixture's: yaml only), cached per lockfile.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundledSchemaMapPath } from "@pgb/broker-utils/schema-maps";
import type { Lockfile } from "../../../infra/src/lockfile.js";
import { esbuildPackager } from "../../../infra/src/packaging.js";
import { npmVmModules } from "../../../infra/src/vm-modules.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

describe("VM node_modules", () => {
  let cache: string;
  let files: Record<string, string>;
  beforeAll(async () => {
    cache = await mkdtemp(join(tmpdir(), "pgb-vm-modules-"));
    const bundle = await esbuildPackager(repoRoot, bundledSchemaMapPath).bundle({
      program: "consumer",
      kind: "vm",
      sourceDir: "test/unit/infra/fixtures/fn",
      entry: "src/index.ts",
      objectPrefix: "vm/consumer/",
      component: "brokerFiles",
    });
    files = bundle.files;
  }, 60_000);
  afterAll(() => rm(cache, { recursive: true, force: true }));

  const lockfile = () => JSON.parse(files["package-lock.json"] ?? "{}") as Lockfile;

  it("installs exactly the locked versions, as regular files, and reuses the install", async () => {
    const install = npmVmModules(repoRoot, cache);
    const modules = await install(files["package.json"] ?? "", lockfile());
    const yaml = JSON.parse(readFileSync(join(modules, "yaml", "package.json"), "utf8")) as {
      version: string;
    };
    expect(yaml.version).toBe(lockfile().packages["node_modules/yaml"]?.version);
    // yaml has a bin: no .bin symlinks in an archive
    expect(existsSync(join(modules, ".bin"))).toBe(false);
    expect(await install(files["package.json"] ?? "", lockfile())).toBe(modules);
    expect(readdirSync(join(cache, "vm-modules"))).toHaveLength(1);
  }, 120_000);

  it("refuses a package whose install script was not reviewed, before running npm", async () => {
    const lock = lockfile();
    const yaml = lock.packages["node_modules/yaml"];
    lock.packages["node_modules/yaml"] = { ...yaml, hasInstallScript: true };
    await expect(npmVmModules(repoRoot, cache)(files["package.json"] ?? "", lock)).rejects.toThrow(
      /node_modules\/yaml run an install script/,
    );
  });
});
