import { describe, expect, it } from "vitest";
import {
  Alert,
  alertTableFields,
  bigQueryRow,
  parseJsonExact,
  toJsonString,
  type BigQueryRow,
} from "@pgb/broker-utils/alerts";
import { decodeSingleRecordContainer } from "@pgb/broker-utils/avro";
import { bundledSchemaMap } from "@pgb/broker-utils/schema-maps";
import { reencodedAlert } from "../../fixtures/alerts/reencoded.js";
import { dataFiles, dataPath } from "@pgb/test-data";
import { decatContainer } from "../../fixtures/alerts/decat.js";

const ZTF = "ztf/alerts/v4.02/2695378462115010012.avro";
const BIG_CANDID = 1642404680815015001n;

function ztfAlert(mutate: (record: Record<string, unknown>) => void = () => {}): Alert {
  return Alert.fromBytes(reencodedAlert(ZTF, mutate), { survey: "ztf", input: ZTF });
}

function candidateOf(row: BigQueryRow): Record<string, unknown> {
  return row["candidate"] as Record<string, unknown>;
}

describe("alerts row", () => {
  it("has the table's columns, no cutouts, every INTEGER as a decimal string", () => {
    const alert = ztfAlert();
    const row = bigQueryRow(alert, "alerts");
    const fields = alertTableFields(alert.schema, alert.schemaMap, "alerts");
    expect(Object.keys(row)).toEqual(fields.map((f) => f.name));
    expect(row["candid"]).toBe("2695378462115010012");
    expect(candidateOf(row)).toMatchObject({
      fid: "2",
      pid: "2695378462115",
      programid: "1",
      isdiffpos: "f",
    });
    expect(typeof candidateOf(row)["magpsf"]).toBe("number");
    expect((row["prv_candidates"] as unknown[]).length).toBe(10);
    expect((row["fp_hists"] as unknown[]).length).toBe(10);
  });

  it("turns NaN and ±Infinity into null", () => {
    const row = bigQueryRow(
      ztfAlert((record) => {
        Object.assign(record["candidate"] as object, {
          magdiff: Number.NaN,
          fwhm: Infinity,
          elong: -Infinity,
        });
      }),
      "alerts",
    );
    expect(candidateOf(row)).toMatchObject({ magdiff: null, fwhm: null, elong: null });
  });

  it("writes a null REPEATED column as [] and keeps upper limits' null candid", () => {
    const none = bigQueryRow(
      ztfAlert((record) => void (record["prv_candidates"] = null)),
      "alerts",
    );
    expect(none["prv_candidates"]).toEqual([]);
    const limits = bigQueryRow(ztfAlert(), "alerts")["prv_candidates"] as Record<string, unknown>[];
    expect(limits.some((prv) => prv["candid"] === null && prv["magpsf"] === null)).toBe(true);
  });

  it("is JSON for every single alert of the kit (no bigint, no NaN left)", () => {
    for (const path of dataFiles(".", ".avro")) {
      if (path.includes("container_v7.1") || path.endsWith("11290844.avro")) continue; // multi-record
      const alert = Alert.fromFile(dataPath(path));
      for (const table of ["alerts", "DIASource"] as const) {
        const text = JSON.stringify(bigQueryRow(alert, table));
        expect(text, path).not.toMatch(/NaN|Infinity/);
      }
    }
  });

  it("writes an Avro map as {key, value} records (Fink's mangrove cross-match)", () => {
    const path = "lsst/alerts/fink_spark_v7.4/58804302898003989_58804302898003989.avro";
    const row = bigQueryRow(Alert.fromFile(dataPath(path)), "alerts");
    expect(row["mangrove"]).toEqual([
      { key: "HyperLEDA_name", value: "None" },
      { key: "2MASS_name", value: "None" },
      { key: "lum_dist", value: "None" },
      { key: "ang_dist", value: "None" },
    ]);
  });
});

