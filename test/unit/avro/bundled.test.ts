import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  AvroDecodeError,
  bundledSchema,
  bundledSchemaVersions,
  decodeSingleRecordContainer,
} from "@pgb/broker-utils/avro";
import { dataPath } from "@pgb/test-data";

/** JSON with every integer of 16+ digits quoted, so 64-bit ids survive JSON.parse exactly. */
function parseExact(text: string): unknown {
  return JSON.parse(text.replace(/(?<=[:,[]\s*)(-?\d{16,})(?=\s*[,}\]])/g, '"$1"'));
}

/**
 * Fields 8.0's sample_data/generate.py overwrites with the time it ran before writing
 * fakeAlert.avro, so its alert.json's 0 is not what the packet holds.
 */
const SET_BY_GENERATE_PY = new Set([
  "8.0:alert.diaSource.time_processed",
  "8.0:alert.diaObject.validityStart",
]);

/** Every field present in both matches: bigints exactly, float32 fields after rounding. */
function expectMatches(decoded: unknown, expected: unknown, path: string): void {
  if (SET_BY_GENERATE_PY.has(path)) return;
  if (Array.isArray(expected)) {
    expect(Array.isArray(decoded), path).toBe(true);
    expected.forEach((item, i) => expectMatches((decoded as unknown[])[i], item, `${path}[${i}]`));
  } else if (typeof expected === "object" && expected !== null) {
    for (const [key, value] of Object.entries(expected)) {
      const actual = (decoded as Record<string, unknown>)[key];
      if (actual !== undefined) expectMatches(actual, value, `${path}.${key}`);
    }
  } else if (typeof decoded === "bigint") {
    expect(decoded, path).toBe(BigInt(expected as string | number));
  } else if (typeof decoded === "number") {
    expect([expected, Math.fround(expected as number)], path).toContain(decoded);
  } else {
    expect(decoded, path).toEqual(expected);
  }
}

describe("bundled schemas", () => {
  it("ships the versions of every survey with a schema", () => {
    expect(bundledSchemaVersions("ztf")).toEqual(["3.3", "4.01", "4.02"]);
    expect(bundledSchemaVersions("lsst")).toEqual([
      "v7_0",
      "v7_1",
      "v7_2",
      "v7_3",
      "v7_4",
      "v8_0",
      "v9_0",
      "v10_0",
      "v11_0",
      "v11_1",
    ]);
    expect(bundledSchemaVersions("elasticc")).toEqual(["v0_9", "v0_9_1"]);
    expect(bundledSchemaVersions("decat")).toEqual([]);
  });

  it.each(
    ["ztf", "lsst", "elasticc"].flatMap((survey) =>
      bundledSchemaVersions(survey).map((version) => [survey, version]),
    ),
  )("parses %s %s with its named types registered first", (survey, version) => {
    expect(bundledSchema(survey, version).type.typeName).toBe("record");
  });

  it("reaches the other top-level records by name", () => {
    // the upstream schema spells its record name "brokerClassfication"
    expect(bundledSchema("elasticc", "v0_9", "brokerClassfication").type.name).toBe(
      "elasticc.v0_9.brokerClassfication",
    );
    expect(() => bundledSchema("ztf", "4.02", "nothing")).toThrowError(/no record nothing/);
  });

  it("names the bundled versions when asked for another", () => {
    expect(() => bundledSchema("ztf", "5.0")).toThrowError(AvroDecodeError);
    expect(() => bundledSchema("ztf", "5.0")).toThrowError(
      /ztf schema 5\.0: .*bundled: 3\.3, 4\.01, 4\.02/,
    );
    expect(() => bundledSchema("decat", "1")).toThrowError(/no bundled schemas for survey decat/);
  });

  // 11.1 has no sample of Rubin's: ours is 11.0's resolved to 11.1 (test/support/derive-lsst-sample.ts)
  it.each([
    ["7.0", "7.0"],
    ["7.1", "7.1"],
    ["7.2", "7.2"],
    ["7.3", "7.3"],
    ["7.4", "7.4"],
    ["8.0", "8.0"],
    ["9.0", "9.0"],
    ["10.0", "10.0"],
    ["11.0", "11.0"],
    ["11.1", "11.0"],
  ])(
    "decodes the fake alert %s as the alert.json of %s says, 64-bit ids exact",
    (version, jsonVersion) => {
      const folder = `lsst/schema/${version}/sample_data`;
      const { record, schema } = decodeSingleRecordContainer(
        readFileSync(dataPath(`${folder}/fakeAlert.avro`)),
        folder,
      );
      const bundled = bundledSchema("lsst", `v${version.replace(".", "_")}`);
      expect(bundled.type.equals(schema.type)).toBe(true);
      expectMatches(
        record,
        parseExact(
          readFileSync(dataPath(`lsst/schema/${jsonVersion}/sample_data/alert.json`), "utf8"),
        ),
        `${version}:alert`,
      );
    },
  );
});
