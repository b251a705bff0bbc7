/**
 * Every bundled LSST schema version decodes: Rubin's fake alert of the version as the container it
 * ships in, and as the Confluent wire-format packet of the stream, ids exact through the schema map.
 */
import { describe, expect, it } from "vitest";
import { Alert } from "@pgb/broker-utils/alerts";
import { bundledSchemaVersions, wireSchemaId } from "@pgb/broker-utils/avro";
import {
  DIA_OBJECT_ID,
  DIA_SOURCE_ID,
  LSST_VERSIONS,
  SS_OBJECT_ID,
  fakeAlertPath,
  lsstSolarSystemPacket,
  lsstWirePacket,
} from "../../fixtures/alerts/lsst-wire.js";
import { dataPath } from "@pgb/test-data";

/** The ids of every fake alert (lsst/alert_packet's generate.py uses the same ones). */
const FAKE_OBJECT_ID = "281323062375219201";
const FAKE_SOURCE_ID = "281323062375219200";

type Fields = Record<string, Record<string, unknown>>;

describe("every published LSST schema version", () => {
  it("is bundled, oldest first", () => {
    expect(bundledSchemaVersions("lsst")).toEqual(LSST_VERSIONS.map((v) => v.label));
  });

  it.each(LSST_VERSIONS)("$version: Rubin's fake alert container decodes", ({ version, label }) => {
    const alert = Alert.fromFile(dataPath(fakeAlertPath(version)));
    expect([alert.survey, alert.schemaVersion]).toEqual(["lsst", label]);
    expect([alert.objectId, alert.sourceId]).toEqual([FAKE_OBJECT_ID, FAKE_SOURCE_ID]);
    const record = alert.record as Fields;
    expect(record["diaObject"]!["diaObjectId"]).toBe(BigInt(FAKE_OBJECT_ID));
  });

  it.each(LSST_VERSIONS)(
    "$version: the wire packet with id $schemaId decodes, 64-bit ids exact",
    (version) => {
      const bytes = lsstWirePacket(version);
      expect(wireSchemaId(bytes, "packet")).toBe(version.schemaId);
      const alert = Alert.fromBytes(bytes, { survey: "lsst" });
      expect(alert.schemaVersion).toBe(version.label);
      expect([alert.objectId, alert.sourceId]).toEqual([
        DIA_OBJECT_ID.toString(),
        DIA_SOURCE_ID.toString(),
      ]);
      expect(alert.sourceIdBigInt).toBe(DIA_SOURCE_ID);
      expect((alert.record as Fields)["diaSource"]!["diaObjectId"]).toBe(DIA_OBJECT_ID);
    },
  );

  it.each(LSST_VERSIONS)(
    "$version: a solar-system packet (no diaObject) takes its objectId from diaSource.ssObjectId",
    (version) => {
      const alert = Alert.fromBytes(lsstSolarSystemPacket(version), { survey: "lsst" });
      expect(alert.record["diaObject"]).toBeNull();
      expect(alert.objectId).toBe(SS_OBJECT_ID.toString());
      expect(alert.sourceId).toBe(FAKE_SOURCE_ID);
    },
  );
});
