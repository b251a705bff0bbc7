/**
 * The lockfile of each code archive, derived from the repository's real package-lock.json: the
 * exact entries of the root lockfile, a closed set (every dependency resolves inside it), and one
 * `npm ci` accepts without reaching the registry.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import type { CodeSpec } from "@pgb/broker-utils/instance";
import { codeObjectPrefix } from "@pgb/broker-utils/naming";
import { bundledSchemaMapPath } from "@pgb/broker-utils/schema-maps";
import {
  archiveDependencies,
  readLockfile,
  resolvePackage,
  type Lockfile,
} from "../../../infra/src/lockfile.js";
import { esbuildPackager } from "../../../infra/src/packaging.js";
import { allowedScripts, checkInstallScripts } from "../../../infra/src/vm-modules.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const packager = esbuildPackager(repoRoot, bundledSchemaMapPath);

function code(kind: CodeSpec["kind"], sourceDir: string): CodeSpec {
  return {
    program: sourceDir.split("/")[1] as CodeSpec["program"],
    kind,
    sourceDir,
    entry: "src/index.ts",
    objectPrefix: codeObjectPrefix(sourceDir),
    component: "brokerFiles",
  };
}

async function archive(kind: CodeSpec["kind"], sourceDir: string) {
  const bundle = await packager.bundle(code(kind, sourceDir));
  const lock = JSON.parse(bundle.files["package-lock.json"] ?? "{}") as Lockfile;
  const manifest = JSON.parse(bundle.files["package.json"] ?? "{}") as {
    dependencies: Record<string, string>;
  };
  return { bundle, lock, manifest };
}

/** `npm ci --dry-run --offline` in a folder holding the archive's package.json and lockfile. */
async function npmAccepts(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "pgb-lock-"));
  try {
    await writeFile(join(dir, "package.json"), files["package.json"] ?? "");
    await writeFile(join(dir, "package-lock.json"), files["package-lock.json"] ?? "");
    const { stdout } = await promisify(execFile)(
      "npm",
      ["ci", "--dry-run", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"],
      // An empty cache: the lockfile alone must be enough.
      { cwd: dir, env: { ...process.env, npm_config_cache: join(dir, "cache") } },
    );
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("archive lockfiles from the real package-lock.json", () => {
  let root: Lockfile;
  beforeAll(async () => {
    root = await readLockfile(join(repoRoot, "package-lock.json"));
  });

  for (const [kind, dir, pkg, platformPkg] of [
    ["vm", "vm/consumer", "@platformatic/kafka", "@node-rs/crc32-linux-x64-gnu"],
    [
      "function",
      "functions/value-added",
      "@google-cloud/functions-framework",
      "@resvg/resvg-js-linux-x64-gnu",
    ],
  ] as const) {
    describe(dir, () => {
      let a: Awaited<ReturnType<typeof archive>>;
      beforeAll(async () => {
        a = await archive(kind, dir);
      }, 60_000);

      it("pins the manifest's dependencies to the root lockfile's versions", () => {
        const top = resolvePackage(root, dir, pkg) ?? "";
        expect(a.manifest.dependencies[pkg]).toBe(root.packages[top]?.version);
        expect(a.lock.packages[""]).toEqual({
          name: expect.any(String),
          dependencies: a.manifest.dependencies,
        });
      });

      it("copies each entry of the root lockfile, without the workspace's dev flags", () => {
        for (const [path, entry] of Object.entries(a.lock.packages)) {
          if (path === "") continue;
          const source = root.packages[path] ?? root.packages[`${dir}/${path}`];
          expect(source, path).toBeDefined();
          expect(entry.version, path).toBe(source?.version);
          expect(entry.integrity, path).toBe(source?.integrity);
          expect(entry["dev"], path).toBeUndefined();
        }
      });

      it("is closed: every dependency of every entry resolves inside it", () => {
        for (const [path, entry] of Object.entries(a.lock.packages)) {
          for (const dep of Object.keys(entry.dependencies ?? {})) {
            expect(resolvePackage(a.lock, path, dep), `${path} → ${dep}`).toBeDefined();
          }
        }
      });

      it("keeps every platform's prebuilt binary as optional, so npm picks the VM's", () => {
        expect(a.lock.packages[`node_modules/${platformPkg}`]).toMatchObject({
          os: ["linux"],
          cpu: ["x64"],
          optional: true,
        });
      });

      it("is accepted by npm ci without the registry", async () => {
        expect(await npmAccepts(a.bundle.files)).toMatch(/added \d+ packages/);
      }, 60_000);
    });
  }

  it("lets only reviewed install scripts into a VM bundle (protobufjs: not needed)", async () => {
    const { lock } = await archive("vm", "vm/consumer");
    const allowed = await allowedScripts(repoRoot);
    expect(Object.keys(lock.packages)).toContain("node_modules/protobufjs");
    expect(() => checkInstallScripts(lock, allowed)).not.toThrow();
    expect(() => checkInstallScripts(lock, {})).toThrow(
      /node_modules\/protobufjs run an install script, which cannot run for the VM .*"allowScripts"/,
    );
  }, 60_000);
});

describe("archive lockfile errors", () => {
  const entry = (version: string, dependencies?: Record<string, string>) => ({
    version,
    integrity: `sha512-${version}`,
    ...(dependencies === undefined ? {} : { dependencies }),
  });

  it("names a package the lockfile lacks and the fix", () => {
    const lock: Lockfile = { lockfileVersion: 3, packages: { "": {} } };
    expect(() => archiveDependencies(lock, "x", "vm/consumer", ["left-pad"])).toThrow(
      /package left-pad is imported by vm\/consumer but not in package-lock.json; add it .* npm install/,
    );
  });

  it("refuses two versions of a package at one archive path", () => {
    const lock: Lockfile = {
      lockfileVersion: 3,
      packages: {
        "": {},
        "vm/consumer/node_modules/b": entry("2.0.0"),
        "node_modules/a": entry("1.0.0", { b: "^1" }),
        "node_modules/b": entry("1.0.0"),
      },
    };
    expect(() => archiveDependencies(lock, "x", "vm/consumer", ["a", "b"])).toThrow(
      /vm\/consumer\/node_modules\/b and node_modules\/b would both be node_modules\/b in the archive of vm\/consumer; align their versions/,
    );
  });

  it("moves a workspace-local version to the archive root and keeps nested ones nested", () => {
    const lock: Lockfile = {
      lockfileVersion: 3,
      packages: {
        "": {},
        "vm/consumer/node_modules/a": entry("2.0.0", { c: "^1" }),
        "node_modules/a": entry("1.0.0"),
        "node_modules/c": entry("1.0.0", { d: "^1" }),
        "node_modules/c/node_modules/d": entry("1.5.0"),
        "node_modules/d": entry("9.0.0"),
      },
    };
    const { dependencies, lockfile } = archiveDependencies(lock, "x", "vm/consumer", ["a"]);
    expect(dependencies).toEqual({ a: "2.0.0" });
    expect(Object.keys(lockfile.packages)).toEqual([
      "",
      "node_modules/a",
      "node_modules/c",
      "node_modules/c/node_modules/d",
    ]);
  });
});
