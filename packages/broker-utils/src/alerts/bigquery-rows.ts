/**
 * BigQuery rows of an alert (docs/spec/broker.md §5), built by walking the table schema generated from the
 * alert's own Avro schema, so a row always matches its columns: INTEGER as a decimal string (64-bit
 * exact), FLOAT with NaN/±Infinity → null, BYTES as base64, a null REPEATED value as [], a map as
 * {key, value} records. The insert id of both rows is the sourceId.
 *
 * The schema is turned once into a tree of converters (per schema and schema map), so a row costs
 * one call per cell and no decisions on column types.
 */
import type { AvroSchema } from "../avro/index.js";
import type { TableField } from "../bigquery/schema.js";
import type { FieldPath, SchemaMap } from "../schema-maps/index.js";
import type { Alert } from "./alert.js";
import {
  alertsLayout,
  diaSourceLayout,
  type AlertTable,
  type DiaSourceColumn,
} from "./bigquery-schema.js";

export type BigQueryRow = Record<string, unknown>;

/** Converts a decoded value to its cell value. */
type Cell = (value: unknown) => unknown;

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

function valueCell(field: TableField): Cell {
  switch (field.type) {
    case "INTEGER":
      return (v) => (typeof v === "bigint" || typeof v === "number" ? String(v) : null);
    case "FLOAT":
      return (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);
    case "BYTES":
      return (v) => (v instanceof Uint8Array ? base64(v) : null);
    case "RECORD":
      return recordCell(field.fields ?? []);
    default:
      return (v) => v;
  }
}

function columnCell(field: TableField): Cell {
  const cell = valueCell(field);
  if (field.mode !== "REPEATED") return (v) => (v === null || v === undefined ? null : cell(v));
  return (v) => {
    if (v === null || v === undefined) return [];
    // an Avro map is an object here and a list of {key, value} records in BigQuery
    const elements = Array.isArray(v)
      ? v
      : Object.entries(v as object).map(([key, value]) => ({ key, value }));
    return elements.map((element: unknown) =>
      element === null || element === undefined ? null : cell(element),
    );
  };
}

/** A column of a row: its name, where its value sits in the input, and its converter. */
interface Column {
  readonly name: string;
  readonly path: FieldPath;
  readonly cell: Cell;
}

/**
 * A row converter, generated as one object literal with constant keys and property reads (as
 * avsc generates its record readers): a loop with computed keys is ~6× slower, and rows are most
 * of the bq-sink's CPU. Names are embedded as JSON string literals, so none can break out of them.
 */
function rowCell(columns: readonly Column[]): Cell {
  const entries = columns.map(({ name, path }, i) => {
    const read = path.map((step) => `?.[${JSON.stringify(step)}]`).join("");
    return `${JSON.stringify(name)}: cells[${i}](record${read})`;
  });
  const make = new Function("cells", `return (record) => ({ ${entries.join(", ")} });`) as (
    cells: Cell[],
  ) => Cell;
  return make(columns.map((column) => column.cell));
}

function recordCell(fields: readonly TableField[]): Cell {
  return rowCell(
    fields.map((field) => ({ name: field.name, path: [field.name], cell: columnCell(field) })),
  );
}

/** `{prvSources}_{sourceId}s` of the whole alert: ids of the non-null previous sources. */
function prvIdsCell(prvSourcesField: string, idField: string): Cell {
  return (alert) => {
    const sources = (alert as Record<string, unknown>)[prvSourcesField];
    if (!Array.isArray(sources)) return null;
    return sources
      .map((source: Record<string, unknown> | null) => source?.[idField])
      .filter((id) => id !== null && id !== undefined)
      .map(String)
      .join(",");
  };
}

/** The row columns of a layout's table fields, each read from its path in the alert. */
function layoutColumns(columns: readonly DiaSourceColumn[]): Column[] {
  return columns.map(({ field, path }) => ({ name: field.name, path, cell: columnCell(field) }));
}

function diaSourceCell(schema: AvroSchema, map: SchemaMap): Cell {
  const { columns, prvIds } = diaSourceLayout(schema.type, map);
  return rowCell([
    ...layoutColumns(columns),
    ...(prvIds
      ? [
          {
            name: prvIds.field.name,
            path: [],
            cell: prvIdsCell(prvIds.prvSourcesField, prvIds.idField),
          },
        ]
      : []),
  ]);
}

/** Row builders per (schema, schema map, table): made on first use, reused for every alert. */
const builders = new WeakMap<AvroSchema, WeakMap<SchemaMap, Record<AlertTable, Cell>>>();

function rowBuilders(schema: AvroSchema, map: SchemaMap): Record<AlertTable, Cell> {
  let byMap = builders.get(schema);
  if (!byMap) builders.set(schema, (byMap = new WeakMap()));
  let tables = byMap.get(map);
  if (!tables) {
    tables = {
      alerts: rowCell(layoutColumns(alertsLayout(schema.type, map))),
      DIASource: diaSourceCell(schema, map),
    };
    byMap.set(map, tables);
  }
  return tables;
}

/** The row of `table` for an alert (no cutouts); insert it with insertId = alert.sourceId. */
export function bigQueryRow(alert: Alert, table: AlertTable): BigQueryRow {
  return rowBuilders(alert.schema, alert.schemaMap)[table](alert.record) as BigQueryRow;
}
