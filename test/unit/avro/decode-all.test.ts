/**
 * Every Avro file of the data kit decodes, or fails with the documented error: containers with
 * their embedded writer schema (including Spark's `topLevelRecord` re-serialisations), the LSST
 * Confluent wire-format message with the bundled v9_0 schema, the gzip'd ELAsTiCC datum with the
 * bundled v0_9 schema. The kit's Parquet file is not Avro and is not read here.
 */
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  AvroDecodeError,
  bundledSchema,
  decodeContainer,
  decodeDatum,
  decodeSingleRecordContainer,
  decodeWireMessage,
  isContainer,
} from "@pgb/broker-utils/avro";
import { readData, dataFiles } from "@pgb/test-data";

/** Containers with several records (README §2.2, §3); every other container holds one. */
const MULTI_RECORD: Record<string, number> = {
  "lsst/alerts/container_v7.1/schema_701.avro": 10,
  "elasticc/alerts/container_v0_9/11290844.avro": 3,
};
const WIRE = "lsst/alerts/confluent_wire_v9.0/7912941781254298.avro";
const DATUM =
  "elasticc/alerts/schemaless_v0_9/alert_mjd60563.1120_obj104044681_src208089362038.avro.gz";

const containers = dataFiles(".", ".avro").filter((path) => path !== WIRE);

describe("every Avro file of the data kit", () => {
  it("finds the kit's 97 Avro container files (53 ZTF, 25 LSST, 19 ELAsTiCC)", () => {
    expect(containers).toHaveLength(97);
  });

  it.each(containers)(
    "%s decodes with its embedded writer schema (and re-encodes to the same bytes)",
    (path) => {
      const bytes = readData(path);
      expect(isContainer(bytes)).toBe(true);
      const { records } = decodeContainer(bytes, path);
      expect(records).toHaveLength(MULTI_RECORD[path] ?? 1);
      if (MULTI_RECORD[path]) {
        expect(() => decodeSingleRecordContainer(bytes, path)).toThrowError(
          expect.objectContaining({
            reason: "record-count",
            message: `${path}: container holds ${MULTI_RECORD[path]} records, expected exactly 1 alert; read a multi-record file with decodeContainer and handle each record`,
          }) as Error,
        );
      } else {
        const { record, schema } = decodeSingleRecordContainer(bytes, path);
        // re-encoding gives back the writer's bytes: every long, float, union branch exact
        expect(bytes.includes(schema.type.toBuffer(record))).toBe(true);
      }
    },
  );

  it("decodes the LSST wire-format message with the bundled v9_0 schema, consuming every byte", () => {
    const message = decodeWireMessage(readData(WIRE), "lsst", WIRE);
    expect(message).toMatchObject({ schemaId: 900, schemaVersion: "v9_0" });
    expect((message.record as { diaSourceId: bigint }).diaSourceId).toBe(7912941781254298n);
  });

  it("decodes the gzip'd ELAsTiCC datum after gunzip with the bundled v0_9 schema", () => {
    const bytes = gunzipSync(readData(DATUM));
    expect(bytes).toHaveLength(1296);
    const alert = decodeDatum(bytes, bundledSchema("elasticc", "v0_9"), DATUM) as {
      diaObject: { diaObjectId: bigint };
      diaSource: { diaSourceId: bigint };
      prvDiaSources: unknown[];
      prvDiaForcedSources: unknown[];
    };
    expect(alert.diaObject.diaObjectId).toBe(104044681n);
    expect(alert.diaSource.diaSourceId).toBe(208089362038n);
    expect(alert.prvDiaSources).toHaveLength(4);
    expect(alert.prvDiaForcedSources).toHaveLength(14);
  });

  it("rejects the ELAsTiCC datum with the wrong schema version, naming the input", () => {
    const bytes = gunzipSync(readData(DATUM));
    expect(() => decodeDatum(bytes, bundledSchema("elasticc", "v0_9_1"), DATUM)).toThrowError(
      AvroDecodeError,
    );
    expect(() => decodeDatum(bytes, bundledSchema("elasticc", "v0_9_1"), DATUM)).toThrowError(
      new RegExp(`^${DATUM.replaceAll(".", "\\.")}: .*(wrong schema|does not match)`),
    );
  });
});
