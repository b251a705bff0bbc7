/**
 * Options of the local servers and how they resolve: explicit options first, then environment
 * variables (PGB_CACHE_DIR, PGB_<NAME>_PORT), then defaults. The install cache lives outside the
 * repository so a fresh clone or `git clean` never throws away a 100 MB Kafka or a Go build.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export type ServiceName = "kafka" | "pubsub" | "storage" | "bigquery";

export const SERVICE_NAMES: readonly ServiceName[] = ["kafka", "pubsub", "storage", "bigquery"];

/** Default ports, overridable with PGB_KAFKA_PORT, PGB_PUBSUB_PORT, PGB_STORAGE_PORT, PGB_BIGQUERY_PORT. */
export const DEFAULT_PORTS: Readonly<Record<ServiceName, number>> = {
  kafka: 9092,
  pubsub: 8085,
  storage: 4443,
  bigquery: 9050,
};

/**
 * Each server also needs a second, internal port: Kafka's KRaft controller listener, the Cloud
 * Storage emulator behind its path-normalising front, and bqemulator's gRPC (Storage Read/Write)
 * API. They sit at a fixed offset from the public port so one setting moves both.
 */
export const INTERNAL_PORT_OFFSET: Readonly<Record<ServiceName, number>> = {
  kafka: 1,
  pubsub: 0,
  storage: 1,
  bigquery: 10,
};

/** Events fake-gcs-server can publish for its server-wide topic (its `-event.list` values). */
export type StorageEventName = "finalize" | "delete" | "metadataUpdate";

/**
 * A server-wide Pub/Sub topic for Cloud Storage events, fixed when the storage server starts.
 * Per-bucket notification configs (the real API) work without it; see docs/local-servers.md.
 */
export interface StorageNotification {
  /** Pub/Sub project of the topic. */
  project: string;
  /** Topic id (not the full path); it must exist on the Pub/Sub emulator before objects change. */
  topic: string;
  /** Events to publish; default ["finalize"]. */
  events?: readonly StorageEventName[];
  /** Only objects in this bucket. */
  bucket?: string;
  /** Only objects whose name starts with this prefix. */
  objectPrefix?: string;
}

export interface ServicesOptions {
  /** Install cache; default PGB_CACHE_DIR, else ~/.cache/pgb. */
  cacheDir?: string;
  /**
   * PID records, logs and server data; default <cacheDir>/state. A second state dir (with other
   * ports) runs a second, independent set of servers from the same install, e.g. for a test that
   * must restart a server without disturbing the shared ones.
   */
  stateDir?: string;
  /** Ports of the public listeners; default PGB_<NAME>_PORT, else DEFAULT_PORTS. */
  ports?: Partial<Record<ServiceName, number>>;
  /** Which servers to act on; default all four. */
  services?: readonly ServiceName[];
  /** Progress lines (installing, starting, ready); default: stderr. */
  progress?: (message: string) => void;
  /**
   * Server-wide storage event topic. `undefined` keeps whatever the running server has (none for a
   * new one); `null` asks for a server without one (restarting it if it has one).
   */
  storageNotification?: StorageNotification | null;
  /** Default project for the BigQuery emulator; default GOOGLE_CLOUD_PROJECT, else "pgb-local". */
  project?: string;
  /** Environment to read PGB_* settings from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface ResolvedConfig {
  cacheDir: string;
  /** PIDs, logs and server data: <cacheDir>/state. */
  stateDir: string;
  logDir: string;
  ports: Record<ServiceName, number>;
  services: readonly ServiceName[];
  progress: (message: string) => void;
  storageNotification: StorageNotification | null | undefined;
  project: string;
}

export class ServiceConfigError extends Error {
  override name = "ServiceConfigError";
}

const PORT_VARS: Readonly<Record<ServiceName, string>> = {
  kafka: "PGB_KAFKA_PORT",
  pubsub: "PGB_PUBSUB_PORT",
  storage: "PGB_STORAGE_PORT",
  bigquery: "PGB_BIGQUERY_PORT",
};

export function portVariable(name: ServiceName): string {
  return PORT_VARS[name];
}

function parsePort(value: string | number, source: string): number {
  const port = typeof value === "number" ? value : Number(value.trim());
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ServiceConfigError(
      `${source}=${String(value)} is not a port number: use an integer from 1 to 65535`,
    );
  }
  return port;
}

export function isServiceName(value: string): value is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(value);
}

/** Parses a list of server names given by a user (CLI arguments), naming the bad one. */
export function parseServiceNames(values: readonly string[]): ServiceName[] {
  const names: ServiceName[] = [];
  for (const value of values.flatMap((v) => v.split(","))) {
    const name = value.trim();
    if (name === "") continue;
    if (!isServiceName(name)) {
      throw new ServiceConfigError(
        `unknown server "${name}": use one of ${SERVICE_NAMES.join(", ")}`,
      );
    }
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

function defaultProgress(message: string): void {
  process.stderr.write(`[pgb services] ${message}\n`);
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env["PGB_CACHE_DIR"];
  return fromEnv !== undefined && fromEnv !== ""
    ? resolve(fromEnv)
    : join(homedir(), ".cache", "pgb");
}

export function resolveConfig(opts: ServicesOptions = {}): ResolvedConfig {
  const env = opts.env ?? process.env;
  const cacheDir = opts.cacheDir !== undefined ? resolve(opts.cacheDir) : defaultCacheDir(env);
  const ports = {} as Record<ServiceName, number>;
  for (const name of SERVICE_NAMES) {
    const explicit = opts.ports?.[name];
    const fromEnv = env[PORT_VARS[name]];
    ports[name] =
      explicit !== undefined
        ? parsePort(explicit, `port of ${name}`)
        : fromEnv !== undefined && fromEnv !== ""
          ? parsePort(fromEnv, PORT_VARS[name])
          : DEFAULT_PORTS[name];
    const internal = ports[name] + INTERNAL_PORT_OFFSET[name];
    if (internal > 65535) {
      throw new ServiceConfigError(
        `port ${ports[name]} of ${name} leaves no room for its internal port ${internal}: ` +
          `choose a port below ${65536 - INTERNAL_PORT_OFFSET[name]}`,
      );
    }
  }
  const stateDir = opts.stateDir !== undefined ? resolve(opts.stateDir) : join(cacheDir, "state");
  return {
    cacheDir,
    stateDir,
    logDir: join(stateDir, "logs"),
    ports,
    services: opts.services && opts.services.length > 0 ? opts.services : SERVICE_NAMES,
    progress: opts.progress ?? defaultProgress,
    storageNotification: opts.storageNotification,
    project: opts.project ?? env["GOOGLE_CLOUD_PROJECT"] ?? env["GCLOUD_PROJECT"] ?? "pgb-local",
  };
}

export function internalPort(config: ResolvedConfig, name: ServiceName): number {
  return config.ports[name] + INTERNAL_PORT_OFFSET[name];
}
