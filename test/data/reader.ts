/**
 * The test data of the repository (`test/data/`: real ZTF, LSST and ELAsTiCC alerts and SN Ia light
 * curves, each with its origin and licence in the folder's README and its checksum in MANIFEST.tsv):
 * the one place tests and benches find it, as the workspace package `@pgb/test-data`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of `test/data` (this file's folder). */
export const TEST_DATA = fileURLToPath(new URL(".", import.meta.url));

/** Absolute path of a data file or folder; fails (never skips) when it is missing. */
export function dataPath(...parts: string[]): string {
  const absolute = join(TEST_DATA, ...parts);
  if (!existsSync(absolute)) {
    throw new Error(
      `test data ${absolute} is missing: the repository ships it under test/data ` +
        `(see test/data/README.md); restore it with git checkout -- test/data`,
    );
  }
  return absolute;
}

export function readData(path: string): Buffer {
  return readFileSync(dataPath(path));
}

/** Data files under `dir` whose names end with `suffix`, relative to `test/data`, sorted. */
export function dataFiles(dir: string, suffix: string): string[] {
  const found: string[] = [];
  const walk = (path: string): void => {
    for (const name of readdirSync(path)) {
      const child = join(path, name);
      if (statSync(child).isDirectory()) walk(child);
      else if (name.endsWith(suffix)) found.push(relative(TEST_DATA, child));
    }
  };
  walk(dataPath(dir));
  return found.sort();
}
