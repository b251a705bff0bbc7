import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { modelBucket, type VmNetwork, type VmSpec } from "@pgb/broker-utils/instance";
import { BUCKET } from "@pgb/broker-utils/naming";
import { VM_METADATA } from "../startup-script.js";
import type { BuildContext } from "./context.js";

/**
 * A VM's network interface. `accessConfigs: [{}]` is an ephemeral external address, for outbound
 * connections only (no firewall rule opens anything inbound); without it the VM needs Cloud NAT.
 */
function networkInterface(n: VmNetwork): gcp.types.input.compute.InstanceNetworkInterface {
  return {
    network: n.network,
    ...(n.subnetwork === undefined ? {} : { subnetwork: n.subnetwork }),
    ...(n.externalIp ? { accessConfigs: [{}] } : {}),
  };
}

function instanceArgs(v: VmSpec, c: BuildContext): gcp.compute.InstanceArgs {
  const bucket = c.resolve.buckets.get(modelBucket(c.model, BUCKET.brokerFiles).name).name;
  return {
    project: c.project,
    zone: v.zone,
    name: v.name,
    machineType: v.machineType,
    labels: c.labels,
    bootDisk: { autoDelete: true, initializeParams: { image: v.image, size: v.bootDiskGb } },
    networkInterfaces: [networkInterface(v.network)],
    serviceAccount: {
      email: c.resolve.accounts.get(v.serviceAccount).email,
      scopes: ["cloud-platform"],
    },
    shieldedInstanceConfig: {
      enableSecureBoot: true,
      enableVtpm: true,
      enableIntegrityMonitoring: true,
    },
    allowStoppingForUpdate: true,
    // Created stopped: the night conductor starts and stops the VMs.
    desiredStatus: "TERMINATED",
    // Constant across deploys (the environment and the bundle are in the startup script), so a
    // deploy never rewrites the metadata the night conductor writes at run time.
    metadata: {
      "enable-oslogin": "TRUE",
      [VM_METADATA.startupScriptUrl]: pulumi.interpolate`gs://${bucket}/${v.startupScriptObject}`,
    },
  };
}

export function buildVms(vms: readonly VmSpec[], c: BuildContext): void {
  for (const v of vms) {
    c.resolve.vms.set(
      v.name,
      new gcp.compute.Instance(
        v.name,
        instanceArgs(v, c),
        c.opts({
          // The night conductor starts/stops the VMs and writes the run-time metadata keys;
          // after a `pulumi refresh` the state holds them, and a deploy must not remove them.
          ignoreChanges: ["desiredStatus", ...v.runtimeMetadataKeys.map((k) => `metadata.${k}`)],
        }),
      ),
    );
  }
}
