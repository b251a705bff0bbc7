/**
 * Why bytes could not be decoded, as a stable code a function can turn into a dead-letter reason
 * (spec §11) without parsing messages.
 */
export type AvroDecodeReason =
  /** Not an Avro Object Container File (no `Obj\x01` magic). */
  | "not-a-container"
  /** Not Confluent wire format (first byte is not 0, or shorter than the 5-byte header). */
  | "not-wire-format"
  /** The bytes end before the header, a block or a datum does. */
  | "truncated"
  /** Bytes left over after the datum or block, or a block whose size disagrees with its content. */
  | "corrupt"
  /** A container block codec other than `null` and `deflate`. */
  | "unsupported-codec"
  /** The writer schema is not valid Avro. */
  | "invalid-schema"
  /** A single alert was expected and the container holds 0 or several records. */
  | "record-count"
  /** A wire-format schema id or a schema version with no bundled schema. */
  | "unknown-schema-version";

/** Bytes that are not the Avro the caller said they were; `input` names the file or message. */
export class AvroDecodeError extends Error {
  override name = "AvroDecodeError";
  constructor(
    readonly reason: AvroDecodeReason,
    readonly input: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${input}: ${detail}`, options);
  }
}
