/**
 * A private set of local servers for one test file: its own state dir and free ports, from the same
 * install as the shared servers. Outage and fault tests (stop, restart, reconfigure a server) use
 * this, never the shared servers, which other test files and other test runs use at the same time.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ensureServices,
  freeServerPorts,
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

function portOf(hostOrUrl: string): number {
  const withScheme = /^[a-z]+:\/\//.test(hostOrUrl) ? hostOrUrl : `http://${hostOrUrl}`;
  return Number(new URL(withScheme).port);
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
  Object.assign(ports, await freeServerPorts(names));
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
