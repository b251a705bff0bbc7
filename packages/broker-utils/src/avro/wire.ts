/**
 * Confluent Kafka wire format (LSST, spec §10): byte 0 = 0, bytes 1–4 = big-endian schema-registry
 * id, then one Avro datum without schema. Rubin encodes the version in the id as MAJOR·100 + MINOR
 * (lsst/alert_packet README: "7.1 becomes 701"; `Schema.get_schema_id` pads the minor to 2 digits).
 */
import { bundledSchema, bundledSchemaVersions } from "./bundled.js";
import { decodeDatum } from "./datum.js";
import { AvroDecodeError } from "./errors.js";
import { asBuffer, type AvroSchema } from "./schema.js";

const HEADER_SIZE = 5;

export function isWireFormat(bytes: Uint8Array): boolean {
  return bytes.length > HEADER_SIZE && bytes[0] === 0;
}

export function wireSchemaId(bytes: Uint8Array, input: string): number {
  if (!isWireFormat(bytes)) {
    throw new AvroDecodeError(
      "not-wire-format",
      input,
      "not Confluent wire format (expected byte 0 = 0 and a 4-byte schema id before the datum)",
    );
  }
  return asBuffer(bytes).readUInt32BE(1);
}

/** 900 → v9_0, 703 → v7_3, 1103 → v11_3. */
export function schemaVersionFromId(schemaId: number): string {
  return `v${Math.floor(schemaId / 100)}_${schemaId % 100}`;
}

/** v9_0 → 900, v7_3 → 703: the inverse of schemaVersionFromId; undefined for other labels. */
export function schemaIdFromVersion(version: string): number | undefined {
  const match = /^v(\d+)_(\d{1,2})$/.exec(version);
  return match ? Number(match[1]) * 100 + Number(match[2]) : undefined;
}

/** One datum of `schema` framed as a wire-format message with `schemaId` (Rubin's producer side). */
export function encodeWireMessage(record: unknown, schema: AvroSchema, schemaId: number): Buffer {
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, schema.type.toBuffer(record)]);
}

/** The bundled version of a schema id; an id without one is bad input (redelivery cannot help). */
function bundledVersionOfId(schemaId: number, survey: string, input: string): string {
  const schemaVersion = schemaVersionFromId(schemaId);
  const bundled = bundledSchemaVersions(survey);
  if (bundled.includes(schemaVersion)) return schemaVersion;
  const known = bundled.map((version) => `${version} (${schemaIdFromVersion(version)})`);
  throw new AvroDecodeError(
    "unknown-schema-version",
    input,
    `schema id ${schemaId} is ${survey} ${schemaVersion} (id = major·100 + minor), which has no ` +
      `bundled schema; bundled: ${known.join(", ") || "none"}. Add that version's .avsc files ` +
      `from lsst/alert_packet to data/schemas/${survey}/${schemaVersion}/`,
  );
}

export interface WireMessage {
  readonly schemaId: number;
  /** `v{major}_{minor}`, the version of the bundled schema used. */
  readonly schemaVersion: string;
  readonly record: unknown;
}

/** Decodes a wire-format message with the bundled schema of `survey` for its id. */
export function decodeWireMessage(bytes: Uint8Array, survey: string, input: string): WireMessage {
  const schemaId = wireSchemaId(bytes, input);
  const schemaVersion = bundledVersionOfId(schemaId, survey, input);
  return {
    schemaId,
    schemaVersion,
    record: decodeDatum(bytes.subarray(HEADER_SIZE), bundledSchema(survey, schemaVersion), input),
  };
}
