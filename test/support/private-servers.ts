/**
 * A private set of local servers for one test file: its own state dir and free ports, from the same
 * install as the shared servers. Outage and fault tests (stop, restart, reconfigure a server) use
 * this, never the shared servers, which other test files and other test runs use at the same time.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ensureServices,
  INTERNAL_PORT_OFFSET,
  restartService,
  serviceEnv,
  servicesDown,
  startService,
  stopService,
  type ServiceEndpoints,
  type ServiceName,
  type ServicesOptions,
} from "@pgb/local";
import { servers } from "./services.js";

function listenable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

async function ephemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** A free port whose companion port (port + offset) is free too. */
export async function freePort(offset = 0): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = await ephemeralPort();
    if (port > 0 && port + offset <= 65535 && (offset === 0 || (await listenable(port + offset)))) {
      return port;
    }
  }
  throw new Error("no free port pair on 127.0.0.1 after 50 attempts");
}

function portOf(hostOrUrl: string): number {
  const withScheme = /^[a-z]+:\/\//.test(hostOrUrl) ? hostOrUrl : `http://${hostOrUrl}`;
  return Number(new URL(withScheme).port);
}

/**
 * Runs make() (a client constructor from @pgb/broker-utils/gcp) with the given environment: the
 * Google clients read their emulator host when constructed, and the workers' environment names
 * the shared servers.
 */
export function withEnv<T>(env: Record<string, string>, make: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return make();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

export interface PrivateServers {
  /** Endpoints of the private servers, and of the shared ones for the servers not made private. */
  endpoints: ServiceEndpoints;
  /** Environment for a process (a broker component) that should use these endpoints. */
  env: Record<string, string>;
  /** Options naming this set, for any @pgb/local call. */
  options: ServicesOptions;
  stop(name: ServiceName): Promise<void>;
  start(name: ServiceName, extra?: ServicesOptions): Promise<void>;
  restart(name: ServiceName, extra?: ServicesOptions): Promise<void>;
  /** Stops every private server and deletes its state; call in afterAll. */
  close(): Promise<void>;
}

/**
 * Starts private copies of the named servers. A private storage server publishes its events to the
 * shared Pub/Sub emulator unless "pubsub" is private too.
 */
export async function privateServers(
  names: readonly ServiceName[],
  extra: ServicesOptions = {},
): Promise<PrivateServers> {
  const shared = servers();
  const ports: Record<ServiceName, number> = {
    kafka: portOf(shared.kafkaBootstrap),
    pubsub: portOf(shared.pubsubHost),
    storage: portOf(shared.storageHost),
    bigquery: portOf(shared.bigqueryHost),
  };
  for (const name of names) ports[name] = await freePort(INTERNAL_PORT_OFFSET[name]);
  const stateDir = await mkdtemp(join(tmpdir(), "pgb-private-"));
  const options: ServicesOptions = {
    progress: () => undefined,
    ...extra,
    stateDir,
    ports,
    services: names,
  };
  let endpoints: ServiceEndpoints;
  try {
    endpoints = (await ensureServices(options)).endpoints;
  } catch (err) {
    await rm(stateDir, { recursive: true, force: true });
    throw err;
  }
  return {
    endpoints,
    env: serviceEnv(endpoints),
    options,
    stop: (name) => stopService(name, options),
    start: async (name, more = {}) => {
      await startService(name, { ...options, ...more });
    },
    restart: (name, more = {}) => restartService(name, { ...options, ...more }),
    close: async () => {
      await servicesDown(options);
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
