/**
 * Avro decoding and encoding for alerts: Object Container Files (ZTF, DECAT, files), Confluent wire
 * format (LSST), bare datums (ELAsTiCC), the bundled survey schemas and the ZTF schema fix.
 *
 * **64-bit integers are exact.** Every Avro `long` — candid, diaSourceId, objectidps1..3, pid,
 * timestamps — decodes to a JS `bigint` and encodes back from one (BIGINT_LONG, plugged in through
 * avsc's type hook), so 1642404680815015001 survives decode → encode → decode unchanged. `int`,
 * `float` and `double` stay numbers. Write bigints to JSON, attributes and rows as decimal strings.
 *
 * Decoding is synchronous, with parsed writer schemas cached by their text. `decodeHead` reads only
 * the leading fields a caller names (the consumer's ids), stopping where they end.
 */
export { AvroDecodeError, type AvroDecodeReason } from "./errors.js";
export { BIGINT_LONG } from "./long.js";
export { cachedSchema, parseAvroSchema, type AvroSchema } from "./schema.js";
export {
  decodeContainer,
  decodeSingleRecordContainer,
  encodeContainer,
  isContainer,
  readContainerHeader,
  singleRecordData,
  type ContainerHeader,
  type DecodedContainer,
} from "./container.js";
export {
  decodeWireMessage,
  encodeWireMessage,
  isWireFormat,
  schemaIdFromVersion,
  schemaVersionFromId,
  wireSchemaId,
  type WireMessage,
} from "./wire.js";
export { decodeDatum } from "./datum.js";
export { decodeHead, HEAD_COUNT_ONLY, type HeadPath } from "./head.js";
export { bundledSchema, bundledSchemaVersions } from "./bundled.js";
export {
  fixZtfSchema,
  schemaVersionProperty,
  type ZtfSchemaFix,
  type ZtfSchemaFixOutcome,
} from "./ztf-schema-fix.js";
