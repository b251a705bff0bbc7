/**
 * The `node_modules` of a VM bundle, installed on the deployer's machine so the VM never runs npm
 * (it may have no route to the npm registry, and an install at boot resolved versions per boot).
 * `npm ci` installs exactly the archive's lockfile (derived from the workspace's, `lockfile.ts`)
 * for the VM's platform, linux-x64 with glibc (Debian 12), whatever the deployer's machine is:
 * `--os/--cpu/--libc` pick the right prebuilt binary of a package that ships one per platform as
 * optional dependencies (e.g. `@node-rs/crc32-linux-x64-gnu` of `@platformatic/kafka`).
 *
 * Install scripts are not run (`--ignore-scripts`): a script builds for the machine it runs on,
 * the deployer's, not the VM. A package that has one goes into a VM bundle only when the root
 * package.json's `allowScripts` marks it `false` (its script was reviewed and is not needed at run
 * time, as protobufjs's version check); any other stops the deploy, naming the package.
 *
 * The result is cached per lockfile under `<cache>/vm-modules/<hash>`, so a deploy that changes
 * no dependency installs nothing and the bundle's hash (hence its object name) stays the same.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { installScriptPackages, type Lockfile } from "./lockfile.js";

/** The VMs' platform (Debian 12 on x86-64). */
export const VM_PLATFORM = { os: "linux", cpu: "x64", libc: "glibc" } as const;

/** Installs an archive's dependencies for the VM; returns the `node_modules` folder. */
export type VmModuleInstaller = (manifest: string, lockfile: Lockfile) => Promise<string>;

/** The root package.json's verdict on install scripts: `false` = not needed at run time. */
export async function allowedScripts(repoRoot: string): Promise<Record<string, boolean>> {
  const root = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")) as {
    allowScripts?: Record<string, boolean>;
  };
  return root.allowScripts ?? {};
}

/** Stops when a package of `lockfile` needs its install script on the VM. */
export function checkInstallScripts(lockfile: Lockfile, allowed: Record<string, boolean>): void {
  const needed = installScriptPackages(lockfile).filter(
    (path) => allowed[path.slice(path.lastIndexOf("node_modules/") + 13)] !== false,
  );
  if (needed.length > 0) {
    throw new Error(
      `${needed.join(", ")} run an install script, which cannot run for the VM on the deployer's ` +
        'machine: if the script is not needed at run time, set it to false in "allowScripts" of ' +
        "the root package.json; otherwise replace the package",
    );
  }
}

/** `npm ci` of the archive into a cache folder keyed by its manifest and lockfile. */
export function npmVmModules(repoRoot: string, cacheDir: string): VmModuleInstaller {
  return async (manifest, lockfile) => {
    checkInstallScripts(lockfile, await allowedScripts(repoRoot));
    const text = `${JSON.stringify(lockfile, null, 2)}\n`;
    const key = createHash("sha256")
      .update(JSON.stringify(VM_PLATFORM))
      .update(manifest)
      .update(text)
      .digest("hex")
      .slice(0, 20);
    const dir = join(cacheDir, "vm-modules", key);
    if (existsSync(join(dir, "node_modules"))) return join(dir, "node_modules");
    await mkdir(join(cacheDir, "vm-modules"), { recursive: true });
    const work = await mkdtemp(`${dir}.tmp-`);
    await writeFile(join(work, "package.json"), manifest);
    await writeFile(join(work, "package-lock.json"), text);
    try {
      await promisify(execFile)(
        "npm",
        [
          "ci",
          "--omit=dev",
          "--ignore-scripts",
          // No .bin symlinks: the archive holds regular files only.
          "--no-bin-links",
          `--os=${VM_PLATFORM.os}`,
          `--cpu=${VM_PLATFORM.cpu}`,
          `--libc=${VM_PLATFORM.libc}`,
          "--prefer-offline",
          "--no-audit",
          "--no-fund",
          "--loglevel=error",
        ],
        { cwd: work, maxBuffer: 16 * 1024 * 1024 },
      );
    } catch (e) {
      await rm(work, { recursive: true, force: true });
      throw new Error(`npm ci of a VM bundle's dependencies failed in ${work}: ${String(e)}`);
    }
    // Another deploy may have finished the same install meanwhile: keep its folder.
    if (existsSync(dir)) await rm(work, { recursive: true, force: true });
    else await rename(work, dir);
    return join(dir, "node_modules");
  };
}
