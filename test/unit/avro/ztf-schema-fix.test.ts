import avro from "avsc";
import { describe, expect, it } from "vitest";
import {
  BIGINT_LONG,
  decodeSingleRecordContainer,
  fixZtfSchema,
  readContainerHeader,
} from "@pgb/broker-utils/avro";
import { readData, dataFiles } from "@pgb/test-data";

/** 3.x alerts as ZTF wrote them: `[T, "null"]` unions. */
const AS_ZTF_WROTE = [
  "ztf/alerts/v3.1/template_schema_ZTF_3p1.avro",
  "ztf/alerts/v3.2/2019_01_10_739260766315010006.avro",
  "ztf/alerts/v3.3/472263571115115000.avro",
  "ztf/alerts/v3.3/ztf_3.3_1154308030015010004.avro",
];
/** 3.x alerts stored by the reference broker, whose schemas it had fixed already. */
const FIXED_BEFORE = dataFiles("ztf/alerts/v3.3", ".avro").filter(
  (path) => !AS_ZTF_WROTE.includes(path),
);
const V4 = [...dataFiles("ztf/alerts/v4.01", ".avro"), ...dataFiles("ztf/alerts/v4.02", ".avro")];
const SPARK = dataFiles("ztf/alerts/fink_spark_v4.02", ".avro");

/** Paths of the fields typed `[T, "null"]` with default null, e.g. `candidate.magap`. */
function nullLastUnions(schema: unknown, path = "", into: string[] = []): string[] {
  if (Array.isArray(schema)) schema.forEach((branch) => nullLastUnions(branch, path, into));
  else if (typeof schema === "object" && schema !== null) {
    const { type, items, fields } = schema as {
      type?: unknown;
      items?: unknown;
      fields?: Record<string, unknown>[];
    };
    nullLastUnions(type, path, into);
    nullLastUnions(items, path, into);
    for (const field of fields ?? []) {
      const name = path ? `${path}.${String(field["name"])}` : String(field["name"]);
      const union = field["type"];
      if (
        Array.isArray(union) &&
        union.length === 2 &&
        union[1] === "null" &&
        (field["default"] ?? null) === null
      ) {
        into.push(name);
      }
      nullLastUnions(field, name, into);
    }
  }
  return into;
}

describe("ZTF schema fix (spec §4.2)", () => {
  it("covers all 25 ZTF 3.x alerts of the kit", () => {
    expect(AS_ZTF_WROTE.length + FIXED_BEFORE.length).toBe(25);
  });

  it.each(AS_ZTF_WROTE)(
    "re-encodes %s with null-first unions, keeping the data and the header version",
    (path) => {
      const original = readData(path);
      const before = decodeSingleRecordContainer(original, path);
      expect(nullLastUnions(before.schema.json).length).toBeGreaterThan(0);

      const fix = fixZtfSchema(original, path);
      expect(fix.outcome).toBe("reencoded");
      expect(fix.warning).toBeUndefined();

      const after = decodeSingleRecordContainer(fix.bytes, path);
      expect(after.record).toEqual(before.record);
      expect(after.schema.json["version"]).toBe(before.schema.json["version"]);
      expect(fix.version).toBe(before.schema.json["version"]);
      expect(nullLastUnions(after.schema.json)).toEqual([]);
      // strict Avro: every default matches its union's first branch, which avsc checks on parse
      expect(() =>
        avro.Type.forSchema(
          JSON.parse(readContainerHeader(fix.bytes, path).schemaText) as avro.Schema,
          {
            typeHook: (s) =>
              s === "long" || (s as { type?: unknown }).type === "long" ? BIGINT_LONG : undefined,
          },
        ),
      ).not.toThrow();
      // a second pass finds nothing to fix
      expect(fixZtfSchema(fix.bytes, path)).toMatchObject({ outcome: "unchanged" });
    },
  );

  it("fixes the v3.1 sample by its header version 3.1, although its record says schemavsn 3.2", () => {
    const path = "ztf/alerts/v3.1/template_schema_ZTF_3p1.avro";
    const fix = fixZtfSchema(readData(path), path);
    expect(fix).toMatchObject({ version: "3.1", outcome: "reencoded" });
    expect((decodeSingleRecordContainer(fix.bytes).record as { schemavsn: string }).schemavsn).toBe(
      "3.2",
    );
  });

  it.each(FIXED_BEFORE)(
    "keeps %s (null-first already; tooflag [int, null] has default 0, which conforms)",
    (path) => {
      const original = readData(path);
      expect(nullLastUnions(decodeSingleRecordContainer(original).schema.json)).toEqual([]);
      const fix = fixZtfSchema(original, path);
      expect(fix).toMatchObject({ outcome: "unchanged", version: "3.3" });
      expect(fix.bytes.equals(original)).toBe(true);
    },
  );

  it.each(V4)("keeps %s (4.x already conforms) byte for byte", (path) => {
    const original = readData(path);
    const fix = fixZtfSchema(original, path);
    expect(fix.outcome).toBe("unchanged");
    expect(fix.bytes.equals(original)).toBe(true);
  });

  it.each(SPARK)("keeps %s (no header version) and returns the warning to log", (path) => {
    const original = readData(path);
    const fix = fixZtfSchema(original, path);
    expect(fix).toMatchObject({
      outcome: "unknown-version",
      version: undefined,
      warning: "unknown ZTF schema version (none): original schema retained",
    });
    expect(fix.bytes.equals(original)).toBe(true);
  });

  it("keeps an alert with another version and says which", () => {
    const path = "ztf/alerts/v4.02/2695378462115010012.avro";
    const original = readData(path);
    // same length, so the header's length prefix still holds
    const relabelled = Buffer.from(
      original.toString("latin1").replaceAll('"version":"4.02"', '"version":"9.99"'),
      "latin1",
    );
    expect(fixZtfSchema(relabelled, path)).toMatchObject({
      outcome: "unknown-version",
      version: "9.99",
      warning: "unknown ZTF schema version 9.99: original schema retained",
    });
  });
});
