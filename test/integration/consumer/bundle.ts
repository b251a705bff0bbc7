/**
 * The consumer's VM bundle, built as infra packages it, for the integration tests and the
 * benchmark (no vitest import here: bench/consumer runs outside vitest).
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CodeSpec } from "@pgb/broker-utils/instance";
import { bundledSchemaMapPath } from "@pgb/broker-utils/schema-maps";
import { BUNDLE_MAIN, esbuildPackager } from "../../../infra/src/packaging.js";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const CONSUMER_CODE: CodeSpec = {
  program: "consumer",
  kind: "vm",
  sourceDir: "vm/consumer",
  entry: "src/index.ts",
  objectPrefix: "vm/consumer/",
  component: "consumer",
};

/**
 * Writes the consumer's VM bundle (as infra packages it) to a temporary folder whose node_modules
 * is the repository's, since the startup script's `npm install` is not run here. Returns the path
 * of the program and a cleanup.
 */
export async function buildConsumerBundle(): Promise<{
  main: string;
  cleanup: () => Promise<void>;
}> {
  const bundle = await esbuildPackager(REPO_ROOT, bundledSchemaMapPath).bundle(CONSUMER_CODE);
  const dir = await mkdtemp(join(tmpdir(), "pgb-consumer-bundle-"));
  for (const [path, text] of Object.entries(bundle.files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  for (const [path, source] of Object.entries(bundle.directories)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await symlink(source, join(dir, path));
  }
  await symlink(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
  return { main: join(dir, BUNDLE_MAIN), cleanup: () => rm(dir, { recursive: true, force: true }) };
}
