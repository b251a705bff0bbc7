import { basename } from "node:path";
import { describe, expect, it } from "vitest";
import { Alert, AlertDecodeError, detectSurvey } from "@pgb/broker-utils/alerts";
import { bundledSchema, encodeContainer, parseAvroSchema } from "@pgb/broker-utils/avro";
import { healpixNested } from "@pgb/broker-utils/healpix";
import { reencodedAlert } from "../../fixtures/alerts/reencoded.js";
import { readData, dataFiles, dataPath } from "@pgb/test-data";

function alertFile(path: string, options: Parameters<typeof Alert.fromFile>[1] = {}): Alert {
  return Alert.fromFile(dataPath(path), options);
}

function decodeError(run: () => unknown): AlertDecodeError {
  try {
    run();
  } catch (err) {
    if (err instanceof AlertDecodeError) return err;
    throw err;
  }
  throw new Error("expected an AlertDecodeError");
}

describe("Alert from the kit's files, survey recognised from the bytes", () => {
  it.each(dataFiles("ztf/alerts/v4.01", ".avro"))(
    "%s: ids from the file name <candid>.avro",
    (path) => {
      const alert = alertFile(path);
      expect(alert.survey).toBe("ztf");
      expect(alert.sourceId).toBe(basename(path, ".avro"));
      expect(alert.sourceIdBigInt).toBe(BigInt(basename(path, ".avro")));
      expect(alert.objectId).toMatch(/^ZTF\d{2}[a-z]{7}$/);
      expect(alert.schemaVersion).toBe("4.01");
    },
  );

  it.each(dataFiles("ztf/alerts/v3.3", ".programid1.avro"))(
    "%s: ids from the file name <objectId>.<candid>.<topic>.avro",
    (path) => {
      const [objectId, candid] = basename(path).split(".");
      const alert = alertFile(path);
      expect([alert.objectId, alert.sourceId, alert.schemaVersion]).toEqual([
        objectId,
        candid,
        "3.3",
      ]);
    },
  );

  it.each(dataFiles("elasticc/alerts/container_v0_9/alerce_lightcurves", ".avro"))(
    "%s: ids from the file name ..._obj<id>_src<id>.avro",
    (path) => {
      const [, objectId, sourceId] = /_obj(\d+)_src(\d+)\.avro$/.exec(path)!;
      const alert = alertFile(path);
      expect([alert.survey, alert.objectId, alert.sourceId, alert.schemaVersion]).toEqual([
        "elasticc",
        objectId,
        sourceId,
        "v0_9",
      ]);
    },
  );

  it.each(dataFiles("lsst/alerts", ".avro").filter((p) => p.includes("fink_spark")))(
    "%s: Spark's topLevelRecord is recognised as LSST, sourceId from the file name",
    (path) => {
      const alert = alertFile(path);
      expect(alert.survey).toBe("lsst");
      expect(alert.sourceId).toBe(basename(path, ".avro").split("_")[1]);
      expect(alert.schemaVersion).toBeUndefined(); // Spark keeps no schema name or version
    },
  );

  it.each([
    // path, survey, objectId, sourceId, schemaVersion
    [
      "ztf/alerts/v3.1/template_schema_ZTF_3p1.avro",
      "ztf",
      "ZTF18acsbtlw",
      "697252381915015008",
      "3.1",
    ],
    [
      "ztf/alerts/v3.2/2019_01_10_739260766315010006.avro",
      "ztf",
      "ZTF17aaacxxf",
      "739260766315010006",
      "3.2",
    ],
    [
      "ztf/alerts/v4.02/2695378462115010012.avro",
      "ztf",
      "ZTF18abudxnw",
      "2695378462115010012",
      "4.02",
    ],
    // no header version: the record's schemavsn
    [
      "ztf/alerts/fink_spark_v4.02/part-00000-0b960f60-420c-4175-b2cc-ff6b135bfece-c000.avro",
      "ztf",
      "ZTF18abtrwym",
      "2481321673515010006",
      "4.02",
    ],
    [
      "lsst/alerts/confluent_wire_v9.0/7912941781254298.avro",
      "lsst",
      "7912941781254298",
      "7912941781254298",
      "v9_0",
    ],
    // a solar-system alert: no diaObject, the objectId is diaSource.ssObjectId
    [
      "lsst/alerts/fink_spark_v9.0/169298432645136561_169298432645136561.avro",
      "lsst",
      "21164719644750924",
      "169298432645136561",
      undefined,
    ],
    [
      "lsst/schema/9.0/sample_data/fakeAlert.avro",
      "lsst",
      "281323062375219201",
      "281323062375219200",
      "v9_0",
    ],
    [
      "lsst/schema/7.4/sample_data/fakeAlert.avro",
      "lsst",
      "281323062375219201",
      "281323062375219200",
      "v7_4",
    ],
    [
      "elasticc/alerts/container_v0_9/alert_mjd60673.2244_obj1198_src2396011.avro",
      "elasticc",
      "1198",
      "2396011",
      "v0_9",
    ],
  ])("%s → %s %s %s %s", (path, survey, objectId, sourceId, schemaVersion) => {
    const alert = alertFile(path);
    expect([alert.survey, alert.objectId, alert.sourceId, alert.schemaVersion]).toEqual([
      survey,
      objectId,
      sourceId,
      schemaVersion,
    ]);
  });

  it("reports the header version of the v3.1 sample, not its record's schemavsn 3.2", () => {
    const alert = alertFile("ztf/alerts/v3.1/template_schema_ZTF_3p1.avro");
    expect(alert.schemaVersion).toBe("3.1");
    expect(alert.record["schemavsn"]).toBe("3.2");
  });

  it.each([
    ["lsst/alerts/container_v7.1/schema_701.avro", 10],
    ["elasticc/alerts/container_v0_9/11290844.avro", 3],
  ])("rejects the multi-record container %s as one alert, naming the file", (path, count) => {
    const err = decodeError(() => alertFile(path));
    expect(err.reason).toBe("record-count");
    expect(err.message).toBe(
      `${dataPath(path)}: container holds ${count} records, expected exactly 1 alert; ` +
        "read a multi-record file with decodeContainer and handle each record",
    );
  });

  it("decodes the gzip'd ELAsTiCC datum given survey and schema version, and says what is missing otherwise", () => {
    const path =
      "elasticc/alerts/schemaless_v0_9/alert_mjd60563.1120_obj104044681_src208089362038.avro.gz";
    const alert = alertFile(path, { survey: "elasticc", schemaVersion: "v0_9" });
    expect([alert.objectId, alert.sourceId, alert.schemaVersion]).toEqual([
      "104044681",
      "208089362038",
      "v0_9",
    ]);
    expect(decodeError(() => alertFile(path))).toMatchObject({
      reason: "unknown-survey",
      message: expect.stringContaining("pass the survey") as string,
    });
    // the stream's default version v0_9_1 does not fit this v0_9 datum
    expect(decodeError(() => alertFile(path, { survey: "elasticc" })).reason).toMatch(
      /corrupt|truncated/,
    );
  });

  it("decodes an ELAsTiCC v0_9_1 datum (none in the kit: filled at random from the schema), ids exact", () => {
    const schema = bundledSchema("elasticc", "v0_9_1");
    // avsc types random() as returning a Type; it returns a value of the type
    const record = schema.type.random() as unknown as Record<string, Record<string, unknown>>;
    const object = bundledSchema("elasticc", "v0_9_1", "diaObject").type.random() as unknown;
    record["diaObject"] = {
      ...(object as Record<string, unknown>),
      diaObjectId: 9007199254740993n,
    };
    record["diaSource"]!["diaSourceId"] = 1234567890123456789n;
    const alert = Alert.fromBytes(schema.type.toBuffer(record), { survey: "elasticc" });
    expect([alert.objectId, alert.sourceId, alert.schemaVersion]).toEqual([
      "9007199254740993",
      "1234567890123456789",
      "v0_9_1",
    ]);
  });
});

