import { describe, expect, it } from "vitest";
import { ofType, T } from "./harness.js";
import { instanceSuite } from "./suite.js";

const run = instanceSuite("ztf-mytestid", "mytestid");

describe("ztf-mytestid: a test instance is destroyable", () => {
  it("protects nothing", () => {
    for (const [key, o] of run().options) {
      expect(o.protect ?? false, key).toBe(false);
      expect(o.retainOnDelete ?? false, key).toBe(false);
    }
  });

  it("lets destroy delete buckets, dataset and tables with their content", () => {
    for (const b of ofType(run(), T.bucket)) {
      expect(b.inputs).toMatchObject({
        forceDestroy: true,
        softDeletePolicy: { retentionDurationSeconds: 0 },
      });
    }
    expect(ofType(run(), T.dataset)[0]?.inputs["deleteContentsOnDestroy"]).toBe(true);
    for (const t of ofType(run(), T.table))
      expect(t.inputs["deletionProtection"], t.name).toBe(false);
  });

  it("exports topic ids, bucket names, dataset, function and VM names", async () => {
    const outputs = run().result.outputs;
    const value = <V>(o: { apply: (f: (v: V) => void) => unknown }) =>
      new Promise<V>((resolve) => o.apply(resolve));
    expect(await value<string>(outputs.topics["alerts"]!)).toBe(
      "projects/my-proj/topics/ztf-alerts-mytestid",
    );
    expect(await value<string>(outputs.buckets["alert_avros"]!)).toBe(
      "my-proj-ztf-alert_avros-mytestid",
    );
    expect(await value<string>(outputs.datasetId)).toBe("ztf_alerts_mytestid");
    expect(await value<string>(outputs.functions["bq-sink"]!)).toBe("ztf-bq-sink-mytestid");
    expect(await value<string>(outputs.vms["consumer"]!)).toBe("ztf-consumer-mytestid");
  });
});
