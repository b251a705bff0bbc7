import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { Alert } from "@pgb/broker-utils/alerts";
import { bundledSchemaMap, SURVEYS, type Survey } from "@pgb/broker-utils/schema-maps";
import { AlertIds } from "../../../vm/consumer/src/ids.js";
import { LSST_V90_ATTRIBUTES, ZTF_V402_ATTRIBUTES } from "../../fixtures/alerts/attributes.js";
import { readData, dataPath } from "@pgb/test-data";

/** The kit's alert files of a survey (none for DECAT). */
function samples(survey: Survey): string[] {
  // the kit must be there; a survey may have no alerts in it (DECAT)
  const dir = join(dataPath(), survey, "alerts");
  if (!existsSync(dir)) return [];
  const out = execFileSync("find", [dir, "-type", "f"]).toString().trim();
  return out === "" ? [] : out.split("\n").sort();
}

function bytesOf(file: string): Buffer {
  const bytes = readFileSync(file);
  return bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
}

/** What the alert model says: the stream attributes, or the error message. */
function reference(survey: Survey, value: Buffer): Record<string, string> | string {
  try {
    return Alert.fromBytes(value, { survey, input: "x" }).streamAttributes();
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

describe("alert ids from the head of the value", () => {
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

  it("reads what the surveys send on Kafka from its head, without the full decode", () => {
    // ZTF: single-alert containers (Spark re-serialisations too); LSST: Confluent wire format
    const kafkaShaped = [
      ...samples("ztf").map((file) => ["ztf", file] as const),
      ...samples("lsst")
        .filter((file) => file.includes("/confluent_wire_"))
        .map((file) => ["lsst", file] as const),
    ];
    const fullDecode = vi.spyOn(Alert, "fromBytes");
    try {
      for (const [survey, file] of kafkaShaped) {
        new AlertIds(bundledSchemaMap(survey)).read(bytesOf(file), file);
        expect(fullDecode, file).not.toHaveBeenCalled();
      }
    } finally {
      fullDecode.mockRestore();
    }
  });

  it("reads ZTF and LSST wire-format attributes exactly (64-bit ids, order-29 pixels)", () => {
    const ztf = new AlertIds(bundledSchemaMap("ztf"));
    expect(ztf.read(readData("ztf/alerts/v4.02/2695378462115010012.avro"), "x")).toEqual(
      ZTF_V402_ATTRIBUTES,
    );
    const lsst = new AlertIds(bundledSchemaMap("lsst"));
    expect(
      lsst.read(readData("lsst/alerts/confluent_wire_v9.0/7912941781254298.avro"), "x"),
    ).toEqual(LSST_V90_ATTRIBUTES);
  });

  const corruptible = [
    [
      "ztf",
      dataPath("ztf/alerts/v3.3/ZTF18abefmzp.1703203221815015027.ztf_20210831_programid1.avro"),
    ],
    ["ztf", dataPath("ztf/alerts/v4.02/2695378462115010012.avro")],
    ["lsst", dataPath("lsst/alerts/confluent_wire_v9.0/7912941781254298.avro")],
  ] as const;
  /** Up to 4 byte overwrites, each at a fraction of the value's length. */
  const flipsArb = fc.array(
    fc.tuple(
      fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
      fc.integer({ min: 0, max: 255 }),
    ),
    { minLength: 1, maxLength: 4 },
  );

  it("property: a corrupted value the model decodes gets the model's ids; one it rejects, its error or no decision from the head alone", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...corruptible),
        flipsArb,
        fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
        ([survey, file], flips, cut) => {
          const value = Buffer.from(readFileSync(file));
          for (const [where, byte] of flips) value[Math.floor(where * value.length)] = byte;
          const input =
            cut === undefined ? value : value.subarray(0, Math.floor(cut * value.length));
          const ids = new AlertIds(bundledSchemaMap(survey));
          const got = fast(ids, input);
          const model = reference(survey, input);
          // a ZTF container's framing is checked to its last byte, so a cut one is never read
          if (
            typeof model !== "string" ||
            typeof got === "string" ||
            (survey === "ztf" && cut !== undefined)
          )
            expect(got).toEqual(model);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("property: corrupting only the tail after the ids (the cutouts) leaves the ids as they were", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...corruptible),
        flipsArb,
        fc.option(fc.double({ min: 0.5, max: 1, noNaN: true, maxExcluded: true }), {
          nil: undefined,
        }),
        ([survey, file], flips, cut) => {
          const intact = readFileSync(file);
          const value = Buffer.from(intact);
          // the second half of the value, short of a container's 16-byte sync marker
          const half = Math.floor(value.length / 2);
          const span = value.length - 16 - half;
          for (const [where, byte] of flips) value[half + Math.floor(where * span)] = byte;
          const ids = new AlertIds(bundledSchemaMap(survey));
          const input =
            survey === "lsst" && cut !== undefined
              ? value.subarray(0, Math.floor(cut * value.length))
              : value;
          expect(fast(ids, input)).toEqual(reference(survey, intact));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a wire-format LSST alert cut inside its cutouts still gets its ids; the model rejects it", () => {
    const intact = readData("lsst/alerts/confluent_wire_v9.0/7912941781254298.avro");
    const cut = intact.subarray(0, intact.length - 1000);
    const ids = new AlertIds(bundledSchemaMap("lsst"));
    expect(typeof reference("lsst", cut)).toBe("string");
    expect(ids.read(cut, "x")).toEqual(reference("lsst", intact));
  });
});