describe("DIASource row", () => {
  it("is flat: top-level scalars, candidate fields without the duplicate candid, prv candids", () => {
    const alert = ztfAlert();
    const row = bigQueryRow(alert, "DIASource");
    expect(Object.keys(row)).toHaveLength(107);
    expect(Object.keys(row).slice(0, 5)).toEqual([
      "schemavsn",
      "publisher",
      "objectId",
      "candid",
      "jd",
    ]);
    expect(row).toMatchObject({
      objectId: "ZTF18abudxnw",
      candid: "2695378462115010012",
      fid: "2",
    });
    const prv = (alert.record["prv_candidates"] as { candid: bigint | null }[])
      .filter((p) => p.candid !== null)
      .map((p) => String(p.candid));
    expect(prv.length).toBeGreaterThan(0);
    expect(row["prv_candidates_candids"]).toBe(prv.join(","));
  });

  it('writes prv_candidates_candids "" for no previous detection and null for prv_candidates null', () => {
    const onlyLimits = ztfAlert((record) => {
      record["prv_candidates"] = (record["prv_candidates"] as { candid: unknown }[]).filter(
        (p) => p.candid === null,
      );
    });
    expect(bigQueryRow(onlyLimits, "DIASource")["prv_candidates_candids"]).toBe("");
    const none = ztfAlert((record) => void (record["prv_candidates"] = null));
    expect(bigQueryRow(none, "DIASource")["prv_candidates_candids"]).toBeNull();
  });

  it("LSST: diaSourceId once, diaSource fields, prvDiaSources_diaSourceIds", () => {
    const alert = Alert.fromFile(dataPath("lsst/schema/9.0/sample_data/fakeAlert.avro"));
    const row = bigQueryRow(alert, "DIASource");
    expect(row).toMatchObject({
      diaSourceId: "1231321321",
      band: "r",
      prvDiaSources_diaSourceIds: "281323062375219198,281323062375219199",
    });
    expect(row["visit"]).toBe("1");
  });

  it("prefixes source fields the top level already has with source_ (DECAT ra/dec)", () => {
    const schema = {
      sourceFields: [
        { name: "sourceid", type: "long" },
        { name: "ra", type: "double" },
        { name: "dec", type: "double" },
        { name: "mjd", type: "double" },
      ],
      history: true,
      cutouts: ["scicutout"],
    };
    const source = { sourceid: 5n, ra: 1.5, dec: -2.5, mjd: 59000.5 };
    const record = {
      objectid: "DC21a",
      sourceid: 5n,
      ra: 1,
      dec: -2,
      triggersource: source,
      sources: [source],
      scicutout: Buffer.from("x"),
    };
    const alert = Alert.fromBytes(decatContainer(schema, [record]), { survey: "decat" });
    expect(bigQueryRow(alert, "DIASource")).toEqual({
      objectid: "DC21a",
      sourceid: "5",
      ra: 1,
      dec: -2,
      source_ra: 1.5,
      source_dec: -2.5,
      mjd: 59000.5,
      sources_sourceids: "5",
    });
    expect(bundledSchemaMap("decat").fields.cutoutFields).toContain("scicutout");
  });
});

describe("candid 1642404680815015001 round-trips exactly", () => {
  it("Avro → row → JSON → Pub/Sub attribute → bigint → Avro", () => {
    const data = reencodedAlert(ZTF, (record) => {
      record["candid"] = BIG_CANDID;
      (record["candidate"] as Record<string, unknown>)["candid"] = BIG_CANDID;
    });
    const alert = Alert.fromMessage(
      { data, attributes: { "kafka.topic": "ztf_20240515_programid1" } },
      { survey: "ztf" },
    );
    expect(alert.sourceIdBigInt).toBe(BIG_CANDID);

    const row = bigQueryRow(alert, "DIASource");
    expect(row["candid"]).toBe("1642404680815015001");
    const json = JSON.parse(JSON.stringify(bigQueryRow(alert, "alerts"))) as BigQueryRow;
    expect(json["candid"]).toBe("1642404680815015001");
    expect(candidateOf(json)["candid"]).toBe("1642404680815015001");

    const text = toJsonString({ alert: alert.dict() });
    expect(text).toContain('"candid":1642404680815015001,');
    const message = parseJsonExact(text) as { alert: { candid: bigint } };
    const attribute = alert.derivedAttributes()["candid"]!;
    expect([message.alert.candid, attribute]).toEqual([BIG_CANDID, "1642404680815015001"]);

    const back = BigInt(attribute);
    expect(back).toBe(BIG_CANDID);
    const again = reencodedAlert(ZTF, (record) => void (record["candid"] = back));
    expect((decodeSingleRecordContainer(again).record as { candid: bigint }).candid).toBe(
      BIG_CANDID,
    );
  });
});
