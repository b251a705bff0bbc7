/**
 * The launch spec: how the local instance runs each VM program as a process. The local instance
 * writes it (with `writeLaunchSpec`) into the local compute state directory before any VM starts;
 * the local compute port reads it at every start. Format (JSON, `<stateDir>/launch-spec.json`):
 *
 * ```json
 * {
 *   "version": 1,
 *   "vms": {
 *     "ztf-consumer-mytest": {
 *       "command": "/usr/bin/node",
 *       "args": ["--conditions=source", "--import", "tsx", "vm/consumer/src/index.ts"],
 *       "cwd": "/path/to/repo",
 *       "env": { "SURVEY": "ztf", "ALERTS_TOPIC": "ztf-alerts-mytest", "PUBSUB_EMULATOR_HOST": "127.0.0.1:8085" }
 *     }
 *   }
 * }
 * ```
 *
 * Keys of `vms` are VM names as in the instance model. `env` is the VM's environment from the
 * instance model (`VmSpec.env`) plus what a local process needs (emulator hosts, the project).
 * At start the port adds the VM's current metadata (UPPER_CASE keys, as the startup script does)
 * and the variables that let the program manage other local VMs.
 */
import { isAbsolute, join } from "node:path";
import { ComputeError } from "@pgb/compute";
import { readJsonIfExists, writeJsonAtomic } from "./files.js";

export const LAUNCH_SPEC_VERSION = 1;
export const LAUNCH_SPEC_FILE = "launch-spec.json";

export interface VmLaunch {
  /** Executable: an absolute path, or a name looked up on PATH. */
  command: string;
  args: string[];
  /** Absolute working directory. */
  cwd: string;
  env: Record<string, string>;
}

export interface LaunchSpec {
  version: typeof LAUNCH_SPEC_VERSION;
  vms: Record<string, VmLaunch>;
}

export function launchSpecPath(stateDir: string): string {
  return join(stateDir, LAUNCH_SPEC_FILE);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Validates a parsed launch spec; `origin` names it in errors. */
export function validateLaunchSpec(value: unknown, origin: string): LaunchSpec {
  const fail = (what: string): never => {
    throw new ComputeError(`launch spec ${origin}: ${what}`);
  };
  if (!isRecord(value)) return fail("must be a JSON object {version, vms}");
  if (value["version"] !== LAUNCH_SPEC_VERSION) {
    fail(`version must be ${LAUNCH_SPEC_VERSION}, got ${JSON.stringify(value["version"])}`);
  }
  const vms = value["vms"];
  if (!isRecord(vms)) return fail("vms must be an object VM name → {command, args, cwd, env}");
  for (const [name, launch] of Object.entries(vms)) {
    if (!isRecord(launch)) fail(`vms.${name} must be an object {command, args, cwd, env}`);
    const l = launch as Record<string, unknown>;
    if (typeof l["command"] !== "string" || l["command"] === "") {
      fail(`vms.${name}.command must be a non-empty string`);
    }
    if (!Array.isArray(l["args"]) || !l["args"].every((a) => typeof a === "string")) {
      fail(`vms.${name}.args must be an array of strings`);
    }
    if (typeof l["cwd"] !== "string" || !isAbsolute(l["cwd"])) {
      fail(`vms.${name}.cwd must be an absolute path`);
    }
    const env = l["env"];
    if (!isRecord(env) || !Object.values(env).every((v) => typeof v === "string")) {
      fail(`vms.${name}.env must be an object of string values`);
    }
  }
  return value as unknown as LaunchSpec;
}

/** Writes the launch spec (atomically) into the state directory; returns its path. */
export async function writeLaunchSpec(stateDir: string, spec: LaunchSpec): Promise<string> {
  const path = launchSpecPath(stateDir);
  validateLaunchSpec(spec, path);
  await writeJsonAtomic(path, spec);
  return path;
}

export async function readLaunchSpec(stateDir: string): Promise<LaunchSpec> {
  const path = launchSpecPath(stateDir);
  const value = await readJsonIfExists(path);
  if (value === undefined) {
    throw new ComputeError(
      `no launch spec at ${path}: the local instance writes it (writeLaunchSpec) before starting VMs`,
    );
  }
  return validateLaunchSpec(value, path);
}
