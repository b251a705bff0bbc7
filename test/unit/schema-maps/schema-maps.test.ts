import { describe, expect, it } from "vitest";
import type avro from "avsc";
import {
  bundledSchema,
  bundledSchemaVersions,
  decodeSingleRecordContainer,
  decodeWireMessage,
} from "@pgb/broker-utils/avro";
import {
  bundledSchemaMap,
  bundledSchemaMapText,
  loadSchemaMap,
  SchemaMap,
  SchemaMapError,
  SURVEYS,
  type AlertRecord,
  type FieldPath,
} from "@pgb/broker-utils/schema-maps";
import { readData } from "@pgb/test-data";

function ztfAlert(): AlertRecord {
  const path = "ztf/alerts/v3.3/ZTF21abvawaj.1704264473315015001.ztf_20210901_programid1.avro";
  return decodeSingleRecordContainer(readData(path)).record as AlertRecord;
}

function lsstAlert(): AlertRecord {
  const path = "lsst/alerts/confluent_wire_v9.0/7912941781254298.avro";
  return decodeWireMessage(readData(path), "lsst", path).record as AlertRecord;
}

describe("bundled schema maps", () => {
  it.each(SURVEYS)("%s parses and validates", (survey) => {
    const map = bundledSchemaMap(survey);
    expect(map.fields.survey).toBe(survey);
    expect(map.origin).toMatch(new RegExp(`data/schema-maps/${survey}\\.yaml$`));
  });

  it("holds the spec §10 table for ztf", () => {
    expect(bundledSchemaMap("ztf").fields).toMatchObject({
      topicSyntax: "ztf_yyyymmdd_programid1",
      filterMap: { 1: "g", 2: "r", 3: "i" },
      objectIdPath: ["objectId"],
      sourceIdPath: ["candid"],
      sourceField: "candidate",
      prvSourcesField: "prv_candidates",
      cutoutFields: ["cutoutScience", "cutoutTemplate", "cutoutDifference"],
      filterField: "fid",
      magField: "magpsf",
      magerrField: "sigmapsf",
      magzpField: "magzpsci",
      fluxField: null,
      mjdRule: { field: "jd", format: "jd" },
      raPath: ["candidate", "ra"],
      decPath: ["candidate", "dec"],
      schemaVersionSource: "header",
      defaultSchemaVersion: "4.02",
    });
  });

  it("holds the spec §10 table for lsst, decat and elasticc", () => {
    expect(bundledSchemaMap("lsst").fields).toMatchObject({
      topicSyntax: null,
      filterMap: null,
      objectIdPath: ["diaObject", "diaObjectId"],
      ssObjectIdPaths: [
        ["ssSource", "ssObjectId"],
        ["diaSource", "ssObjectId"],
      ],
      sourceIdPath: ["diaSource", "diaSourceId"],
      sourceField: "diaSource",
      prvSourcesField: "prvDiaSources",
      fluxField: "psfFlux",
      fluxerrField: "psfFluxErr",
      fluxZeroPoint: 31.4,
      mjdRule: { field: "midpointMjdTai", format: "mjd" },
      schemaVersionSource: "wire",
      defaultSchemaVersion: "all",
    });
    expect(bundledSchemaMap("decat").fields).toMatchObject({
      topicSyntax: "decat_yyyymmdd_2021A-0113",
      objectIdPath: ["objectid"],
      sourceIdPath: ["sourceid"],
      sourceField: "triggersource",
      prvSourcesField: "sources",
      cutoutFields: ["scicutout", "refcutout", "diffcutout"],
      raPath: ["ra"],
    });
    expect(bundledSchemaMap("elasticc").fields).toMatchObject({
      filterField: "filterName",
      fluxField: "psFlux",
      decPath: ["diaSource", "decl"],
      mjdRule: { field: "midPointTai", format: "mjd" },
      defaultSchemaVersion: "v0_9_1",
    });
  });
});

