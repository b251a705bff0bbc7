/**
 * The alert model (`Alert`: decode, ids, schema version, dict without cutouts), the BigQuery
 * tables of alerts (schemas generated from the Avro schemas, rows), and the JSON form of derived
 * messages. The `pgb alert` commands are in @pgb/cli.
 */
export { Alert, detectSurvey, type AlertOptions, type PubSubMessageLike } from "./alert.js";
export {
  alertAttributes,
  attributeName,
  idsFromAttributes,
  recordAttributes,
  type AlertAttributeValues,
} from "./attributes.js";
export { AlertDecodeError, type AlertDecodeReason } from "./errors.js";
export {
  ALL_SCHEMA_VERSIONS,
  alertTableFields,
  bigQueryTableSchema,
  diaSourceLayout,
  tableFields,
  TableSchemaError,
  type AlertTable,
  type DiaSourceColumn,
  type DiaSourceLayout,
} from "./bigquery-schema.js";
export { mergeTableSchemas, type VersionedFields } from "./bigquery-union.js";
export { bigQueryRow, type BigQueryRow } from "./bigquery-rows.js";
export { JsonParseError, parseJsonExact, toJsonString } from "./json.js";
