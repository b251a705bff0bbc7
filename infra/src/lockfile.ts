/**
 * The package-lock.json of a code archive, derived from the workspace's root package-lock.json: the
 * archive's external npm packages and their transitive closure (dependencies, optional and peer
 * dependencies), each entry copied verbatim (version, integrity, platform fields), so `npm ci` in
 * Cloud Build (functions) or on the deployer's machine (VM bundles) installs exactly the versions
 * the workspace was tested with. Without it Cloud Build ran `npm install` and resolved versions at
 * deploy time.
 *
 * Layout: the archive's `node_modules` is the workspace's, re-rooted at the program's folder. A
 * package found under `<program>/node_modules/` (a workspace-local version) moves to the archive's
 * root; if the closure also holds the root's copy of that package, the two would collide at one
 * path, and the derivation stops rather than let Node resolve a different version than in tests.
 */
import { readFile } from "node:fs/promises";

/** One `packages` entry of a lockfile (v2/v3), the fields the derivation reads. */
export interface LockEntry {
  version?: string;
  integrity?: string;
  link?: boolean;
  optional?: boolean;
  hasInstallScript?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
}

export interface Lockfile {
  name?: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

/** Fields of a root-lockfile entry that describe its place in the workspace, not the package. */
const WORKSPACE_FLAGS = ["dev", "devOptional", "optional", "peer", "extraneous"];

export async function readLockfile(path: string): Promise<Lockfile> {
  const lock = JSON.parse(await readFile(path, "utf8")) as Partial<Lockfile>;
  if (typeof lock.packages !== "object" || (lock.lockfileVersion ?? 0) < 2) {
    throw new Error(
      `${path} is not an npm lockfile v2 or v3 (no "packages"): run npm install with npm 7 or later`,
    );
  }
  return lock as Lockfile;
}

/** `a/node_modules/b/node_modules/c` → `a/node_modules/b`; `node_modules/x` or `vm/c` → `""`. */
function parentDir(path: string): string {
  const i = path.lastIndexOf("/node_modules/");
  return i >= 0 ? path.slice(0, i) : "";
}

/** The lockfile path `name` resolves to from folder `from`, as Node walks up node_modules. */
export function resolvePackage(lock: Lockfile, from: string, name: string): string | undefined {
  for (let dir = from; ; dir = parentDir(dir)) {
    const path = `${dir === "" ? "" : `${dir}/`}node_modules/${name}`;
    if (lock.packages[path] !== undefined) return path;
    if (dir === "") return undefined;
  }
}

/** Where a package of the workspace sits in the archive: `<program>/node_modules/x` → `node_modules/x`. */
function archivePath(path: string, programDir: string): string {
  return path.startsWith(`${programDir}/`) ? path.slice(programDir.length + 1) : path;
}

interface Edge {
  to: string;
  optional: boolean;
}

/** The dependencies of the package at `path`, resolved; an optional one may be absent. */
function edges(lock: Lockfile, path: string, entry: LockEntry): Edge[] {
  const wanted: [string, boolean][] = [
    ...Object.keys(entry.dependencies ?? {}).map((d): [string, boolean] => [d, false]),
    ...Object.keys(entry.optionalDependencies ?? {}).map((d): [string, boolean] => [d, true]),
    ...Object.keys(entry.peerDependencies ?? {}).map((d): [string, boolean] => [
      d,
      entry.peerDependenciesMeta?.[d]?.optional === true,
    ]),
  ];
  const found: Edge[] = [];
  for (const [name, optional] of wanted) {
    const to = resolvePackage(lock, path, name);
    if (to !== undefined) found.push({ to, optional });
    else if (!optional) {
      throw new Error(
        `package-lock.json: ${path} needs ${name}, which the lockfile does not hold: run npm install`,
      );
    }
  }
  return found;
}

/** The lockfile paths reachable from `roots`, and which of them are reachable without an optional edge. */
function closure(lock: Lockfile, roots: readonly string[]) {
  const graph = new Map<string, Edge[]>();
  const pending = [...roots];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    if (graph.has(path)) continue;
    const entry = lock.packages[path];
    if (entry === undefined || entry.link === true || entry.integrity === undefined) {
      throw new Error(
        `package-lock.json: ${path} is not a registry package with an integrity hash; ` +
          "a code archive can only hold npm registry packages",
      );
    }
    const out = edges(lock, path, entry);
    graph.set(path, out);
    pending.push(...out.map((e) => e.to));
  }
  const required = new Set<string>();
  const walk = [...roots];
  for (let path = walk.pop(); path !== undefined; path = walk.pop()) {
    if (required.has(path)) continue;
    required.add(path);
    walk.push(...(graph.get(path) ?? []).filter((e) => !e.optional).map((e) => e.to));
  }
  return { paths: [...graph.keys()], required };
}

export interface ArchiveDependencies {
  /** Package name → exact version, the archive's package.json `dependencies`. */
  dependencies: Record<string, string>;
  /** The archive's package-lock.json. */
  lockfile: Lockfile;
}

/**
 * The dependencies and lockfile of an archive named `name` whose code lives in the workspace folder
 * `programDir` and imports the npm packages `packages`.
 */
export function archiveDependencies(
  lock: Lockfile,
  name: string,
  programDir: string,
  packages: readonly string[],
): ArchiveDependencies {
  const roots: string[] = [];
  const dependencies: Record<string, string> = {};
  for (const pkg of [...packages].sort()) {
    const path = resolvePackage(lock, programDir, pkg);
    if (path === undefined) {
      throw new Error(
        `package ${pkg} is imported by ${programDir} but not in package-lock.json; add it to that ` +
          "workspace's package.json and run npm install",
      );
    }
    roots.push(path);
    dependencies[pkg] = String(lock.packages[path]?.version);
  }
  const { paths, required } = closure(lock, roots);
  const entries = new Map<string, [string, LockEntry]>();
  for (const path of paths.sort()) {
    const target = archivePath(path, programDir);
    const taken = entries.get(target);
    if (taken !== undefined) {
      throw new Error(
        `package-lock.json: ${path} and ${taken[0]} would both be ${target} in the archive of ` +
          `${programDir}; align their versions (npm dedupe, or the same range in both package.json)`,
      );
    }
    const entry = Object.fromEntries(
      Object.entries(lock.packages[path] ?? {}).filter(([k]) => !WORKSPACE_FLAGS.includes(k)),
    );
    entries.set(target, [path, required.has(path) ? entry : { ...entry, optional: true }]);
  }
  const sorted = [...entries.keys()].sort();
  return {
    dependencies,
    lockfile: {
      name,
      lockfileVersion: 3,
      requires: true,
      packages: {
        "": { name, dependencies },
        ...Object.fromEntries(sorted.map((t) => [t, entries.get(t)?.[1] ?? {}])),
      },
    },
  };
}

/** Packages of a lockfile that run an install script (e.g. build native code for the machine). */
export function installScriptPackages(lock: Lockfile): string[] {
  return Object.entries(lock.packages)
    .filter(([, e]) => e.hasInstallScript === true)
    .map(([path]) => path);
}