/** The Avro type at a path of record fields, through [null, T] unions; undefined if absent. */
function typeAt(type: avro.Type, path: FieldPath): string | undefined {
  let at: avro.Type | undefined = type;
  for (const name of path) {
    const record: avro.Type | undefined = (at as avro.types.UnwrappedUnionType).types?.find(
      (branch) => branch.typeName === "record",
    );
    at = ((record ?? at) as avro.types.RecordType).fields?.find((f) => f.name === name)?.type;
    if (at === undefined) return undefined;
  }
  const branches = (at as avro.types.UnwrappedUnionType).types ?? [at];
  return branches.map((branch) => branch.typeName).join("|");
}

describe("the lsst map over every bundled LSST version", () => {
  const map = bundledSchemaMap("lsst").fields;
  const inSource = (field: string | null): FieldPath => [map.sourceField, field!];

  it.each(bundledSchemaVersions("lsst"))("%s has every field the map points at", (version) => {
    const alert = bundledSchema("lsst", version).type;
    expect({
      objectId: typeAt(alert, map.objectIdPath),
      ssObjectId: map.ssObjectIdPaths.map((path) => typeAt(alert, path)).find(Boolean),
      sourceId: typeAt(alert, map.sourceIdPath),
      ra: typeAt(alert, map.raPath),
      dec: typeAt(alert, map.decPath),
      filter: typeAt(alert, inSource(map.filterField)),
      flux: typeAt(alert, inSource(map.fluxField)),
      fluxerr: typeAt(alert, inSource(map.fluxerrField)),
      mjd: typeAt(alert, inSource(map.mjdRule.field)),
      prvSources: typeAt(alert, [map.prvSourcesField!]),
      cutouts: map.cutoutFields.map((field) => typeAt(alert, [field])),
    }).toEqual({
      objectId: "abstract:long",
      ssObjectId: expect.stringMatching(/abstract:long$/) as string,
      sourceId: "abstract:long",
      ra: "double",
      dec: "double",
      filter: expect.stringMatching(/string/) as string,
      flux: expect.stringMatching(/float/) as string,
      fluxerr: expect.stringMatching(/float/) as string,
      mjd: "double",
      prvSources: "null|array",
      cutouts: ["null|bytes", "null|bytes", "null|bytes"],
    });
  });
});

describe("accessors", () => {
  it("read a ZTF alert", () => {
    const map = bundledSchemaMap("ztf");
    const alert = ztfAlert();
    const source = map.source(alert)!;
    expect(map.objectId(alert)).toBe("ZTF21abvawaj");
    expect(map.sourceId(alert)).toBe(1704264473315015001n);
    expect(map.prvSources(alert)).toHaveLength(37);
    expect(Object.keys(map.cutouts(alert))).toEqual([
      "cutoutScience",
      "cutoutTemplate",
      "cutoutDifference",
    ]);
    expect(map.cutouts({ ...alert, cutoutTemplate: null })).not.toHaveProperty("cutoutTemplate");
    expect(map.ra(alert)).toBe(278.9905023);
    expect(map.dec(alert)).toBe(63.7264781);
    expect(map.band(source)).toBe("g"); // fid 1
    expect(map.mjd(source)).toBeCloseTo(2459458.7644792 - 2400000.5, 9);
  });

  it("read an LSST alert, and fall back to ssObjectId without a diaObject", () => {
    const map = bundledSchemaMap("lsst");
    const alert = lsstAlert();
    expect(map.sourceId(alert)).toBe(7912941781254298n);
    expect(map.band(map.source(alert)!)).toBe("r");
    expect(map.mjd(map.source(alert)!)).toBeCloseTo(60961.233, 3);
    const sso = { ...alert, diaObject: null, ssSource: { ssObjectId: 21n } };
    expect(map.objectId(sso)).toBe(21n);
  });

  it("give undefined for a missing source, band outside FILTER_MAP, or a NaN time", () => {
    const map = bundledSchemaMap("ztf");
    expect(map.source({})).toBeUndefined();
    expect(map.prvSources({ prv_candidates: null })).toBeNull();
    expect(map.band({ fid: 4 })).toBeUndefined();
    expect(map.mjd({ jd: Number.NaN })).toBeUndefined();
  });

  it("spell tonight's topic for a UTC date", () => {
    const ztf = bundledSchemaMap("ztf");
    // 23:30 in California on 12 Jan is 13 Jan UTC
    expect(ztf.topic(new Date("2024-01-13T07:30:00Z"))).toBe("ztf_20240113_programid1");
    expect(ztf.topic("20210413")).toBe("ztf_20210413_programid1");
    expect(bundledSchemaMap("decat").topic("20210301")).toBe("decat_20210301_2021A-0113");
    expect(() => ztf.topic("2021-04-13")).toThrowError(/topic date "2021-04-13" is not yyyymmdd/);
    expect(() => bundledSchemaMap("lsst").topic("20250101")).toThrowError(
      /lsst has no TOPIC_SYNTAX .*configure the Kafka topic \(KAFKA_TOPIC\)/,
    );
  });
});

