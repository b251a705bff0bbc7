/**
 * Confluent Kafka wire format (LSST, spec §10): byte 0 = 0, bytes 1–4 = big-endian schema-registry
 * id, then one Avro datum without schema. Rubin encodes the version in the id as MAJOR·100 + MINOR.
 */
import { bundledSchema } from "./bundled.js";
import { decodeDatum } from "./datum.js";
import { AvroDecodeError } from "./errors.js";
import { asBuffer } from "./schema.js";

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

export interface WireMessage {
  readonly schemaId: number;
  /** `v{major}_{minor}`, the version of the bundled schema used. */
  readonly schemaVersion: string;
  readonly record: unknown;
}

/** Decodes a wire-format message with the bundled schema of `survey` for its id. */
export function decodeWireMessage(bytes: Uint8Array, survey: string, input: string): WireMessage {
  const schemaId = wireSchemaId(bytes, input);
  const schemaVersion = schemaVersionFromId(schemaId);
  let schema;
  try {
    schema = bundledSchema(survey, schemaVersion);
  } catch (err) {
    throw new AvroDecodeError(
      "unknown-schema-version",
      input,
      `schema id ${schemaId} (${survey} ${schemaVersion}) has no bundled schema: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return {
    schemaId,
    schemaVersion,
    record: decodeDatum(bytes.subarray(HEADER_SIZE), schema, input),
  };
}
