import { describe, expect, it } from "vitest";
import { bigQueryTableSchema, tableFields, TableSchemaError } from "@pgb/broker-utils/alerts";
import { parseAvroSchema } from "@pgb/broker-utils/avro";
import type { TableField } from "@pgb/broker-utils/bigquery";

type Column = [name: string, type: TableField["type"], mode: TableField["mode"]];

const TYPES = { F: "FLOAT", I: "INTEGER", S: "STRING" } as const;

/** docs/spec/broker.md §5 notation: `name [F|I|S][!]`; F default, ! REQUIRED, else NULLABLE. */
function specColumns(list: string): Column[] {
  return list
    .split(",")
    .map((item) => item.trim())
    .map((item) => {
      const [, name, type, required] = /^(\w+)(?: ([FIS]))?(!)?$/.exec(item)!;
      return [
        name!,
        TYPES[(type ?? "F") as keyof typeof TYPES],
        required ? "REQUIRED" : "NULLABLE",
      ];
    });
}

/** The candidate record, verbatim from docs/spec/broker.md §5. */
const CANDIDATE =
  specColumns(`jd F!, fid I!, pid I!, diffmaglim, pdiffimfilename S, programpi S, programid I!, candid I!,
  isdiffpos S!, tblid I, nid I, rcid I, field I, xpos, ypos, ra F!, dec F!, magpsf F!, sigmapsf F!,
  chipsf, magap, sigmagap, distnr, magnr, sigmagnr, chinr, sharpnr, sky, magdiff, fwhm, classtar,
  mindtoedge, magfromlim, seeratio, aimage, bimage, aimagerat, bimagerat, elong, nneg I, nbad I, rb,
  ssdistnr, ssmagnr, ssnamenr S, sumrat, magapbig, sigmagapbig, ranr F!, decnr F!, sgmag1, srmag1,
  simag1, szmag1, sgscore1, distpsnr1, ndethist I!, ncovhist I!, jdstarthist, jdendhist, scorr,
  tooflag I, objectidps1 I, objectidps2 I, sgmag2, srmag2, simag2, szmag2, sgscore2, distpsnr2,
  objectidps3 I, sgmag3, srmag3, simag3, szmag3, sgscore3, distpsnr3, nmtchps I!, rfid I!,
  jdstartref F!, jdendref F!, nframesref I!, rbversion S!, dsnrms, ssnrms, dsdiff, magzpsci,
  magzpsciunc, magzpscirms, nmatches I!, clrcoeff, clrcounc, zpclrcov, zpmed, clrmed, clrrms,
  neargaia, neargaiabright, maggaia, maggaiabright, exptime, drb, drbversion S!`);

/** §5: candidate fields jd … sigmagapbig, then nine more; REQUIRED only jd, fid, pid, programid, rbversion. */
const PRV_CANDIDATE: Column[] = [
  ...CANDIDATE.slice(0, CANDIDATE.findIndex(([name]) => name === "sigmagapbig") + 1),
  ...[
    "ranr",
    "decnr",
    "scorr",
    "magzpsci",
    "magzpsciunc",
    "magzpscirms",
    "clrcoeff",
    "clrcounc",
    "rbversion",
  ].map((name) => CANDIDATE.find(([candidate]) => candidate === name)!),
].map(([name, type]) => [
  name,
  type,
  ["jd", "fid", "pid", "programid", "rbversion"].includes(name) ? "REQUIRED" : "NULLABLE",
]);

/** §5: the 29 fields of packages/broker-utils/data/schemas/ztf/4.02/fp_hist.avsc. */
const FP_HIST =
  specColumns(`field I, rcid I, fid I!, pid I!, rfid I!, sciinpseeing, scibckgnd, scisigpix,
  magzpsci, magzpsciunc, magzpscirms, clrcoeff, clrcounc, exptime, adpctdif1, adpctdif2, diffmaglim,
  programid I!, jd F!, forcediffimflux, forcediffimfluxunc, procstatus S, distnr, ranr F!, decnr F!,
  magnr, sigmagnr, chinr, sharpnr`);

