/**
 * Free ports on 127.0.0.1, for the function processes and for private server sets (tests, benches)
 * that run beside the shared servers. A port is only known to be free at the moment it is probed.
 */
import { createServer } from "node:net";
import { INTERNAL_PORT_OFFSET, type ServiceName } from "./config.js";

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function listenable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A free port for a server whose companion port (port + offset, e.g. a gRPC API) is free too. */
export async function freePortPair(offset: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = await freePort();
    if (port > 0 && port + offset <= 65535 && (offset === 0 || (await listenable(port + offset)))) {
      return port;
    }
  }
  throw new Error("no free port pair on 127.0.0.1 after 50 attempts");
}

/** Free ports for a private set of the named servers, each with its companion port free. */
export async function freeServerPorts<N extends ServiceName>(
  names: readonly N[],
): Promise<Record<N, number>> {
  const ports = {} as Record<N, number>;
  for (const name of names) ports[name] = await freePortPair(INTERNAL_PORT_OFFSET[name]);
  return ports;
}