describe("Alert.fromBytes and fromMessage", () => {
  const ztfPath = "ztf/alerts/v4.02/2695378462115010012.avro";

  it("takes the survey from the options or the message's survey attribute", () => {
    const data = readData(ztfPath);
    const attributes = {
      "kafka.topic": "ztf_20240515_programid1",
      "kafka.timestamp": "1715812345000",
    };
    const alert = Alert.fromMessage({ data, attributes }, { survey: "ztf" });
    expect(alert.attributes).toEqual(attributes);
    expect(Alert.fromMessage({ data, attributes: { survey: "ztf" } }).objectId).toBe(
      "ZTF18abudxnw",
    );
    expect(decodeError(() => Alert.fromMessage({ data, messageId: "42" }))).toMatchObject({
      reason: "unknown-survey",
      message:
        "message 42: survey undefined is not one of ztf, lsst, decat, elasticc; pass options.survey",
    });
  });

  it("rejects bytes in none of the survey's formats", () => {
    const err = decodeError(() =>
      Alert.fromBytes(Buffer.from("{}"), { survey: "ztf", input: "m-1" }),
    );
    expect(err).toMatchObject({ reason: "unknown-format" });
    expect(err.message).toBe(
      "m-1: not an Avro container file, the formats of ztf alerts (is the survey right?)",
    );
    expect(
      decodeError(() =>
        Alert.fromBytes(Buffer.from([0, 0, 0, 4, 0x4e, 1, 2]) /* schema id 1102 */, {
          survey: "lsst",
        }),
      ).reason,
    ).toBe("unknown-schema-version");
  });

  it("rejects an alert without the ids the schema map points at", () => {
    const text = JSON.stringify({
      type: "record",
      name: "alert",
      namespace: "ztf",
      fields: [{ name: "objectId", type: ["null", "string"] }],
    });
    const bytes = encodeContainer(text, parseAvroSchema(JSON.parse(text)), [{ objectId: "ZTF1" }]);
    const err = decodeError(() => Alert.fromBytes(bytes, { survey: "ztf", input: "odd.avro" }));
    expect(err.reason).toBe("missing-id");
    expect(err.message).toMatch(/^odd\.avro: no sourceId at candid \(schema map .*ztf\.yaml\)/);
  });

  it("leaves cutouts out of dict() unless asked, in schema field order", () => {
    const alert = Alert.fromBytes(readData(ztfPath), { survey: "ztf" });
    expect(Object.keys(alert.dict())).toEqual([
      "schemavsn",
      "publisher",
      "objectId",
      "candid",
      "candidate",
      "prv_candidates",
      "fp_hists",
    ]);
    expect(Object.keys(alert.dict({ cutouts: true })).slice(-3)).toEqual([
      "cutoutScience",
      "cutoutTemplate",
      "cutoutDifference",
    ]);
    expect(alert.record["cutoutScience"]).toBeDefined(); // the record itself is untouched
  });

  it("gives the attributes of derived messages (pittgoogle-client's names) as strings", () => {
    const data = reencodedAlert(ztfPath, (record) => {
      record["candid"] = 1642404680815015001n;
    });
    const alert = Alert.fromMessage(
      {
        data,
        attributes: {
          "kafka.topic": "ztf_20240515_programid1",
          "kafka.timestamp": "1715812345000",
          "kafka.offset": "7",
        },
      },
      { survey: "ztf" },
    );
    const { healpix9, healpix19, healpix29, ...rest } = alert.derivedAttributes();
    expect(rest).toEqual({
      objectId: "ZTF18abudxnw",
      candid: "1642404680815015001",
      schema_version: "4.02",
      n_previous_detections: String(alert.prvSources?.length ?? 0),
      survey: "ztf",
      "kafka.topic": "ztf_20240515_programid1",
      "kafka.timestamp": "1715812345000",
    });
    const pixels = [9, 19, 29].map((order) => healpixNested(alert.ra!, alert.dec!, order));
    expect([healpix9, healpix19, healpix29]).toEqual(pixels.map(String));
  });

  it("recognises surveys from bytes, and cannot from a bare datum", () => {
    expect(detectSurvey(readData(ztfPath))).toBe("ztf");
    expect(detectSurvey(readData("lsst/alerts/confluent_wire_v9.0/7912941781254298.avro"))).toBe(
      "lsst",
    );
    expect(detectSurvey(Buffer.from([2, 4, 6]))).toBeUndefined();
  });
});
