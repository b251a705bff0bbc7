import { describe, expect, it } from "vitest";
import {
  ComputeError,
  GceCompute,
  MetadataConflictError,
  isFingerprintConflict,
  updateMetadata,
  type InstancesApi,
  type ZoneOperationsApi,
} from "@pgb/compute";
import { FakeClock } from "./fakes.js";

interface Operation {
  name: string;
  status: "PENDING" | "RUNNING" | "DONE";
  error?: { errors: { code: string; message: string }[] };
}

/** A stub of the REST clients: records requests, answers from a small VM state. */
function stubClients(options: { failOperation?: string; conflicts?: number } = {}) {
  const requests: { method: string; request: unknown }[] = [];
  const vm = {
    status: "TERMINATED",
    fingerprint: "fp-1",
    items: [{ key: "SURVEY", value: "ztf" }] as { key: string; value: string }[],
  };
  let conflicts = options.conflicts ?? 0;
  const waits: string[] = [];
  // the REST client wraps the Compute operation in an LROperation-like object
  const operation = (name: string) =>
    [{ latestResponse: { name, status: "RUNNING" } satisfies Operation, done: false }] as const;
  const instances: InstancesApi = {
    async get(request) {
      requests.push({ method: "get", request });
      return [{ status: vm.status, metadata: { fingerprint: vm.fingerprint, items: vm.items } }];
    },
    async start(request) {
      requests.push({ method: "start", request });
      vm.status = "RUNNING";
      return operation("op-start");
    },
    async stop(request) {
      requests.push({ method: "stop", request });
      vm.status = "TERMINATED";
      return operation("op-stop");
    },
    async setMetadata(request) {
      requests.push({ method: "setMetadata", request });
      if (conflicts > 0 || request.metadataResource.fingerprint !== vm.fingerprint) {
        conflicts -= 1;
        vm.fingerprint = `${vm.fingerprint}'`;
        // what the REST transport makes of HTTP 412 conditionNotMet
        throw Object.assign(
          new Error("Supplied fingerprint does not match current metadata fingerprint."),
          { code: 9 },
        );
      }
      vm.items = request.metadataResource.items;
      vm.fingerprint = `${vm.fingerprint}+`;
      return operation("op-md");
    },
    async close() {},
  };
  const operations: ZoneOperationsApi = {
    async wait(request) {
      waits.push(request.operation);
      // the first wait returns while still running, as zoneOperations.wait may after ~2 min
      const done = waits.filter((w) => w === request.operation).length >= 2;
      const failed = options.failOperation === request.operation;
      return [
        {
          name: request.operation,
          status: done ? "DONE" : "RUNNING",
          ...(done && failed
            ? {
                error: {
                  errors: [{ code: "ZONE_RESOURCE_POOL_EXHAUSTED", message: "no capacity" }],
                },
              }
            : {}),
        },
      ];
    },
    async close() {},
  };
  return { instances, operations, requests, waits, vm };
}

const where = { project: "my-proj", zone: "us-central1-a" };

describe("GceCompute", () => {
  it("reads status and metadata with one instances.get", async () => {
    const stub = stubClients();
    const gce = new GceCompute({ ...where, ...stub });
    expect(await gce.status("ztf-night-conductor-t")).toBe("TERMINATED");
    expect(await gce.getMetadata("ztf-night-conductor-t")).toEqual({
      items: { SURVEY: "ztf" },
      fingerprint: "fp-1",
    });
    expect(stub.requests[0]).toEqual({
      method: "get",
      request: { project: "my-proj", zone: "us-central1-a", instance: "ztf-night-conductor-t" },
    });
  });

  it("start and stop wait until their zonal operation is DONE", async () => {
    const stub = stubClients();
    const gce = new GceCompute({ ...where, ...stub });
    await gce.start("vm");
    expect(stub.waits).toEqual(["op-start", "op-start"]);
    await gce.stop("vm");
    expect(stub.waits.slice(2)).toEqual(["op-stop", "op-stop"]);
  });

  it("fails a start whose operation ends in error, naming the error", async () => {
    const stub = stubClients({ failOperation: "op-start" });
    const gce = new GceCompute({ ...where, ...stub });
    await expect(gce.start("vm")).rejects.toThrow(
      "start of VM vm failed: ZONE_RESOURCE_POOL_EXHAUSTED: no capacity",
    );
  });

  it("gives up on an operation that outlives its timeout", async () => {
    const stub = stubClients();
    stub.operations.wait = async (request) => [{ name: request.operation, status: "RUNNING" }];
    const clock = new FakeClock();
    const slowWait = stub.operations.wait;
    stub.operations.wait = async (request) => {
      await clock.sleep(120_000);
      return slowWait(request);
    };
    const gce = new GceCompute({ ...where, ...stub, clock, operationTimeoutMs: 300_000 });
    await expect(gce.stop("vm")).rejects.toThrow(/operation op-stop not done after 300 s/);
  });

  it("sends the whole item list with the fingerprint read", async () => {
    const stub = stubClients();
    const gce = new GceCompute({ ...where, ...stub });
    await gce.setMetadata("vm", { SURVEY: "ztf", NIGHT: "START" }, "fp-1");
    expect(stub.requests.at(-1)).toEqual({
      method: "setMetadata",
      request: {
        ...where,
        instance: "vm",
        metadataResource: {
          fingerprint: "fp-1",
          items: [
            { key: "SURVEY", value: "ztf" },
            { key: "NIGHT", value: "START" },
          ],
        },
      },
    });
  });

  it("turns a stale fingerprint into MetadataConflictError, which updateMetadata retries", async () => {
    const stub = stubClients({ conflicts: 2 });
    const gce = new GceCompute({ ...where, ...stub });
    await expect(gce.setMetadata("vm", { NIGHT: "END" }, "fp-1")).rejects.toThrow(
      MetadataConflictError,
    );
    const result = await updateMetadata(gce, "vm", { NIGHT: "END" }, { clock: new FakeClock() });
    expect(result).toMatchObject({ written: true, attempts: 2 });
    expect(stub.vm.items).toEqual([
      { key: "SURVEY", value: "ztf" },
      { key: "NIGHT", value: "END" },
    ]);
  });

  it("classifies fingerprint conflicts, and nothing else, as conflicts", () => {
    expect(isFingerprintConflict(Object.assign(new Error("x"), { code: 412 }))).toBe(true);
    expect(
      isFingerprintConflict(
        Object.assign(new Error("Supplied fingerprint does not match"), { code: 9 }),
      ),
    ).toBe(true);
    expect(
      isFingerprintConflict(Object.assign(new Error("instance is not ready"), { code: 9 })),
    ).toBe(false);
    expect(isFingerprintConflict(Object.assign(new Error("quota"), { code: 8 }))).toBe(false);
  });

  it("rejects a status the broker does not know", async () => {
    const stub = stubClients();
    stub.vm.status = "HIBERNATING";
    const gce = new GceCompute({ ...where, ...stub });
    await expect(gce.status("vm")).rejects.toThrow(ComputeError);
  });
});
