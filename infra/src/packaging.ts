/**
 * Code packaging: each function and VM program is bundled with esbuild into one ESM file. Workspace
 * packages (`@pgb/*`) are inlined from their TypeScript sources (the `source` export condition);
 * every other npm package stays external and is listed at the workspace's locked version in the
 * archive's package.json, with a package-lock.json of exactly those packages and their transitive
 * dependencies derived from the root lockfile (`lockfile.ts`). Cloud Build installs a function's
 * with `npm ci` (so it resolves nothing at deploy time); a VM's are installed into the archive's
 * `node_modules` on the deployer's machine (`vm-modules.ts`), so the VM never runs npm. The
 * bundle sits at `dist/pgb/index.js` beside `data/`, the merged `data/` folders of the workspace
 * packages it inlines (broker-utils, salt2), because each finds its data at `../../data/` from its
 * module file. The object name carries a hash of the content, so a code change is a new object and
 * redeploys the function.
 *
 * The Pulumi program takes a `Packager`; tests pass a fake one, so they need no program sources.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { join, relative, sep } from "node:path";
import { build, type Plugin } from "esbuild";
import type { CodeSpec } from "@pgb/broker-utils/instance";
import type { Survey } from "@pgb/broker-utils/schema-maps";
import { archiveDependencies, readLockfile, type Lockfile } from "./lockfile.js";
import type { VmModuleInstaller } from "./vm-modules.js";

/** Where the bundle and its data sit inside the archive. */
export const BUNDLE_MAIN = "dist/pgb/index.js";
export const BUNDLE_DATA_DIR = "data";
export const BUNDLE_MODULES_DIR = "node_modules";
/** Workspace packages that read files of their own `data/` folder at run time. */
const DATA_PACKAGES = ["broker-utils", "salt2"];
/** Always a dependency of a function: its runtime loads the entry point through it. */
const FUNCTIONS_FRAMEWORK = "@google-cloud/functions-framework";

export interface Bundle {
  /** Archive path → text content. */
  files: Record<string, string>;
  /** Archive path → local directory copied there. */
  directories: Record<string, string>;
  /** Hex digest of everything in the archive. */
  hash: string;
}

export interface Packager {
  bundle(code: CodeSpec): Promise<Bundle>;
  /** The schema map of a survey, as uploaded to `broker_files/schema_maps/`. */
  schemaMap(survey: Survey): Promise<string>;
}

const BUILTINS = new Set(builtinModules);

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
export function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return (specifier.startsWith("@") ? parts.slice(0, 2) : parts.slice(0, 1)).join("/");
}

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith("node:") || BUILTINS.has(packageName(specifier));
}

/** Inline workspace packages, keep npm packages external. */
const externalNpmPackages: Plugin = {
  name: "external-npm-packages",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("@pgb/")) return undefined;
      return { path: args.path, external: true };
    });
  },
};

async function hashDirectory(hash: ReturnType<typeof createHash>, dir: string, prefix: string) {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  for (const e of entries) {
    const path = join(dir, e.name);
    const name = `${prefix}/${e.name}`;
    if (e.isDirectory()) await hashDirectory(hash, path, name);
    else if (e.isFile())
      hash
        .update(name)
        .update("\0")
        .update(await readFile(path))
        .update("\0");
  }
}

export async function hashBundle(
  files: Record<string, string>,
  directories: Record<string, string>,
): Promise<string> {
  const hash = createHash("sha256");
  for (const name of Object.keys(files).sort())
    hash
      .update(name)
      .update("\0")
      .update(files[name] ?? "")
      .update("\0");
  for (const name of Object.keys(directories).sort())
    await hashDirectory(hash, directories[name] ?? "", name);
  return hash.digest("hex").slice(0, 20);
}

/**
 * Archive path → folder of each data folder of the packages a bundle inlines (`inputs`: esbuild's
 * input paths), merged under the bundle's `data/`.
 */
function dataDirectories(repoRoot: string, inputs: readonly string[]): Record<string, string> {
  const directories: Record<string, string> = {};
  for (const pkg of DATA_PACKAGES) {
    const data = join(repoRoot, "packages", pkg, "data");
    if (!existsSync(data) || !inputs.some((i) => i.includes(`packages/${pkg}/`))) continue;
    for (const entry of readdirSync(data, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const path = `${BUNDLE_DATA_DIR}/${entry.name}`;
      if (directories[path] !== undefined) {
        throw new Error(
          `data folder ${entry.name} is in two packages: ${directories[path]}, ${data}`,
        );
      }
      directories[path] = join(data, entry.name);
    }
  }
  return directories;
}

/**
 * The real packager. `repoRoot` is the repository root; `schemaMapPath(survey)` locates a survey's
 * schema map (owned by the schema-maps module); `vmModules` installs a VM bundle's dependencies
 * into it (the deploy passes one; without it a VM bundle has no node_modules, as for local runs,
 * which link the repository's).
 */
export function esbuildPackager(
  repoRoot: string,
  schemaMapPath: (survey: Survey) => string,
  vmModules?: VmModuleInstaller,
): Packager {
  let rootLock: Promise<Lockfile> | undefined;
  return {
    async bundle(code) {
      const dir = join(repoRoot, code.sourceDir);
      const entry = join(dir, code.entry);
      if (!existsSync(entry)) {
        throw new Error(
          `cannot package ${code.program}: its entry file ${relative(repoRoot, entry)} does not exist`,
        );
      }
      const result = await build({
        entryPoints: [entry],
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node22",
        conditions: ["source"],
        outfile: BUNDLE_MAIN,
        write: false,
        metafile: true,
        legalComments: "none",
        logLevel: "silent",
        plugins: [externalNpmPackages],
      });
      const js = result.outputFiles.find(
        (f) => f.path.endsWith(`${sep}index.js`) || f.path.endsWith("/index.js"),
      );
      if (js === undefined) throw new Error(`esbuild produced no bundle for ${code.program}`);
      const imported = new Set<string>();
      for (const output of Object.values(result.metafile.outputs)) {
        for (const i of output.imports) {
          if (i.external && !isBuiltin(i.path)) imported.add(packageName(i.path));
        }
      }
      if (code.kind === "function") imported.add(FUNCTIONS_FRAMEWORK);
      const name = `pgb-${code.program.replaceAll("_", "-")}`;
      rootLock ??= readLockfile(join(repoRoot, "package-lock.json"));
      const { dependencies, lockfile } = archiveDependencies(await rootLock, name, code.sourceDir, [
        ...imported,
      ]);
      const manifest = {
        name,
        private: true,
        type: "module",
        main: BUNDLE_MAIN,
        engines: { node: ">=22" },
        dependencies,
      };
      const files = {
        "package.json": `${JSON.stringify(manifest, null, 2)}\n`,
        "package-lock.json": `${JSON.stringify(lockfile, null, 2)}\n`,
        [BUNDLE_MAIN]: js.text,
      };
      const directories = dataDirectories(repoRoot, Object.keys(result.metafile.inputs));
      if (code.kind === "vm" && vmModules !== undefined) {
        directories[BUNDLE_MODULES_DIR] = await vmModules(files["package.json"], lockfile);
      }
      return { files, directories, hash: await hashBundle(files, directories) };
    },
    async schemaMap(survey) {
      const path = schemaMapPath(survey);
      if (!existsSync(path)) {
        throw new Error(`no schema map for survey ${survey} at ${relative(repoRoot, path)}`);
      }
      return readFile(path, "utf8");
    },
  };
}
