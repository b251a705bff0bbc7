import type { AvroDecodeReason } from "../avro/index.js";

/**
 * Why an alert could not be built from its bytes, as a code a function maps to a dead-letter
 * reason (spec §11): the Avro reasons, plus
 * - `unknown-survey`: no survey given and none could be recognised;
 * - `unknown-format`: bytes in none of the survey's formats (container, wire format, datum);
 * - `missing-id`: the objectId or sourceId the schema map points at is absent.
 */
export type AlertDecodeReason =
  AvroDecodeReason | "unknown-survey" | "unknown-format" | "missing-id";

export class AlertDecodeError extends Error {
  override name = "AlertDecodeError";
  constructor(
    readonly reason: AlertDecodeReason,
    /** The file, message id or description of the input. */
    readonly input: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${input}: ${detail}`, options);
  }
}

/** An Avro schema, or a set of versions, that has no BigQuery table schema. */
export class TableSchemaError extends Error {
  override name = "TableSchemaError";
}
