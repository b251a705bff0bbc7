/**
 * GceCompute with the real @google-cloud/compute REST clients, against a fake Compute Engine API on
 * 127.0.0.1: checks what the stubs in gce.test.ts assume about the library (the LROperation
 * wrapper of start/stop/setMetadata, HTTP 412 on a stale fingerprint, zoneOperations.wait).
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { InstancesClient, ZoneOperationsClient } from "@google-cloud/compute";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GceCompute,
  MetadataConflictError,
  updateMetadata,
  type InstancesApi,
  type ZoneOperationsApi,
} from "@pgb/compute";
import { FakeClock } from "./fakes.js";

interface Item {
  key: string;
  value: string;
}

const vm = { status: "TERMINATED", fingerprint: "fp0", items: [] as Item[], generation: 0 };
const requests: string[] = [];
/** Operations not yet done: waits left, and the change applied when done. */
const pendingOps = new Map<string, number>();
const pendingApply = new Map<string, () => void>();
/** Another writer changes the metadata before the next n writes. */
let interferences = 0;

function reply(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

function operation(kind: string, apply: () => void) {
  const name = `operation-${kind}-${++vm.generation}`;
  // still running at the first wait, done and applied at the second
  pendingOps.set(name, 1);
  pendingApply.set(name, apply);
  return { name, status: "RUNNING", zone: "https://compute/zones/us-central1-a" };
}
const server: Server = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk: string) => (body += chunk));
  req.on("end", () => {
    const url = req.url ?? "";
    requests.push(`${req.method} ${url}`);
    const base = "/compute/v1/projects/my-proj/zones/us-central1-a";
    if (url === `${base}/instances/ztf-night-conductor-t` && req.method === "GET") {
      return reply(res, 200, {
        name: "ztf-night-conductor-t",
        status: vm.status,
        metadata: { fingerprint: vm.fingerprint, items: vm.items },
      });
    }
    if (url === `${base}/instances/ztf-night-conductor-t/start`) {
      return reply(
        res,
        200,
        operation("start", () => (vm.status = "RUNNING")),
      );
    }
    if (url === `${base}/instances/ztf-night-conductor-t/stop`) {
      vm.status = "STOPPING";
      return reply(
        res,
        200,
        operation("stop", () => (vm.status = "TERMINATED")),
      );
    }
    if (url === `${base}/instances/ztf-night-conductor-t/setMetadata`) {
      if (interferences > 0) {
        interferences -= 1;
        vm.fingerprint = `fp${++vm.generation}`;
      }
      const metadata = JSON.parse(body) as { fingerprint: string; items?: Item[] };
      if (metadata.fingerprint !== vm.fingerprint) {
        return reply(res, 412, {
          error: {
            code: 412,
            message: "Supplied fingerprint does not match current metadata fingerprint.",
            errors: [{ reason: "conditionNotMet", domain: "global" }],
          },
        });
      }
      vm.items = metadata.items ?? [];
      vm.fingerprint = `fp${++vm.generation}`;
      return reply(
        res,
        200,
        operation("setMetadata", () => undefined),
      );
    }
    const wait = /\/operations\/([^/]+)\/wait$/.exec(url);
    if (wait?.[1]) {
      const name = wait[1];
      const left = pendingOps.get(name) ?? 0;
      if (left > 0) {
        pendingOps.set(name, left - 1);
        return reply(res, 200, { name, status: "RUNNING" });
      }
      pendingApply.get(name)?.();
      return reply(res, 200, { name, status: "DONE" });
    }
    return reply(res, 404, { error: { code: 404, message: `not found: ${url}` } });
  });
});

let gce: GceCompute;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  // plain HTTP to the fake, without credentials
  const authClient = {
    getRequestHeaders: async () => new Headers(),
    fetch: (url: string, init: RequestInit) =>
      fetch(url, {
        method: init.method ?? "GET",
        headers: init.headers ?? {},
        body: init.body ?? null,
      }),
  };
  const options = { apiEndpoint: "127.0.0.1", port, protocol: "http", authClient } as never;
  gce = new GceCompute({
    project: "my-proj",
    zone: "us-central1-a",
    instances: new InstancesClient(options) as unknown as InstancesApi,
    operations: new ZoneOperationsClient(options) as unknown as ZoneOperationsApi,
  });
});

afterAll(async () => {
  await gce.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("GceCompute over the REST clients", () => {
  const name = "ztf-night-conductor-t";

  it("starts and stops, waiting for each zonal operation", async () => {
    expect(await gce.status(name)).toBe("TERMINATED");
    await gce.start(name);
    expect(await gce.status(name)).toBe("RUNNING");
    await gce.stop(name);
    expect(await gce.status(name)).toBe("TERMINATED");
    expect(requests.filter((r) => r.endsWith("/wait"))).toHaveLength(4);
  });

  it("retries a metadata write that met a stale fingerprint (HTTP 412)", async () => {
    interferences = 1;
    await expect(gce.setMetadata(name, { NIGHT: "END" }, "stale")).rejects.toBeInstanceOf(
      MetadataConflictError,
    );
    interferences = 2;
    const result = await updateMetadata(
      gce,
      name,
      { NIGHT: "START", KAFKA_TOPIC: "ztf_20261128_programid1" },
      { clock: new FakeClock() },
    );
    expect(result.attempts).toBe(3);
    expect(await gce.getMetadata(name)).toMatchObject({
      items: { NIGHT: "START", KAFKA_TOPIC: "ztf_20261128_programid1" },
    });
  });
});
