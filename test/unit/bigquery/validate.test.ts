import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Alert, bigQueryRow, bigQueryTableSchema } from "@pgb/broker-utils/alerts";
import {
  formatViolations,
  validateRow,
  type SchemaField,
  type TableField,
} from "@pgb/broker-utils/bigquery";
import { readData, dataFiles } from "@pgb/test-data";

const schema: SchemaField[] = [
  { name: "objectId", type: "STRING", mode: "REQUIRED" },
  { name: "candid", type: "INTEGER", mode: "REQUIRED" },
  { name: "rb", type: "FLOAT" },
  { name: "ok", type: "BOOLEAN", mode: "NULLABLE" },
  { name: "stamp", type: "BYTES", mode: "NULLABLE" },
  {
    name: "candidate",
    type: "RECORD",
    mode: "REQUIRED",
    fields: [
      { name: "jd", type: "FLOAT", mode: "REQUIRED" },
      { name: "pid", type: "INT64", mode: "NULLABLE" },
    ],
  },
  {
    name: "prv",
    type: "STRUCT",
    mode: "REPEATED",
    fields: [{ name: "magpsf", type: "FLOAT64", mode: "NULLABLE" }],
  },
  { name: "tags", type: "STRING", mode: "REPEATED" },
];

const good = () => ({
  objectId: "ZTF18abudxnw",
  candid: "1642404680815015001",
  rb: 0.5,
  ok: true,
  stamp: "AAEC",
  candidate: { jd: 2460229.93, pid: "2695378462115" },
  prv: [{ magpsf: 18.2 }, { magpsf: null }],
  tags: ["a"],
});

describe("validateRow", () => {
  it("accepts a row that fits, with nulls in NULLABLE columns and absent optional ones", () => {
    expect(validateRow(good(), schema)).toEqual([]);
    expect(
      validateRow({ objectId: "x", candid: "-9223372036854775808", candidate: { jd: 1 } }, schema),
    ).toEqual([]);
    expect(validateRow({ ...good(), rb: null, prv: null, tags: [] }, schema)).toEqual([]);
  });

  it("names unknown fields at any depth (the emulator stores them silently)", () => {
    const row = { ...good(), timestamp: 1, candidate: { jd: 1, brokerMjd: 2 } };
    expect(validateRow(row, schema)).toEqual([
      { path: "candidate.brokerMjd", problem: "no such field in the table" },
      { path: "timestamp", problem: "no such field in the table" },
    ]);
  });

  it("names missing and null REQUIRED fields, with the NaN hint for FLOAT", () => {
    const { objectId: _omit, ...row } = good();
    expect(validateRow({ ...row, candidate: { jd: null } }, schema)).toEqual([
      {
        path: "candidate.jd",
        problem: "REQUIRED FLOAT is null (NaN and ±Infinity are written as null)",
      },
      { path: "objectId", problem: "REQUIRED STRING is missing" },
    ]);
  });

  it("rejects wrong types (the emulator fails the whole request with HTTP 500)", () => {
    const row = {
      ...good(),
      objectId: 12,
      candid: Number("1642404680815015001"),
      rb: "0.5",
      ok: "true",
      stamp: "not base64!",
      candidate: [1],
      prv: { magpsf: 1 },
    };
    expect(validateRow(row, schema).map((v) => v.path)).toEqual([
      "objectId",
      "candid",
      "rb",
      "ok",
      "stamp",
      "candidate",
      "prv",
    ]);
    expect(validateRow(row, schema)[1]!.problem).toMatch(/not exact as a JS number/);
  });

  it("checks INT64 range and integer syntax", () => {
    const at = (candid: unknown) => validateRow({ ...good(), candid }, schema);
    expect(at("9223372036854775807")).toEqual([]);
    expect(at("9223372036854775808")[0]!.problem).toMatch(/outside the INT64 range/);
    expect(at("12.5")[0]!.problem).toMatch(/expected an INTEGER/);
    expect(at(12n)[0]!.problem).toMatch(/bigint has no JSON form/);
    expect(at(12)).toEqual([]);
  });

  it("rejects non-finite floats and null array elements, with their index", () => {
    const row = { ...good(), rb: Number.NaN, prv: [{ magpsf: 1 }, null, { magpsf: Infinity }] };
    expect(validateRow(row, schema)).toEqual([
      { path: "rb", problem: "NaN has no JSON form (send null)" },
      { path: "prv[1]", problem: "null element (BigQuery arrays cannot hold NULL)" },
      { path: "prv[2].magpsf", problem: "Infinity has no JSON form (send null)" },
    ]);
  });

  it("matches column names case-insensitively, as BigQuery does", () => {
    const { objectId: _omit, ...row } = good();
    expect(validateRow({ ...row, OBJECTID: "x" }, schema)).toEqual([]);
    // an undefined value is left out by JSON, so it is absent, not a second value
    expect(validateRow({ ...good(), OBJECTID: undefined }, schema)).toEqual([]);
    const twice = validateRow({ ...good(), ObjectId: "y" }, schema);
    expect(twice[0]!.problem).toMatch(/second value for column objectId/);
  });

  it("stops at maxViolations and formats a bounded message", () => {
    const row = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`x${i}`, i]));
    const violations = validateRow(row, schema, { maxViolations: 7 });
    expect(violations).toHaveLength(7);
    expect(formatViolations(violations, 2)).toBe(
      "x0: no such field in the table; x1: no such field in the table (and 5 more)",
    );
  });

  it("leaves types it does not know to BigQuery, and defaults the mode to NULLABLE", () => {
    const geo: SchemaField[] = [
      { name: "g", type: "GEOGRAPHY" },
      { name: "d", type: "DATE" },
    ];
    expect(validateRow({ g: { any: 1 }, d: "2026-11-28" }, geo)).toEqual([]);
    expect(validateRow({ d: "28/11/2026" }, geo)[0]!.path).toBe("d");
  });
});

