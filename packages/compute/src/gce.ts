/**
 * The compute port on Compute Engine, through @google-cloud/compute's REST `InstancesClient`.
 * Start, stop and setMetadata return zonal operations; each call waits for its operation (via
 * `ZoneOperationsClient.wait`) so that a failure inside the operation (quota, a stop racing a
 * start) fails the call instead of passing unnoticed. The library is imported only when a GCE port
 * is made without injected clients: loading its 100-odd clients takes seconds.
 */
import type { protos } from "@google-cloud/compute";
import { assertSafeClientEnvironment } from "@pgb/broker-utils/gcp";
import { isVmStatus, type VmStatus } from "@pgb/night";
import {
  ComputeError,
  MetadataConflictError,
  systemClock,
  type Clock,
  type ComputePort,
  type VmMetadata,
} from "./port.js";

type Instance = protos.google.cloud.compute.v1.IInstance;
type Operation = protos.google.cloud.compute.v1.IOperation;

interface InstanceRequest {
  project: string;
  zone: string;
  instance: string;
}

/** The part of `InstancesClient` the port uses (tests pass a fake). */
export interface InstancesApi {
  get(request: InstanceRequest): Promise<readonly [Instance, ...unknown[]]>;
  start(request: InstanceRequest): Promise<readonly [unknown, ...unknown[]]>;
  stop(request: InstanceRequest): Promise<readonly [unknown, ...unknown[]]>;
  setMetadata(
    request: InstanceRequest & {
      metadataResource: { fingerprint: string; items: { key: string; value: string }[] };
    },
  ): Promise<readonly [unknown, ...unknown[]]>;
  close(): Promise<void>;
}

/** The part of `ZoneOperationsClient` the port uses. */
export interface ZoneOperationsApi {
  wait(request: {
    project: string;
    zone: string;
    operation: string;
  }): Promise<readonly [Operation, ...unknown[]]>;
  close(): Promise<void>;
}

export interface GceComputeOptions {
  project: string;
  zone: string;
  instances?: InstancesApi;
  operations?: ZoneOperationsApi;
  /** Longest wait for one operation (default 10 min: a stop may take 90 s of guest shutdown). */
  operationTimeoutMs?: number;
  clock?: Clock;
}

/**
 * The operation of a call's result. The REST client returns an LROperation-like wrapper whose
 * `latestResponse` is the Compute operation; a fake may return the operation itself.
 */
function operationOf(result: unknown): Operation {
  if (typeof result === "object" && result !== null && "latestResponse" in result) {
    return (result as { latestResponse: Operation }).latestResponse;
  }
  return result as Operation;
}

function codeOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

/**
 * A metadata write with a stale fingerprint: HTTP 412 (conditionNotMet), which the REST client
 * maps to gRPC FAILED_PRECONDITION (9) with the server's message naming the fingerprint.
 */
export function isFingerprintConflict(err: unknown): boolean {
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  return code === 412 || (code === 9 && /fingerprint/i.test(message));
}

export class GceCompute implements ComputePort {
  readonly kind = "gce";
  private readonly project: string;
  private readonly zone: string;
  private readonly operationTimeoutMs: number;
  private readonly clock: Clock;
  private clients: Promise<{ instances: InstancesApi; operations: ZoneOperationsApi }> | undefined;

  constructor(private readonly options: GceComputeOptions) {
    this.project = options.project;
    this.zone = options.zone;
    this.operationTimeoutMs = options.operationTimeoutMs ?? 10 * 60_000;
    this.clock = options.clock ?? systemClock;
  }

  private api(): Promise<{ instances: InstancesApi; operations: ZoneOperationsApi }> {
    this.clients ??= (async () => {
      if (this.options.instances && this.options.operations) {
        return { instances: this.options.instances, operations: this.options.operations };
      }
      assertSafeClientEnvironment();
      const compute = await import("@google-cloud/compute");
      return {
        instances:
          this.options.instances ?? (new compute.InstancesClient() as unknown as InstancesApi),
        operations:
          this.options.operations ??
          (new compute.ZoneOperationsClient() as unknown as ZoneOperationsApi),
      };
    })();
    return this.clients;
  }

  private request(vm: string): InstanceRequest {
    return { project: this.project, zone: this.zone, instance: vm };
  }

  private async instance(vm: string): Promise<Instance> {
    const [instance] = await (await this.api()).instances.get(this.request(vm));
    return instance;
  }

  /** Waits until the operation is DONE; throws with the operation's errors if it failed. */
  private async finish(vm: string, what: string, result: unknown): Promise<void> {
    const { operations } = await this.api();
    let operation = operationOf(result);
    const deadline = this.clock.now() + this.operationTimeoutMs;
    while (operation.status !== "DONE") {
      if (!operation.name) {
        throw new ComputeError(`${what} of VM ${vm}: the API returned an operation without a name`);
      }
      if (this.clock.now() >= deadline) {
        throw new ComputeError(
          `${what} of VM ${vm}: operation ${operation.name} not done after ${this.operationTimeoutMs / 1000} s`,
        );
      }
      [operation] = await operations.wait({
        project: this.project,
        zone: this.zone,
        operation: operation.name,
      });
    }
    const errors = operation.error?.errors ?? [];
    if (errors.length > 0) {
      const text = errors.map((e) => `${e.code ?? "ERROR"}: ${e.message ?? ""}`).join("; ");
      throw new ComputeError(`${what} of VM ${vm} failed: ${text}`);
    }
  }

  async status(vm: string): Promise<VmStatus> {
    const status = (await this.instance(vm)).status ?? "";
    if (!isVmStatus(status)) {
      throw new ComputeError(`VM ${vm} has status "${status}", which the broker does not know`);
    }
    return status;
  }

  async start(vm: string): Promise<void> {
    const [result] = await (await this.api()).instances.start(this.request(vm));
    await this.finish(vm, "start", result);
  }

  async stop(vm: string): Promise<void> {
    const [result] = await (await this.api()).instances.stop(this.request(vm));
    await this.finish(vm, "stop", result);
  }

  async getMetadata(vm: string): Promise<VmMetadata> {
    const metadata = (await this.instance(vm)).metadata ?? {};
    // fromEntries, not assignment: `__proto__` is a valid metadata key
    const items = Object.fromEntries(
      (metadata.items ?? []).flatMap((item) => (item.key ? [[item.key, item.value ?? ""]] : [])),
    );
    if (!metadata.fingerprint) {
      throw new ComputeError(`VM ${vm}: the API returned metadata without a fingerprint`);
    }
    return { items, fingerprint: metadata.fingerprint };
  }

  async setMetadata(
    vm: string,
    items: Readonly<Record<string, string>>,
    fingerprint: string,
  ): Promise<void> {
    let result: unknown;
    try {
      [result] = await (
        await this.api()
      ).instances.setMetadata({
        ...this.request(vm),
        metadataResource: {
          fingerprint,
          items: Object.entries(items).map(([key, value]) => ({ key, value })),
        },
      });
    } catch (err) {
      if (isFingerprintConflict(err)) {
        throw new MetadataConflictError(`metadata of VM ${vm} changed since it was read`, {
          cause: err,
        });
      }
      throw err;
    }
    await this.finish(vm, "setMetadata", result);
  }

  async close(): Promise<void> {
    if (!this.clients) return;
    const { instances, operations } = await this.clients;
    await Promise.all([instances.close(), operations.close()]);
  }
}
