import { describe, expect, it } from "vitest";
import { regionZones, vmZone } from "@pgb/broker-utils/instance";

describe("VM zone", () => {
  it("defaults to the region's first zone, which is not always -a", () => {
    expect(vmZone("us-central1", undefined)).toBe("us-central1-a");
    expect(vmZone("europe-west1", undefined)).toBe("europe-west1-b");
    expect(vmZone("us-east1", undefined)).toBe("us-east1-b");
  });

  it("accepts a zone of the region", () => {
    expect(vmZone("us-central1", "us-central1-f")).toBe("us-central1-f");
    expect(regionZones("europe-west1")).toEqual([
      "europe-west1-b",
      "europe-west1-c",
      "europe-west1-d",
    ]);
  });

  it("rejects a zone outside the region, naming the config key and the valid zones", () => {
    expect(() => vmZone("europe-west1", "europe-west1-a")).toThrow(
      'config gcp:zone is "europe-west1-a", which is not a zone of gcp:region "europe-west1"; ' +
        "use one of europe-west1-b, europe-west1-c, europe-west1-d",
    );
    expect(() => vmZone("us-central1", "europe-west1-b")).toThrow(/use one of us-central1-a/);
  });

  it("rejects a region the table does not know, naming the config key and the table", () => {
    expect(() => vmZone("mars-north1", undefined)).toThrow(
      /config gcp:region is "mars-north1".*packages\/broker-utils\/src\/instance\/zones\.ts/,
    );
  });
});