const TOP = specColumns("schemavsn S!, publisher S!, objectId S!, candid I!");

function columns(fields: readonly TableField[]): Column[] {
  return fields.map((f) => [f.name, f.type, f.mode]);
}

function field(fields: readonly TableField[], name: string): TableField {
  return fields.find((f) => f.name === name)!;
}

describe("ZTF tables exactly as docs/spec/broker.md §5 lists them", () => {
  it("the spec lists 103 candidate, 57 prv_candidate and 29 fp_hist fields", () => {
    expect([CANDIDATE.length, PRV_CANDIDATE.length, FP_HIST.length]).toEqual([103, 57, 29]);
  });

  it.each(["3.3", "4.01", "4.02"])(
    "alerts %s: top level, candidate, prv_candidates (no cutouts)",
    (version) => {
      const alerts = bigQueryTableSchema("ztf", "alerts", version);
      const fpHists: Column[] = version === "3.3" ? [] : [["fp_hists", "RECORD", "REPEATED"]];
      expect(columns(alerts)).toEqual([
        ...TOP,
        ["candidate", "RECORD", "REQUIRED"],
        ["prv_candidates", "RECORD", "REPEATED"],
        ...fpHists,
      ]);
      expect(columns(field(alerts, "candidate").fields!)).toEqual(CANDIDATE);
      expect(columns(field(alerts, "prv_candidates").fields!)).toEqual(PRV_CANDIDATE);
    },
  );

  it.each(["4.01", "4.02"])("alerts %s: fp_hists has the 29 fp_hist fields", (version) => {
    expect(
      columns(field(bigQueryTableSchema("ztf", "alerts", version), "fp_hists").fields!),
    ).toEqual(FP_HIST);
  });

  it.each(["3.3", "4.01", "4.02"])("DIASource %s: 107 flat columns", (version) => {
    const expected: Column[] = [
      ...TOP,
      ...CANDIDATE.filter(([name]) => name !== "candid"),
      ["prv_candidates_candids", "STRING", "NULLABLE"],
    ];
    expect(expected).toHaveLength(107);
    expect(columns(bigQueryTableSchema("ztf", "DIASource", version))).toEqual(expected);
  });

  it("defaults to the newest bundled version (4.02) and carries Avro docs as descriptions", () => {
    const alerts = bigQueryTableSchema("ztf", "alerts");
    expect(alerts).toEqual(bigQueryTableSchema("ztf", "alerts", "4.02"));
    expect(field(field(alerts, "candidate").fields!, "fid").description).toBe(
      "Filter ID (1=g; 2=R; 3=i)",
    );
  });
});

