/** Where the VMs run: zone (checked against the region), network, subnetwork, external IP. */
import { describe, expect, it } from "vitest";
import { named, runStack, T } from "./harness.js";

const vm = "ztf-consumer-mytestid";

describe("VM placement", () => {
  it("puts the VMs on the default network with an external IP, in the region's first zone", async () => {
    const run = await runStack("ztf-mytestid", { "gcp:region": "europe-west1" });
    for (const name of [vm, "ztf-night-conductor-mytestid"]) {
      expect(named(run, T.vm, name).inputs).toMatchObject({
        zone: "europe-west1-b",
        networkInterfaces: [{ network: "default", accessConfigs: [{}] }],
      });
    }
    const cue = named(run, T.function, "ztf-cue-night-conductor-mytestid");
    expect(cue.inputs["serviceConfig"].environmentVariables.GCP_ZONE).toBe("europe-west1-b");
  }, 120_000);

  it("uses the configured network and subnetwork, and no external IP when told", async () => {
    const run = await runStack("ztf-mytestid", {
      "gcp:zone": "us-central1-f",
      "broker:network": "broker-vpc",
      "broker:subnetwork": "broker-us-central1",
      "broker:externalIp": "false",
    });
    const v = named(run, T.vm, vm);
    expect(v.inputs["zone"]).toBe("us-central1-f");
    expect(v.inputs["networkInterfaces"]).toEqual([
      { network: "broker-vpc", subnetwork: "broker-us-central1" },
    ]);
  }, 120_000);

  it("refuses a zone outside the region, naming gcp:zone and the valid zones", async () => {
    await expect(runStack("ztf-mytestid", { "gcp:zone": "us-central1-d" })).rejects.toThrow(
      'config gcp:zone is "us-central1-d", which is not a zone of gcp:region "us-central1"; ' +
        "use one of us-central1-a, us-central1-b, us-central1-c, us-central1-f",
    );
  }, 120_000);
});
