/**
 * BigQuery table schemas of the `alerts` and `DIASource` tables, generated from the survey's Avro
 * schema (docs/spec/broker.md §5) so that there is one source of truth:
 * int/long → INTEGER, float/double → FLOAT, string/enum → STRING, boolean → BOOLEAN,
 * bytes/fixed → BYTES, record → RECORD, array → REPEATED; a union of null and one type → NULLABLE
 * (either order: ZTF 3.x writes `[T, "null"]`, which the stored, fixed alerts have as
 * `["null", T]`), anything else REQUIRED; a map → REPEATED RECORD of {key, value}, as BigQuery's
 * Avro loader makes it. Avro `doc` becomes the column description. Arrays of arrays and unions of
 * several types have no column type: TableSchemaError.
 */
import type avro from "avsc";
import { bundledSchema, bundledSchemaVersions, type AvroSchema } from "../avro/index.js";
import type { TableField } from "../bigquery/schema.js";
import {
  bundledSchemaMap,
  type FieldPath,
  type SchemaMap,
  type Survey,
} from "../schema-maps/index.js";
import { mergeTableSchemas } from "./bigquery-union.js";
import { TableSchemaError } from "./errors.js";

export { TableSchemaError };

export type AlertTable = "alerts" | "DIASource";

/**
 * The schema version that stands for every bundled one: the canonical table whose columns are
 * their union (./bigquery-union.ts), which takes the rows of each.
 */
export const ALL_SCHEMA_VERSIONS = "all";

/** BigQuery's limit on a column description. */
const DESCRIPTION_LIMIT = 1024;

interface AvroField {
  readonly name: string;
  readonly type: avro.Type;
  readonly doc?: string;
}

/** The non-null branch of a union and whether null was one of the branches. */
function unwrapNullable(type: avro.Type, where: string): { type: avro.Type; nullable: boolean } {
  if (!type.typeName.startsWith("union")) return { type, nullable: false };
  const branches = (type as avro.types.UnwrappedUnionType).types;
  const others = branches.filter((branch) => branch.typeName !== "null");
  if (others.length !== 1 || branches.length > 2) {
    throw new TableSchemaError(
      `${where}: a union of ${branches.map((b) => b.typeName).join(", ")} has no BigQuery type ` +
        "(only a single type or [null, type] maps to a column)",
    );
  }
  return { type: others[0]!, nullable: branches.length === 2 };
}

function recordFields(type: avro.Type): readonly AvroField[] {
  return (type as avro.types.RecordType).fields as readonly AvroField[];
}

/** BigQuery type (and sub-fields) of a non-union, non-array Avro type. */
function columnType(type: avro.Type, where: string): Pick<TableField, "type" | "fields"> {
  const name = type.typeName.startsWith("logical:")
    ? (type as avro.types.LogicalType).underlyingType.typeName
    : type.typeName;
  switch (name) {
    case "int":
    case "long":
    case "abstract:long":
      return { type: "INTEGER" };
    case "float":
    case "double":
      return { type: "FLOAT" };
    case "string":
    case "enum":
      return { type: "STRING" };
    case "boolean":
      return { type: "BOOLEAN" };
    case "bytes":
    case "fixed":
      return { type: "BYTES" };
    case "record":
      return { type: "RECORD", fields: tableFields(type, where) };
    default:
      throw new TableSchemaError(`${where}: Avro ${name} has no BigQuery column type`);
  }
}

function column(field: AvroField, where: string): TableField {
  const path = `${where}.${field.name}`;
  const { type, nullable } = unwrapNullable(field.type, path);
  let out: TableField;
  if (type.typeName === "array") {
    // Spark marks array elements nullable although they never are: map them like required ones
    // (a null element would make BigQuery reject the row, which is then dead-lettered)
    const items = unwrapNullable((type as avro.types.ArrayType).itemsType, `${path}[]`);
    if (items.type.typeName === "array") {
      throw new TableSchemaError(`${path}: BigQuery has no arrays of arrays`);
    }
    out = { name: field.name, ...columnType(items.type, `${path}[]`), mode: "REPEATED" };
  } else if (type.typeName === "map") {
    // as BigQuery's own Avro loader does: one {key, value} record per entry
    const values = { name: "value", type: (type as avro.types.MapType).valuesType as avro.Type };
    const entry = [
      { name: "key", type: "STRING", mode: "REQUIRED" } as const,
      column(values, path),
    ];
    out = { name: field.name, type: "RECORD", mode: "REPEATED", fields: entry };
  } else {
    out = { name: field.name, ...columnType(type, path), mode: nullable ? "NULLABLE" : "REQUIRED" };
  }
  if (out.fields === undefined) delete out.fields;
  if (field.doc) out.description = field.doc.slice(0, DESCRIPTION_LIMIT);
  return out;
}

/** The columns of an Avro record type, one per field, in field order. */
export function tableFields(record: avro.Type, where = record.name ?? "record"): TableField[] {
  if (record.typeName !== "record") {
    throw new TableSchemaError(`${where}: expected an Avro record, got ${record.typeName}`);
  }
  return recordFields(record).map((field) => column(field, where));
}

/** A column of the alerts or DIASource table and where its value sits in the alert. */
export interface DiaSourceColumn {
  readonly field: TableField;
  readonly path: FieldPath;
}