describe("other surveys (§5 last bullet)", () => {
  it("LSST: alerts minus cutouts; DIASource = top-level scalars + diaSource fields + prvDiaSources_diaSourceIds", () => {
    const alerts = bigQueryTableSchema("lsst", "alerts", "v9_0");
    expect(alerts.map((f) => f.name)).toEqual([
      "diaSourceId",
      "observation_reason",
      "target_name",
      "diaSource",
      "prvDiaSources",
      "prvDiaForcedSources",
      "diaObject",
      "ssSource",
      "MPCORB",
    ]);
    const dia = bigQueryTableSchema("lsst", "DIASource", "v9_0");
    const names = dia.map((f) => f.name);
    expect(names.slice(0, 6)).toEqual([
      "diaSourceId",
      "observation_reason",
      "target_name",
      "visit",
      "detector",
      "diaObjectId",
    ]);
    expect(names.filter((n) => n === "diaSourceId")).toHaveLength(1);
    expect(names).toEqual(expect.arrayContaining(["midpointMjdTai", "band", "psfFlux"]));
    expect(dia.at(-1)).toMatchObject({
      name: "prvDiaSources_diaSourceIds",
      type: "STRING",
      mode: "NULLABLE",
    });
    expect(field(dia, "diaSourceId")).toMatchObject({ type: "INTEGER", mode: "REQUIRED" });
  });

  it.each([
    ["lsst", "v7_4"],
    ["lsst", "v10_0"],
    ["lsst", "v11_0"],
    ["lsst", "v11_1"],
    ["elasticc", "v0_9"],
    ["elasticc", "v0_9_1"],
  ] as const)("%s %s generates both tables", (survey, version) => {
    expect(bigQueryTableSchema(survey, "alerts", version).length).toBeGreaterThan(3);
    expect(bigQueryTableSchema(survey, "DIASource", version).at(-1)!.name).toBe(
      "prvDiaSources_diaSourceIds",
    );
  });

  it("has the id columns the instance model clusters and de-duplicates on", () => {
    const names = (survey: "lsst" | "elasticc", table: "alerts" | "DIASource") =>
      bigQueryTableSchema(survey, table).map((f) => f.name);
    expect(names("lsst", "alerts")).toContain("diaSourceId");
    expect(names("lsst", "DIASource")).toEqual(
      expect.arrayContaining(["diaObjectId", "diaSourceId"]),
    );
    expect(names("elasticc", "alerts")).toContain("alertId");
    expect(names("elasticc", "DIASource")).toEqual(
      expect.arrayContaining(["diaObjectId", "diaSourceId"]),
    );
  });

  it("says how to get DECAT tables: it has no bundled Avro schema", () => {
    expect(() => bigQueryTableSchema("decat", "alerts")).toThrowError(TableSchemaError);
    expect(() => bigQueryTableSchema("decat", "alerts")).toThrowError(
      "decat has no bundled Avro schema to generate the alerts table from; add one under data/schemas/decat/<version>/ and pass that version",
    );
  });
});

describe("type rules", () => {
  const record = (fields: unknown[]) => parseAvroSchema({ type: "record", name: "r", fields }).type;

  it("maps every Avro type by the §5 rules", () => {
    const type = record([
      { name: "b", type: "boolean" },
      { name: "y", type: "bytes" },
      { name: "e", type: { type: "enum", name: "E", symbols: ["A"] } },
      { name: "x", type: { type: "fixed", name: "X", size: 2 } },
      { name: "t", type: { type: "long", logicalType: "timestamp-micros" } },
      { name: "d", type: { type: "int", logicalType: "date" } },
      { name: "n", type: ["double", "null"] },
      { name: "a", type: ["null", { type: "array", items: "int" }] },
      { name: "m", type: ["null", { type: "map", values: ["string", "null"] }] },
      // Spark's nullable elements
      { name: "s", type: { type: "array", items: ["string", "null"] } },
    ]);
    expect(columns(tableFields(type))).toEqual([
      ["b", "BOOLEAN", "REQUIRED"],
      ["y", "BYTES", "REQUIRED"],
      ["e", "STRING", "REQUIRED"],
      ["x", "BYTES", "REQUIRED"],
      ["t", "INTEGER", "REQUIRED"],
      ["d", "INTEGER", "REQUIRED"],
      ["n", "FLOAT", "NULLABLE"],
      ["a", "INTEGER", "REPEATED"],
      ["m", "RECORD", "REPEATED"],
      ["s", "STRING", "REPEATED"],
    ]);
  });

  it("maps a map to {key, value} records", () => {
    const [map] = tableFields(
      record([{ name: "m", type: { type: "map", values: ["null", "long"] } }]),
    );
    expect(map!.fields!.map((f) => [f.name, f.type, f.mode])).toEqual([
      ["key", "STRING", "REQUIRED"],
      ["value", "INTEGER", "NULLABLE"],
    ]);
  });

  it.each([
    [["null", "int", "string"], /r\.f: a union of null, int, string has no BigQuery type/],
    [
      { type: "array", items: { type: "array", items: "int" } },
      /r\.f: BigQuery has no arrays of arrays/,
    ],
  ])("rejects %j with the field and the reason", (avroType, message) => {
    expect(() => tableFields(record([{ name: "f", type: avroType }]))).toThrowError(message);
  });
});
