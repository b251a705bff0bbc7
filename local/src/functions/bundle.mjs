// Builds a function's deployment bundle with the Pulumi program's own packager (infra/src/packaging.ts,
// esbuild: @pgb/* inlined from source, npm packages external) and writes it to a content-addressed
// folder, so the local process runs exactly what would be deployed. Its external imports resolve
// from the repository's node_modules because the folder is inside the repository.
//
// A separate process run with `node --import tsx` because the packager is TypeScript source of
// another workspace: the local instance may itself run compiled (dist/) without a TypeScript loader.
// Plain JavaScript (no build step) so it is found from src/ and dist/ alike.
// Usage: node --import tsx bundle.mjs --repo <root> --out <dir> --program <id> --source-dir <dir>
// Prints the bundle folder (`<out>/<hash>`) on stdout.
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

/** @param {string} flag */
function arg(flag) {
  const i = process.argv.indexOf(flag);
  const value = i >= 0 ? process.argv[i + 1] : undefined;
  if (value === undefined) {
    process.stderr.write(`bundle: ${flag} is required\n`);
    process.exit(2);
  }
  return value;
}

/**
 * Older bundles are removed only beyond the newest three and once a day old: a process started
 * from one may still run, and it reads broker-utils' data through the bundle's `data` link.
 */
const KEEP = 3;
const STALE_MS = 24 * 3600 * 1000;

const repo = arg("--repo");
const out = arg("--out");
const program = arg("--program");
const sourceDir = arg("--source-dir");

const { esbuildPackager } = await import(pathToFileURL(join(repo, "infra/src/packaging.ts")).href);
const { codeObjectPrefix } = await import(
  pathToFileURL(join(repo, "packages/broker-utils/src/naming/index.ts")).href
);
const packager = esbuildPackager(repo, () => {
  throw new Error("schema maps are not part of a function bundle");
});
const bundle = await packager.bundle({
  program,
  kind: "function",
  sourceDir,
  entry: "src/index.ts",
  objectPrefix: codeObjectPrefix(sourceDir),
  component: "instance",
});

const final = join(out, bundle.hash);
if (!existsSync(final)) {
  // written under a temporary name and renamed, so a concurrent build of the same code never sees
  // half a bundle (both write the same content; the second rename finds the folder and gives way)
  const tmp = `${final}.tmp-${process.pid}`;
  for (const [path, text] of Object.entries(bundle.files)) {
    await mkdir(dirname(join(tmp, path)), { recursive: true });
    await writeFile(join(tmp, path), text);
  }
  // data folders (broker-utils' schemas and schema maps, salt2's model, bandpasses and fonts) are
  // linked, not copied: the bundle finds them at ../../data from dist/pgb/index.js, as in the
  // deployed archive
  for (const [path, dir] of Object.entries(bundle.directories)) {
    await mkdir(dirname(join(tmp, path)), { recursive: true });
    await symlink(dir, join(tmp, path), "dir");
  }
  try {
    await rename(tmp, final);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    if (!existsSync(final)) throw err;
  }
}

const others = [];
for (const name of await readdir(out)) {
  if (name === bundle.hash || name.includes(".tmp-")) continue;
  others.push({ name, mtime: (await stat(join(out, name))).mtimeMs });
}
others.sort((a, b) => b.mtime - a.mtime);
for (const old of others.slice(KEEP - 1)) {
  if (Date.now() - old.mtime > STALE_MS)
    await rm(join(out, old.name), { recursive: true, force: true });
}
process.stdout.write(`${final}\n`);
