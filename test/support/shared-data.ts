/**
 * The read-only test-data kit (real ZTF, LSST and ELAsTiCC alerts and schemas, SALT2 files; its
 * README describes every file): the one place tests and benches find it. It lives outside the
 * repository, in `../shared/data` next to it, unless PGB_SHARED_DATA names another folder.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute: PGB_SHARED_DATA, else `<repo>/../shared/data` (this file is `<repo>/test/support/`). */
export const SHARED_DATA = process.env["PGB_SHARED_DATA"]
  ? resolve(process.env["PGB_SHARED_DATA"])
  : fileURLToPath(new URL("../../../shared/data", import.meta.url));

/** Absolute path of a kit file or folder; fails (never skips) when it is missing. */
export function sharedPath(...parts: string[]): string {
  const absolute = join(SHARED_DATA, ...parts);
  if (!existsSync(absolute)) {
    throw new Error(
      `test data ${absolute} is missing: put the data kit in ../shared/data next to the ` +
        `repository, or set PGB_SHARED_DATA to the folder that holds it`,
    );
  }
  return absolute;
}

export function readShared(path: string): Buffer {
  return readFileSync(sharedPath(path));
}

/** Kit files under `dir` whose names end with `suffix`, relative to the kit, sorted. */
export function sharedFiles(dir: string, suffix: string): string[] {
  const found: string[] = [];
  const walk = (path: string): void => {
    for (const name of readdirSync(path)) {
      const child = join(path, name);
      if (statSync(child).isDirectory()) walk(child);
      else if (name.endsWith(suffix)) found.push(relative(SHARED_DATA, child));
    }
  };
  walk(sharedPath(dir));
  return found.sort();
}
