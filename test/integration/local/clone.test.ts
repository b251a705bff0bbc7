/**
 * The alert cloner of the load and fault runs (local/src/instance/clone.ts) on the shipped sample
 * alerts, and the replay's batch plan. Pure logic (no server), kept beside the local-instance tests.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Alert } from "@pgb/broker-utils/alerts";
import { isContainer, readContainerHeader } from "@pgb/broker-utils/avro";
import type { Survey } from "@pgb/broker-utils/schema-maps";
import {
  AlertCloner,
  MAX_CLONE_INDEX,
  MAX_CLONE_SEED,
  SAMPLES_DIR,
  replayPlan,
} from "../../../local/src/instance/index.js";

const INT64_MAX = 2n ** 63n - 1n;

function samples(survey: Survey): { file: string; bytes: Buffer }[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, name.name);
      if (name.isDirectory()) walk(path);
      else if (name.name.endsWith(".avro")) files.push(path);
    }
  };
  walk(join(SAMPLES_DIR, survey));
  return files.sort().map((file) => ({ file, bytes: readFileSync(file) }));
}

/**
 * The decoded record with the alert's id fields replaced by markers, to compare everything else. A
 * field is an id by its name and value (the LSST wire sample's diaObjectId equals its diaSourceId).
 */
function withoutIds(alert: Alert): unknown {
  const { objectId, sourceId } = alert;
  const marker = (key: string, value: unknown): unknown => {
    if (typeof value !== "bigint" && typeof value !== "string") return value;
    if (/^(candid|diaSourceId)$/.test(key) && String(value) === sourceId) return "<source>";
    if (/^(objectId|diaObjectId|ssObjectId)$/.test(key) && String(value) === objectId) {
      return "<object>";
    }
    return value;
  };
  const replace = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(replace);
    if (typeof node === "object" && node !== null && !Buffer.isBuffer(node)) {
      return Object.fromEntries(
        Object.entries(node).map(([k, v]) => [
          k,
          typeof v === "object" ? replace(v) : marker(k, v),
        ]),
      );
    }
    return node;
  };
  return replace(alert.record);
}

describe.each(["ztf", "lsst"] as const)("cloning the %s samples", (survey) => {
  const kit = samples(survey);

  it("gives each copy the new ids everywhere the alert repeats them, and changes nothing else", () => {
    expect(kit.length).toBeGreaterThan(0);
    for (const [i, { file, bytes }] of kit.entries()) {
      const original = Alert.fromBytes(bytes, { survey, input: file });
      const copy = new AlertCloner(bytes, survey, file).clone(i, 123_456);
      const cloned = Alert.fromBytes(copy.bytes, { survey, input: `copy of ${file}` });
      expect(cloned.objectId).toBe(copy.objectId);
      expect(cloned.sourceId).toBe(copy.sourceId);
      expect(cloned.objectId).not.toBe(original.objectId);
      expect(cloned.sourceId).not.toBe(original.sourceId);
      expect(cloned.schemaVersion).toBe(original.schemaVersion);
      expect(withoutIds(cloned)).toEqual(withoutIds(original));
      if (isContainer(bytes)) {
        // the writer schema text (ZTF's header version lives in it) is kept verbatim
        expect(readContainerHeader(copy.bytes, "copy").schemaText).toBe(
          readContainerHeader(bytes, "original").schemaText,
        );
      } else {
        expect(copy.bytes.subarray(0, 5)).toEqual(bytes.subarray(0, 5));
      }
    }
  });

  it("makes valid 64-bit ids, distinct across copies and seeds", () => {
    const { bytes, file } = kit[0]!;
    const cloner = new AlertCloner(bytes, survey, file);
    const seen = new Set<string>();
    for (const [index, seed] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [MAX_CLONE_INDEX - 1, MAX_CLONE_SEED - 1],
      ...Array.from({ length: 200 }, (_, k) => [k + 2, 42]),
    ] as const) {
      const copy = cloner.clone(index, seed);
      const sourceId = BigInt(copy.sourceId);
      expect(sourceId > 0n && sourceId <= INT64_MAX).toBe(true);
      if (survey === "ztf") expect(copy.objectId).toMatch(/^ZTF\d\d[a-z]{7}$/);
      else expect(BigInt(copy.objectId) <= INT64_MAX).toBe(true);
      seen.add(`${copy.objectId}/${copy.sourceId}`);
    }
    expect(seen.size).toBe(204);
  });

  it("refuses an index or seed outside its range", () => {
    const cloner = new AlertCloner(kit[0]!.bytes, survey);
    expect(() => cloner.clone(MAX_CLONE_INDEX, 0)).toThrow(/index/);
    expect(() => cloner.clone(0, MAX_CLONE_SEED)).toThrow(/seed/);
    expect(() => cloner.clone(-1, 0)).toThrow(/index/);
  });
});

describe("cloning the LSST samples", () => {
  it("rewrites the object id in every source of the object, and the ssObjectId of a solar-system alert", () => {
    const kit = samples("lsst");
    const byId = (id: string) => kit.find((k) => k.file.endsWith(`${id}.avro`))!;
    const object = Alert.fromBytes(
      new AlertCloner(byId("169298433314652171").bytes, "lsst").clone(7, 9).bytes,
      { survey: "lsst" },
    );
    const record = object.record as Record<string, Record<string, unknown> | unknown[]>;
    expect(String((record["diaObject"] as Record<string, unknown>)["diaObjectId"])).toBe(
      object.objectId,
    );
    expect(String((record["diaSource"] as Record<string, unknown>)["diaObjectId"])).toBe(
      object.objectId,
    );
    expect(String(record["diaSourceId"])).toBe(object.sourceId);
    for (const prv of record["prvDiaSources"] as Record<string, unknown>[]) {
      expect(String(prv["diaObjectId"])).toBe(object.objectId);
    }
    const sso = Alert.fromBytes(
      new AlertCloner(byId("169298432645136561").bytes, "lsst").clone(8, 9).bytes,
      { survey: "lsst" },
    );
    expect(sso.record["diaObject"]).toBeNull();
    expect(String((sso.record["ssSource"] as Record<string, unknown>)["ssObjectId"])).toBe(
      sso.objectId,
    );
  });
});

describe("replayPlan", () => {
  it("batches a rate every second, a slow rate less often, max back to back, once in one batch", () => {
    expect(replayPlan("10/sec", 32)).toEqual({ perBatch: 10, batches: 4, intervalSeconds: 1 });
    expect(replayPlan("30/min", 3)).toEqual({ perBatch: 1, batches: 3, intervalSeconds: 2 });
    expect(replayPlan("ztf-live-max", 10_000)).toEqual({
      perBatch: 200,
      batches: 50,
      intervalSeconds: 1,
    });
    expect(replayPlan("max", 10_000)).toEqual({ perBatch: 500, batches: 20, intervalSeconds: 0 });
    expect(replayPlan("100/once", 100)).toEqual({ perBatch: 100, batches: 1, intervalSeconds: 5 });
  });
});
