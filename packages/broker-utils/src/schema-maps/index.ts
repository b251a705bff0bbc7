/**
 * Schema maps (docs/spec/broker.md §10): per survey, where an alert keeps its ids, source records, cutouts
 * and photometry, and its Kafka topic syntax. Shipped as YAML in `data/schema-maps/`, uploaded to
 * the instance's broker_files bucket; the loader prefers the bucket copy.
 */
export { SURVEYS, isSurvey, type Survey } from "./surveys.js";
export {
  SchemaMap,
  SchemaMapError,
  valueAt,
  type AlertRecord,
  type FieldPath,
  type SchemaMapFields,
  type SchemaVersionSource,
} from "./schema-map.js";
export {
  bundledSchemaMap,
  bundledSchemaMapPath,
  bundledSchemaMapText,
  loadSchemaMap,
  type SchemaMapReader,
} from "./load.js";
