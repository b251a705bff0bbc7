/**
 * The Node.js runtime of the VMs: the official linux-x64 build of a pinned release, uploaded by the
 * deploy to the instance's `broker_files` bucket, from which the startup script copies it and checks
 * its SHA-256 again. So a VM boots without reaching nodejs.org (it may have no route outside Google)
 * and runs exactly the bytes pinned here.
 *
 * Where the deployer gets it: the tarball is read from the deployer's cache,
 * `$PGB_CACHE_DIR/node-runtime/` (default `~/.cache/pgb/node-runtime/`), where the deploy's error
 * message tells how to put it (one `curl` from nodejs.org). The deploy does not download it itself:
 * the cache is the one place to look for it, and its hash is checked against the pin before the
 * upload. Not the npm registry's `node` package: it is a third party's repackaging that downloads
 * the binary at install time.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join, resolve } from "node:path";
import { nodeRuntimeObject } from "@pgb/broker-utils/naming";

/**
 * SHA-256 of `node-v<version>-linux-x64.tar.xz` per pinned release, from the release's
 * https://nodejs.org/dist/v<version>/SHASUMS256.txt. Pin another release by adding its line.
 */
export const NODE_RUNTIME_SHA256: Readonly<Record<string, string>> = {
  "22.12.0": "22982235e1b71fa8850f82edd09cdae7e3f32df1764a9ec298c72d25ef2c164f",
};

export interface NodeRuntime {
  version: string;
  /** The tarball on the deployer's machine. */
  path: string;
  sha256: string;
}

/** The tarball of `version` on the deployer's machine, checked against its pin. */
export type NodeRuntimeProvider = (version: string) => Promise<NodeRuntime>;

/** The deployer's cache: `$PGB_CACHE_DIR`, else `~/.cache/pgb` (as `pgb local`'s installs). */
export function pgbCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env["PGB_CACHE_DIR"];
  return dir === undefined || dir === "" ? join(homedir(), ".cache", "pgb") : resolve(dir);
}

/** The pinned SHA-256 of a release, or an error naming the fix. */
export function pinnedNodeSha256(
  version: string,
  pins: Readonly<Record<string, string>> = NODE_RUNTIME_SHA256,
): string {
  const sha = pins[version];
  if (sha === undefined) {
    throw new Error(
      `broker:nodeVersion ${version} has no pinned SHA-256 (pinned: ` +
        `${Object.keys(pins).join(", ")}): add the line of ` +
        `${basename(nodeRuntimeObject(version))} from https://nodejs.org/dist/v${version}/SHASUMS256.txt ` +
        "to NODE_RUNTIME_SHA256 in infra/src/node-runtime.ts",
    );
  }
  return sha;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** The runtime from `<cacheDir>/node-runtime/`, checked against `pins` once per version. */
export function cachedNodeRuntime(
  cacheDir: string,
  pins: Readonly<Record<string, string>> = NODE_RUNTIME_SHA256,
): NodeRuntimeProvider {
  const checked = new Map<string, Promise<NodeRuntime>>();
  return (version) => {
    const runtime = checked.get(version) ?? checkedRuntime(cacheDir, pins, version);
    checked.set(version, runtime);
    return runtime;
  };
}

async function checkedRuntime(
  cacheDir: string,
  pins: Readonly<Record<string, string>>,
  version: string,
): Promise<NodeRuntime> {
  const sha256 = pinnedNodeSha256(version, pins);
  const file = basename(nodeRuntimeObject(version));
  const path = join(cacheDir, "node-runtime", file);
  const fetch = `curl -fLo ${path} --create-dirs https://nodejs.org/dist/v${version}/${file}`;
  if (!existsSync(path)) {
    throw new Error(
      `the VMs' Node.js runtime ${path} is missing: download it once with\n  ${fetch}`,
    );
  }
  const actual = await sha256File(path);
  if (actual !== sha256) {
    throw new Error(
      `${path} has SHA-256 ${actual}, not the pinned ${sha256} of Node.js ${version}: ` +
        `delete it and download it again with\n  ${fetch}`,
    );
  }
  return { version, path, sha256 };
}