describe("loadSchemaMap", () => {
  it("uses the bundled copy without a reader, or when the bucket has none", async () => {
    expect(await loadSchemaMap("ztf")).toBe(bundledSchemaMap("ztf"));
    expect(await loadSchemaMap("ztf", { reader: () => Promise.resolve(undefined) })).toBe(
      bundledSchemaMap("ztf"),
    );
  });

  it("prefers the bucket copy", async () => {
    const edited = bundledSchemaMapText("ztf").replace(
      "ztf_yyyymmdd_programid1",
      "ztf_yyyymmdd_programid2",
    );
    const asked: string[] = [];
    const map = await loadSchemaMap("ztf", {
      reader: (survey) => {
        asked.push(survey);
        return Promise.resolve(edited);
      },
    });
    expect(asked).toEqual(["ztf"]);
    expect(map.origin).toBe("bucket copy schema_maps/ztf.yaml");
    expect(map.topic("20240101")).toBe("ztf_20240101_programid2");
  });

  it("rejects a broken bucket copy instead of ignoring it, and lets reader errors through", async () => {
    await expect(
      loadSchemaMap("ztf", { reader: () => Promise.resolve("objectId: [") }),
    ).rejects.toThrowError(/^bucket copy schema_maps\/ztf\.yaml: not valid YAML/);
    await expect(
      loadSchemaMap("ztf", { reader: () => Promise.reject(new Error("503 from storage")) }),
    ).rejects.toThrowError("503 from storage");
  });
});

describe("validation", () => {
  const text = bundledSchemaMapText("ztf");

  it.each([
    [text + "\nmagnitude: magpsf\n", /unknown key\(s\) magnitude; the keys are TOPIC_SYNTAX/],
    [text.replace("objectId: objectId\n", ""), /missing required key\(s\) objectId/],
    [
      text.replace("ra: [candidate, ra]", "ra: [candidate, 3]"),
      /ra must be a field name or a list of field names/,
    ],
    [
      text.replace("{ field: jd, format: jd }", "{ field: jd, format: unix }"),
      /mjd must be \{field: <name>, format: jd\|mjd\}/,
    ],
    [
      text.replace('default: "4.02"', "default: 4.02"),
      /SCHEMA_VERSION must be a mapping whose default is a version string/,
    ],
    ["- a\n- list\n", /a schema map must be a YAML mapping of keys/],
  ])("names the origin, the key and the expectation (%#)", (yaml, message) => {
    expect(() => SchemaMap.parse(yaml, "ztf", "my.yaml")).toThrowError(SchemaMapError);
    expect(() => SchemaMap.parse(yaml, "ztf", "my.yaml")).toThrowError(message);
  });
});