/**
 * The DIASource layout (spec §5): the alert's top-level scalar columns (no cutouts); then the
 * source record's columns, leaving out the source id when the top level already has it (ZTF candid,
 * LSST diaSourceId) and prefixing `source_` to other names the top level has (DECAT ra/dec); then
 * `{prvSources}_{sourceId}s`, the previous source ids joined by commas.
 */
export interface DiaSourceLayout {
  readonly columns: readonly DiaSourceColumn[];
  readonly prvIds: {
    readonly field: TableField;
    readonly prvSourcesField: string;
    readonly idField: string;
  } | null;
}

export function diaSourceLayout(alertType: avro.Type, map: SchemaMap): DiaSourceLayout {
  const { sourceField, prvSourcesField, cutoutFields, sourceIdPath } = map.fields;
  const where = alertType.name ?? "alert";
  const columns: DiaSourceColumn[] = [];
  let source: AvroField | undefined;
  for (const field of recordFields(alertType)) {
    if (field.name === sourceField) source = field;
    if (cutoutFields.includes(field.name)) continue;
    const { type } = unwrapNullable(field.type, `${where}.${field.name}`);
    if (type.typeName === "record" || type.typeName === "array") continue;
    columns.push({ field: column(field, where), path: [field.name] });
  }
  if (!source) {
    throw new TableSchemaError(
      `${where}: no source record ${sourceField} (schema map ${map.origin})`,
    );
  }
  const topLevel = new Set(columns.map((c) => c.field.name));
  const idField = sourceIdPath.at(-1)!;
  const { type: sourceType, nullable: sourceNullable } = unwrapNullable(
    source.type,
    `${where}.${sourceField}`,
  );
  for (const field of tableFields(sourceType, `${where}.${sourceField}`)) {
    if (field.name === idField && topLevel.has(idField)) continue;
    const name = topLevel.has(field.name) ? `source_${field.name}` : field.name;
    const mode = sourceNullable && field.mode === "REQUIRED" ? "NULLABLE" : field.mode;
    columns.push({ field: { ...field, name, mode }, path: [sourceField, field.name] });
  }
  const prvIds =
    prvSourcesField === null
      ? null
      : {
          field: {
            name: `${prvSourcesField}_${idField}s`,
            type: "STRING" as const,
            mode: "NULLABLE" as const,
            description: `${idField} of the non-null ${prvSourcesField}, joined by commas; null if ${prvSourcesField} is null`,
          },
          prvSourcesField,
          idField,
        };
  return { columns, prvIds };
}

/** The source record's field at the schema map's source-id path, if the id is in that record. */
function sourceIdColumn(alertType: avro.Type, map: SchemaMap): TableField | undefined {
  const { sourceField, sourceIdPath } = map.fields;
  if (sourceIdPath.length !== 2 || sourceIdPath[0] !== sourceField) return undefined;
  const source = recordFields(alertType).find((field) => field.name === sourceField);
  if (!source) return undefined;
  const where = `${alertType.name ?? "alert"}.${sourceField}`;
  const { type } = unwrapNullable(source.type, where);
  return tableFields(type, where).find((field) => field.name === sourceIdPath[1]);
}

/**
 * The `alerts` layout: the alert's top-level columns, no cutouts; then, if the top level lacks the
 * source id (LSST v7 has alertId there, v8+ repeat diaSourceId), a copy of it read from the
 * source record, so every row has the column the dedup view partitions by. The copy is NULLABLE,
 * as the column already is in the union of every version, so deployed tables need no change.
 */
export function alertsLayout(alertType: avro.Type, map: SchemaMap): DiaSourceColumn[] {
  const columns = tableFields(alertType)
    .filter((field) => !map.fields.cutoutFields.includes(field.name))
    .map((field) => ({ field, path: [field.name] }));
  const idField = map.fields.sourceIdPath.at(-1)!;
  if (columns.some((c) => c.field.name === idField)) return columns;
  const id = sourceIdColumn(alertType, map);
  return id
    ? [...columns, { field: { ...id, mode: "NULLABLE" }, path: map.fields.sourceIdPath }]
    : columns;
}

/** The columns of a table for alerts of `schema` (the alerts table leaves cutouts out). */
export function alertTableFields(
  schema: AvroSchema,
  map: SchemaMap,
  table: AlertTable,
): TableField[] {
  if (table === "alerts") return alertsLayout(schema.type, map).map((c) => c.field);
  const layout = diaSourceLayout(schema.type, map);
  return [...layout.columns.map((c) => c.field), ...(layout.prvIds ? [layout.prvIds.field] : [])];
}

/**
 * The schema of an instance's `alerts` or `DIASource` table, from the bundled Avro schema of
 * `schemaVersion` (default: the schema map's SCHEMA_VERSION default), or ALL_SCHEMA_VERSIONS for
 * the union of every bundled version, oldest first.
 */
export function bigQueryTableSchema(
  survey: Survey,
  table: AlertTable,
  schemaVersion?: string,
): TableField[] {
  const map = bundledSchemaMap(survey);
  const version = schemaVersion ?? map.fields.defaultSchemaVersion;
  const versions =
    version === ALL_SCHEMA_VERSIONS
      ? bundledSchemaVersions(survey)
      : version === null
        ? []
        : [version];
  if (versions.length === 0) {
    throw new TableSchemaError(
      `${survey} has no bundled Avro schema to generate the ${table} table from; ` +
        `add one under data/schemas/${survey}/<version>/ and pass that version`,
    );
  }
  return mergeTableSchemas(
    versions.map((v) => ({
      version: v,
      fields: alertTableFields(bundledSchema(survey, v), map, table),
    })),
  );
}
