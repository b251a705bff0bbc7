/**
 * One VM of the instance with its service account. Its environment is written into its startup
 * script; only `runtimeMetadataKeys` are read from the metadata the programs write at run time.
 */
import { VM, type ServiceAccountRole, type VmStub } from "../../naming/catalogue.js";
import { nodeRuntimeObject, startupScriptObject } from "../../naming/objects.js";
import { RUNTIME_METADATA } from "../env.js";
import type { ComponentId, VmSpec } from "../types.js";
import { serviceAccount } from "./account.js";
import { DEFAULTS, type PlanContext } from "./context.js";
import type { ModelSlice } from "./slice.js";

interface VmSettings {
  component: ComponentId;
  role: ServiceAccountRole;
  /** What the VM's service account is for, as the console shows it. */
  account: string;
  onExit: VmSpec["onExit"];
  runtime: string[];
}

const VM_SETTINGS: Readonly<Record<VmStub, VmSettings>> = {
  [VM.consumer]: {
    component: "consumer",
    role: "cons",
    account: "consumer VM: Kafka → alerts topic",
    onExit: "restart",
    runtime: [RUNTIME_METADATA.kafkaTopic],
  },
  [VM.nightConductor]: {
    component: "nightConductor",
    role: "nc",
    account: "night-conductor VM: starts/stops the consumer, counts the night",
    onExit: "poweroff",
    runtime: [RUNTIME_METADATA.night, RUNTIME_METADATA.kafkaTopic],
  },
};

/** VM `stub` of its component, with `env` added to the environment every program gets. */
export function planVm(ctx: PlanContext, stub: VmStub, env: Record<string, string>): ModelSlice {
  const { n, input } = ctx;
  const s = VM_SETTINGS[stub];
  const nodeVersion = input.nodeVersion ?? DEFAULTS.nodeVersion;
  return {
    serviceAccounts: [serviceAccount(ctx, s.role, s.component, s.account)],
    vms: [
      {
        stub,
        name: n.vm(stub),
        component: s.component,
        zone: ctx.zone,
        network: ctx.network,
        machineType: input.machineType ?? DEFAULTS.machineType,
        image: input.vmImage ?? DEFAULTS.vmImage,
        bootDiskGb: DEFAULTS.bootDiskGb,
        sourceDir: `vm/${stub}`,
        serviceAccount: s.role,
        env: { ...ctx.commonEnv, ...env },
        runtimeMetadataKeys: s.runtime,
        startupScriptObject: startupScriptObject(stub),
        onExit: s.onExit,
        nodeVersion,
        nodeRuntimeObject: nodeRuntimeObject(nodeVersion),
      },
    ],
  };
}
