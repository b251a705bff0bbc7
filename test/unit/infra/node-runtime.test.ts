/** The VMs' Node.js runtime: read from the deployer's cache and checked against its pinned hash. */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cachedNodeRuntime,
  NODE_RUNTIME_SHA256,
  pgbCacheDir,
  pinnedNodeSha256,
} from "../../../infra/src/node-runtime.js";

describe("Node.js runtime of the VMs", () => {
  let cache: string;
  beforeAll(async () => {
    cache = await mkdtemp(join(tmpdir(), "pgb-node-runtime-"));
  });
  afterAll(() => rm(cache, { recursive: true, force: true }));
  const tarball = (version: string) =>
    join(cache, "node-runtime", `node-v${version}-linux-x64.tar.xz`);

  it("pins the default release's official SHA-256", () => {
    expect(pinnedNodeSha256("22.12.0")).toBe(
      "22982235e1b71fa8850f82edd09cdae7e3f32df1764a9ec298c72d25ef2c164f",
    );
  });

  it("names the fix for a release without a pin", () => {
    expect(() => pinnedNodeSha256("22.99.0")).toThrow(
      /broker:nodeVersion 22.99.0 has no pinned SHA-256 .*SHASUMS256.txt to NODE_RUNTIME_SHA256 in infra\/src\/node-runtime.ts/,
    );
  });

  it("tells how to download a missing tarball", async () => {
    await expect(cachedNodeRuntime(cache)("22.12.0")).rejects.toThrow(
      `the VMs' Node.js runtime ${tarball("22.12.0")} is missing: download it once with\n  curl -fLo ${tarball("22.12.0")} --create-dirs https://nodejs.org/dist/v22.12.0/node-v22.12.0-linux-x64.tar.xz`,
    );
  });

  it("refuses a tarball whose hash is not the pinned one", async () => {
    await mkdir(join(cache, "node-runtime"), { recursive: true });
    await writeFile(tarball("22.12.0"), "not node");
    await expect(cachedNodeRuntime(cache)("22.12.0")).rejects.toThrow(
      /has SHA-256 [0-9a-f]{64}, not the pinned 22982235.* of Node.js 22.12.0: delete it and download it again/,
    );
  });

  it("returns the cached tarball whose hash matches the pin", async () => {
    await writeFile(tarball("22.12.0"), "node");
    const sha = createHash("sha256").update("node").digest("hex");
    const pins = { ...NODE_RUNTIME_SHA256, "22.12.0": sha };
    expect(await cachedNodeRuntime(cache, pins)("22.12.0")).toEqual({
      version: "22.12.0",
      path: tarball("22.12.0"),
      sha256: sha,
    });
  });

  it("lives in PGB_CACHE_DIR, else ~/.cache/pgb", () => {
    expect(pgbCacheDir({ PGB_CACHE_DIR: "/srv/pgb" })).toBe("/srv/pgb");
    expect(pgbCacheDir({})).toMatch(/\.cache\/pgb$/);
  });
});
