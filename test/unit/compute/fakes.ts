/**
 * Test doubles of the compute port: a virtual clock whose sleeps advance time at once, and an
 * in-memory ComputePort whose VMs change state on start/stop after configurable delays.
 */
import type { VmStatus } from "@pgb/night";
import { MetadataConflictError, type Clock, type ComputePort, type VmMetadata } from "@pgb/compute";

export class FakeClock implements Clock {
  constructor(public t = Date.parse("2026-11-28T04:00:00Z")) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.t += Math.max(0, ms);
    // let other tasks run, as a real sleep would
    await new Promise((resolve) => setImmediate(resolve));
  }
}

interface FakeVm {
  status: VmStatus;
  items: Record<string, string>;
  fingerprint: number;
  /** Virtual time at which a pending transition completes, and its target. */
  pending?: { at: number; to: VmStatus };
}

export interface FakeVmOptions {
  status?: VmStatus;
  items?: Record<string, string>;
  /** Time from start to RUNNING (STAGING meanwhile); default 0. */
  startMs?: number;
  /** Time from stop to TERMINATED (STOPPING meanwhile); default 0. */
  stopMs?: number;
  /** Never reaches the target state (a VM that hangs). */
  stuck?: boolean;
}

export class FakeCompute implements ComputePort {
  readonly kind = "local" as const;
  readonly vms = new Map<string, FakeVm & FakeVmOptions>();
  readonly calls: string[] = [];
  /** Conflicts to inject: the next n setMetadata calls fail as if another writer came first. */
  conflicts = 0;
  /** Hook run when a VM starts (a program reacting to its metadata). */
  onStart: (vm: string, items: Record<string, string>) => void = () => undefined;

  constructor(private readonly clock: FakeClock) {}

  add(name: string, options: FakeVmOptions = {}): this {
    this.vms.set(name, {
      status: options.status ?? "TERMINATED",
      items: { ...(options.items ?? {}) },
      fingerprint: 1,
      ...options,
    });
    return this;
  }

  private vm(name: string) {
    const vm = this.vms.get(name);
    if (!vm) throw Object.assign(new Error(`VM ${name} not found`), { code: 404 });
    if (vm.pending && !vm.stuck && this.clock.now() >= vm.pending.at) {
      vm.status = vm.pending.to;
      delete vm.pending;
    }
    return vm;
  }

  async status(name: string): Promise<VmStatus> {
    return this.vm(name).status;
  }

  async start(name: string): Promise<void> {
    this.calls.push(`start ${name}`);
    const vm = this.vm(name);
    if (vm.status === "RUNNING" || vm.status === "STAGING") return;
    vm.status = "STAGING";
    vm.pending = { at: this.clock.now() + (vm.startMs ?? 0), to: "RUNNING" };
    this.onStart(name, { ...vm.items });
  }

  async stop(name: string): Promise<void> {
    this.calls.push(`stop ${name}`);
    const vm = this.vm(name);
    if (vm.status === "TERMINATED") return;
    vm.status = "STOPPING";
    vm.pending = { at: this.clock.now() + (vm.stopMs ?? 0), to: "TERMINATED" };
  }

  /** Sets a VM's state from outside (an operator, a crash). */
  set(name: string, status: VmStatus): void {
    const vm = this.vm(name);
    vm.status = status;
    delete vm.pending;
  }

  async getMetadata(name: string): Promise<VmMetadata> {
    const vm = this.vm(name);
    return { items: { ...vm.items }, fingerprint: String(vm.fingerprint) };
  }

  async setMetadata(name: string, items: Readonly<Record<string, string>>, fingerprint: string) {
    const vm = this.vm(name);
    if (this.conflicts > 0) {
      this.conflicts -= 1;
      vm.fingerprint += 1;
    }
    if (fingerprint !== String(vm.fingerprint)) throw new MetadataConflictError("conflict");
    this.calls.push(`setMetadata ${name} ${JSON.stringify(items)}`);
    vm.items = { ...items };
    vm.fingerprint += 1;
  }

  async close(): Promise<void> {}
}