describe("rows of the kit's alerts against generated table schemas", () => {
  const files = dataFiles("ztf/alerts/v4.01", ".avro").slice(0, 4);
  const alerts = files.map((f) => Alert.fromBytes(readData(f), { survey: "ztf", input: f }));

  it("fit the table of their own schema version", () => {
    for (const alert of alerts) {
      for (const table of ["alerts", "DIASource"] as const) {
        expect(validateRow(bigQueryRow(alert, table), bigQueryTableSchema("ztf", table))).toEqual(
          [],
        );
      }
    }
  });

  it("do not fit a table of an older schema (4.01 fp_hists in a 3.3 table)", () => {
    const violations = validateRow(
      bigQueryRow(alerts[0]!, "alerts"),
      bigQueryTableSchema("ztf", "alerts", "3.3"),
    );
    expect(violations).toEqual([{ path: "fp_hists", problem: "no such field in the table" }]);
  });

  it("any changed scalar type is found, at its path (property)", () => {
    const tableSchema = bigQueryTableSchema("ztf", "alerts");
    const base = bigQueryRow(alerts[0]!, "alerts");
    const candidateFields = (tableSchema.find((f) => f.name === "candidate") as TableField).fields!;
    const wrong: Record<string, unknown> = {
      STRING: 1,
      INTEGER: 1.5,
      FLOAT: "x",
      BOOLEAN: 0,
      BYTES: 7,
    };
    fc.assert(
      fc.property(fc.constantFrom(...candidateFields), (field) => {
        const row = { ...base, candidate: { ...(base["candidate"] as object) } };
        (row.candidate as Record<string, unknown>)[field.name] = wrong[field.type];
        const violations = validateRow(row, tableSchema);
        expect(violations.map((v) => v.path)).toEqual([`candidate.${field.name}`]);
      }),
    );
  });
});
