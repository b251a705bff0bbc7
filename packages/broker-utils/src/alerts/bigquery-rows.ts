/**
 * BigQuery rows of an alert (broker-spec §5), built by walking the table schema generated from the
 * alert's own Avro schema, so a row always matches its columns: INTEGER as a decimal string (64-bit
 * exact), FLOAT with NaN/±Infinity → null, BYTES as base64, a null REPEATED value as [], a map as
 * {key, value} records. The insert id of both rows is the sourceId.
 */
import type { TableField } from "../bigquery/schema.js";
import { valueAt, type SchemaMap } from "../schema-maps/index.js";
import type { AvroSchema } from "../avro/index.js";
import type { Alert } from "./alert.js";
import {
  alertTableFields,
  diaSourceLayout,
  type AlertTable,
  type DiaSourceLayout,
} from "./bigquery-schema.js";

export type BigQueryRow = Record<string, unknown>;

function cellValue(value: unknown, field: TableField): unknown {
  if (value === null || value === undefined) return field.mode === "REPEATED" ? [] : null;
  if (field.mode === "REPEATED") {
    const item: TableField = { ...field, mode: "REQUIRED" };
    // an Avro map is an object here and a list of {key, value} records in BigQuery
    const elements = Array.isArray(value)
      ? value
      : Object.entries(value as object).map(([key, entry]) => ({ key, value: entry }));
    return elements.map((element) => cellValue(element, item));
  }
  switch (field.type) {
    case "INTEGER":
      return typeof value === "bigint" || typeof value === "number" ? String(value) : null;
    case "FLOAT":
      return typeof value === "number" && Number.isFinite(value) ? value : null;
    case "BYTES":
      return value instanceof Uint8Array
        ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64")
        : null;
    case "RECORD":
      return recordRow(value as Record<string, unknown>, field.fields ?? []);
    default:
      return value;
  }
}

function recordRow(
  record: Readonly<Record<string, unknown>>,
  fields: readonly TableField[],
): BigQueryRow {
  const row: BigQueryRow = {};
  for (const field of fields) row[field.name] = cellValue(record[field.name], field);
  return row;
}

function prvIdsCell(
  record: Readonly<Record<string, unknown>>,
  layout: DiaSourceLayout,
): string | null {
  const prv = layout.prvIds;
  if (!prv) return null;
  const sources = record[prv.prvSourcesField];
  if (!Array.isArray(sources)) return null;
  return sources
    .map((source: Record<string, unknown> | null) => source?.[prv.idField])
    .filter((id) => id !== null && id !== undefined)
    .map(String)
    .join(",");
}

/** Table columns and DIASource layouts per (schema, schema map): generated once, reused per row. */
const alertsFields = new WeakMap<AvroSchema, WeakMap<SchemaMap, TableField[]>>();
const diaLayouts = new WeakMap<AvroSchema, WeakMap<SchemaMap, DiaSourceLayout>>();

function cached<T>(
  cache: WeakMap<AvroSchema, WeakMap<SchemaMap, T>>,
  schema: AvroSchema,
  map: SchemaMap,
  make: () => T,
): T {
  let byMap = cache.get(schema);
  if (!byMap) cache.set(schema, (byMap = new WeakMap()));
  let value = byMap.get(map);
  if (value === undefined) byMap.set(map, (value = make()));
  return value;
}

/** The row of `table` for an alert (no cutouts); insert it with insertId = alert.sourceId. */
export function bigQueryRow(alert: Alert, table: AlertTable): BigQueryRow {
  const { schema, schemaMap: map, record } = alert;
  if (table === "alerts") {
    const fields = cached(alertsFields, schema, map, () => alertTableFields(schema, map, "alerts"));
    return recordRow(record, fields);
  }
  const layout = cached(diaLayouts, schema, map, () => diaSourceLayout(schema.type, map));
  const row: BigQueryRow = {};
  for (const { field, path } of layout.columns)
    row[field.name] = cellValue(valueAt(record, path), field);
  if (layout.prvIds) row[layout.prvIds.field.name] = prvIdsCell(record, layout);
  return row;
}
