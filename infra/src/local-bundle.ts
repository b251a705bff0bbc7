/**
 * A VM program's bundle, built as `esbuildPackager` packages it for the VM, written to a temporary
 * folder to run on this machine (the consumer's integration tests and its benchmark). The folder's
 * node_modules is the repository's: the deploy's install for the VMs' platform (vm-modules.ts) is
 * not run here.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CodeSpec } from "@pgb/broker-utils/instance";
import { codeObjectPrefix, type VmStub } from "@pgb/broker-utils/naming";
import { bundledSchemaMapPath } from "@pgb/broker-utils/schema-maps";
import { BUNDLE_MAIN, esbuildPackager } from "./packaging.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface LocalBundle {
  /** The program's entry file, to run with `node`. */
  main: string;
  /** Removes the folder. */
  cleanup: () => Promise<void>;
}

export async function buildLocalVmBundle(program: VmStub): Promise<LocalBundle> {
  const sourceDir = `vm/${program}`;
  const code: CodeSpec = {
    program,
    kind: "vm",
    sourceDir,
    entry: "src/index.ts",
    objectPrefix: codeObjectPrefix(sourceDir),
    component: "brokerFiles",
  };
  const bundle = await esbuildPackager(REPO_ROOT, bundledSchemaMapPath).bundle(code);
  const dir = await mkdtemp(join(tmpdir(), `pgb-${program}-bundle-`));
  const place = async (path: string): Promise<string> => {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    return join(dir, path);
  };
  for (const [path, text] of Object.entries(bundle.files)) await writeFile(await place(path), text);
  for (const [path, source] of Object.entries(bundle.directories))
    await symlink(source, await place(path));
  await symlink(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
  return { main: join(dir, BUNDLE_MAIN), cleanup: () => rm(dir, { recursive: true, force: true }) };
}
