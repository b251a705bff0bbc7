import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Alert } from "@pgb/broker-utils/alerts";
import { bundledSchemaMap, SURVEYS, type Survey } from "@pgb/broker-utils/schema-maps";
import { AlertIds } from "../../../vm/consumer/src/ids.js";
import { readShared, sharedPath } from "../../support/shared-data.js";

/** The kit's alert files of a survey (none for DECAT). */
function samples(survey: Survey): string[] {
  // the kit must be there; a survey may have no alerts in it (DECAT)
  const dir = join(sharedPath(), survey, "alerts");
  if (!existsSync(dir)) return [];
  const out = execFileSync("find", [dir, "-type", "f"]).toString().trim();
  return out === "" ? [] : out.split("\n").sort();
}

function bytesOf(file: string): Buffer {
  const bytes = readFileSync(file);
  return bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
}

/** What the alert model says: the ids, or the error message. */
function reference(survey: Survey, value: Buffer): Record<string, string> | string {
  try {
    const alert = Alert.fromBytes(value, { survey, input: "x" });
    const out: Record<string, string> = { objectId: alert.objectId, sourceId: alert.sourceId };
    if (alert.schemaVersion !== undefined) out["schemaVersion"] = alert.schemaVersion;
    return out;
  } catch (err) {
    return (err as Error).message;
  }
}

function fast(ids: AlertIds, value: Buffer): Record<string, string> | string {
  try {
    return ids.read(value, "x");
  } catch (err) {
    return (err as Error).message;
  }
}

describe("alert ids without a full decode", () => {
  for (const survey of SURVEYS) {
    const files = samples(survey);
    if (files.length === 0) continue;
    it(`gives the alert model's ids (or its error) for every ${survey} sample (${files.length})`, () => {
      const ids = new AlertIds(bundledSchemaMap(survey));
      for (const file of files) {
        const value = bytesOf(file);
        expect(fast(ids, value), file).toEqual(reference(survey, value));
      }
    });
  }

  it("reads ZTF and LSST wire-format ids exactly (64-bit)", () => {
    const ztf = new AlertIds(bundledSchemaMap("ztf"));
    expect(ztf.read(readShared("ztf/alerts/v4.02/2695378462115010012.avro"), "x")).toEqual({
      objectId: "ZTF18abudxnw",
      sourceId: "2695378462115010012",
      schemaVersion: "4.02",
    });
    const lsst = new AlertIds(bundledSchemaMap("lsst"));
    expect(
      lsst.read(readShared("lsst/alerts/confluent_wire_v9.0/7912941781254298.avro"), "x"),
    ).toEqual({
      objectId: "7912941781254298",
      sourceId: "7912941781254298",
      schemaVersion: "v9_0",
    });
  });

  it("property: corrupted ZTF and LSST values get the alert model's answer", () => {
    const inputs = [
      [
        "ztf",
        sharedPath("ztf/alerts/v3.3/ZTF18abefmzp.1703203221815015027.ztf_20210831_programid1.avro"),
      ],
      ["ztf", sharedPath("ztf/alerts/v4.02/2695378462115010012.avro")],
      ["lsst", sharedPath("lsst/alerts/confluent_wire_v9.0/7912941781254298.avro")],
    ] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...inputs),
        fc.array(
          fc.tuple(
            fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
            fc.integer({ min: 0, max: 255 }),
          ),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
        ([survey, file], flips, cut) => {
          const value = Buffer.from(readFileSync(file));
          for (const [where, byte] of flips) value[Math.floor(where * value.length)] = byte;
          const input =
            cut === undefined ? value : value.subarray(0, Math.floor(cut * value.length));
          const ids = new AlertIds(bundledSchemaMap(survey));
          expect(fast(ids, input)).toEqual(reference(survey, input));
        },
      ),
      { numRuns: 200 },
    );
  });
});
