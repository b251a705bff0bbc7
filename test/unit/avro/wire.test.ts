import { describe, expect, it } from "vitest";
import {
  AvroDecodeError,
  bundledSchema,
  decodeWireMessage,
  encodeWireMessage,
  schemaIdFromVersion,
  schemaVersionFromId,
  wireSchemaId,
} from "@pgb/broker-utils/avro";
import { readData } from "@pgb/test-data";

const WIRE = "lsst/alerts/confluent_wire_v9.0/7912941781254298.avro";

function withSchemaId(bytes: Buffer, id: number): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeUInt32BE(id, 1);
  return copy;
}

describe("Confluent wire format", () => {
  it("maps Rubin registry ids to versions (MAJOR*100 + MINOR) and back", () => {
    expect([700, 703, 900, 1000, 1103].map(schemaVersionFromId)).toEqual([
      "v7_0",
      "v7_3",
      "v9_0",
      "v10_0",
      "v11_3",
    ]);
    expect(["v7_0", "v7_3", "v9_0", "v10_0", "v11_3"].map(schemaIdFromVersion)).toEqual([
      700, 703, 900, 1000, 1103,
    ]);
    expect(["3.3", "v0_9_1", "v9_100"].map(schemaIdFromVersion)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("frames a datum with its schema id (the message Rubin's producer writes)", () => {
    const bytes = readData(WIRE);
    const { record } = decodeWireMessage(bytes, "lsst", WIRE);
    expect(encodeWireMessage(record, bundledSchema("lsst", "v9_0"), 900).equals(bytes)).toBe(true);
  });

  it("reads the schema id from the 5-byte header", () => {
    expect(wireSchemaId(readData(WIRE), WIRE)).toBe(900);
  });

  it("decodes the Rubin alert with the bundled v9_0 schema, every byte consumed", () => {
    const bytes = readData(WIRE);
    const { record } = decodeWireMessage(bytes, "lsst", WIRE);
    const alert = record as {
      diaSource: { band: string; midpointMjdTai: number };
      cutoutScience: Buffer;
      cutoutTemplate: Buffer;
      cutoutDifference: Buffer;
      prvDiaSources: unknown;
    };
    expect(alert.diaSource.band).toBe("r");
    expect(alert.diaSource.midpointMjdTai).toBeCloseTo(60961.233, 3);
    expect({
      science: alert.cutoutScience.length,
      template: alert.cutoutTemplate.length,
      difference: alert.cutoutDifference.length,
    }).toEqual({ science: 34560, template: 69120, difference: 34560 });
    // re-encoding the datum gives back exactly the message body
    expect(bundledSchema("lsst", "v9_0").type.toBuffer(record).equals(bytes.subarray(5))).toBe(
      true,
    );
  });

  it("rejects an id without a bundled schema, naming the message, the id, its version and the bundled ones", () => {
    const bytes = withSchemaId(readData(WIRE), 1102);
    expect(() => decodeWireMessage(bytes, "lsst", "kafka lsst/0/42")).toThrowError(
      expect.objectContaining({
        name: "AvroDecodeError",
        reason: "unknown-schema-version",
        message:
          "kafka lsst/0/42: schema id 1102 is lsst v11_2 (id = major·100 + minor), which has no " +
          "bundled schema; bundled: v7_0 (700), v7_1 (701), v7_2 (702), v7_3 (703), v7_4 (704), " +
          "v8_0 (800), v9_0 (900), v10_0 (1000), v11_0 (1100), v11_1 (1101). Add that version's " +
          ".avsc files from lsst/alert_packet to data/schemas/lsst/v11_2/",
      }) as Error,
    );
  });

  it("rejects bytes that are not wire format, and a body written with another version", () => {
    const container = readData("lsst/schema/9.0/sample_data/fakeAlert.avro");
    expect(() => decodeWireMessage(container, "lsst", "x")).toThrowError(
      expect.objectContaining({ reason: "not-wire-format" }) as Error,
    );
    const asV11 = withSchemaId(readData(WIRE), 1100);
    expect(() => decodeWireMessage(asV11, "lsst", "x")).toThrowError(AvroDecodeError);
  });
});
