import { describe, expect, it } from "vitest";
import { ofType, T } from "./harness.js";
import { instanceSuite } from "./suite.js";

const run = instanceSuite("ztf", null);

describe("ztf: production data is protected", () => {
  const options = (type: string, name: string) => run().options.get(`${type}::${name}`);

  it("protects and retains the buckets, the dataset and the tables", () => {
    for (const b of ofType(run(), T.bucket)) {
      expect(options(T.bucket, b.name), b.name).toMatchObject({
        protect: true,
        retainOnDelete: true,
      });
      expect(b.inputs["forceDestroy"]).toBe(false);
    }
    const [dataset] = ofType(run(), T.dataset);
    expect(options(T.dataset, dataset!.name)).toMatchObject({
      protect: true,
      retainOnDelete: true,
    });
    expect(dataset?.inputs["deleteContentsOnDestroy"]).toBe(false);
    for (const name of ["alerts", "DIASource", "salt2", "metadata"]) {
      const table = ofType(run(), T.table).find((t) => t.inputs["tableId"] === name);
      expect(table?.inputs["deletionProtection"], name).toBe(true);
      expect(options(T.table, table!.name), name).toMatchObject({
        protect: true,
        retainOnDelete: true,
      });
    }
  });

  it("protects and retains the Kafka secret, the reservoir and the dead-letter reservoirs", () => {
    const kept = [
      [T.secret, "ztf-kafka-credentials"],
      [T.subscription, "ztf-alerts-reservoir"],
      ...[
        "upload-bytes-to-bucket",
        "bq-sink",
        "value-added",
        "cue-night-conductor",
        "check-cue-response",
      ].map((fn) => [T.subscription, `ztf-${fn}-deadletter-reservoir`] as const),
    ] as const;
    for (const [type, name] of kept) {
      expect(options(type, name), name).toMatchObject({ protect: true, retainOnDelete: true });
    }
    const protectedSubs = ofType(run(), T.subscription)
      .filter((s) => options(T.subscription, s.name)?.protect === true)
      .map((s) => s.name);
    expect(protectedSubs.sort()).toEqual(
      kept
        .filter(([type]) => type === T.subscription)
        .map(([, name]) => name)
        .sort(),
    );
  });

  it("protects nothing that holds no data (topics, functions, VMs, views)", () => {
    for (const type of [T.topic, T.function, T.vm]) {
      for (const r of ofType(run(), type))
        expect(options(type, r.name)?.protect ?? false, r.name).toBe(false);
    }
    const views = ofType(run(), T.table).filter((t) => t.inputs["view"] !== undefined);
    expect(views.map((v) => v.inputs["tableId"]).sort()).toEqual([
      "DIASource_dedup",
      "alerts_dedup",
      "metadata_dedup",
      "salt2_dedup",
    ]);
    for (const v of views) expect(options(T.table, v.name)?.protect ?? false).toBe(false);
  });

  it("names no resource with a testid", () => {
    const text = JSON.stringify(run().resources.map((r) => r.inputs));
    expect(text).not.toMatch(/False|mytestid|ztf-[a-z_]+-(?:null|undefined)/);
  });
});
