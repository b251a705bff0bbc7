/** The contract each local server implements, and helpers they share. */
import { appendFile, mkdir, rename } from "node:fs/promises";
import { join } from "node:path";
import type { ResolvedConfig, ServiceName, StorageNotification } from "./config.js";
import { fileSize, pathExists, type ServiceRecord } from "./process.js";

export interface StartRequest {
  port: number;
  /** Only for storage: the server-wide event topic to start with (none when undefined). */
  storageNotification?: StorageNotification;
  /** Endpoint of the Pub/Sub emulator, for storage events. */
  pubsubHost: string;
}

export interface ServiceDriver {
  readonly name: ServiceName;
  /** Installs into the cache unless already there; idempotent and safe to call on every start. */
  install(config: ResolvedConfig): Promise<void>;
  /** True when install() has nothing left to do. */
  installed(config: ResolvedConfig): Promise<boolean>;
  /** Version of the installed server, as shown by `status`. */
  version(config: ResolvedConfig): Promise<string>;
  /** What clients are given: host:port or a URL. */
  endpoint(port: number): string;
  /** Starts the server and waits until it answers; the record lists every process started. */
  start(config: ResolvedConfig, request: StartRequest): Promise<ServiceRecord>;
  /** True when the server on this port answers like itself. */
  healthy(config: ResolvedConfig, port: number): Promise<boolean>;
}

export function logFileOf(config: ResolvedConfig, name: ServiceName): string {
  return join(config.logDir, `${name}.log`);
}

/** Past this size a log is moved to <name>.log.1 at the next start (one old generation kept). */
const MAX_LOG_BYTES = 20 * 1024 * 1024;

/** Marks the start of a run in the (appended) log and returns where this run's output begins. */
export async function beginLog(config: ResolvedConfig, name: ServiceName): Promise<number> {
  await mkdir(config.logDir, { recursive: true });
  const file = logFileOf(config, name);
  if ((await fileSize(file)) > MAX_LOG_BYTES) await rename(file, `${file}.1`);
  await appendFile(file, `\n===== pgb: starting ${name} at ${new Date().toISOString()} =====\n`);
  return fileSize(file);
}

/** Directory for one server's data and generated config, per port so two instances never share. */
export function dataDirOf(config: ResolvedConfig, name: ServiceName, port: number): string {
  return join(config.stateDir, `${name}-${port}`);
}

/** Environment of every server process: no Google metadata probing, no telemetry. */
export function serverEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    METADATA_SERVER_DETECTION: "none",
    GCE_METADATA_HOST: "127.0.0.1:1",
    ...extra,
  };
}

/** `nice -n 10 cmd …` where nice exists: installs share two cores with everything else. */
export async function niceCommand(
  command: string,
  args: readonly string[],
): Promise<[string, string[]]> {
  return (await pathExists("/usr/bin/nice"))
    ? ["/usr/bin/nice", ["-n", "10", command, ...args]]
    : [command, [...args]];
}
