/**
 * The canonical `alerts` and `DIASource` tables of a survey (`bigQueryTableSchema` with
 * ALL_SCHEMA_VERSIONS): one schema that takes the rows of every bundled schema version
 * (docs/schema-evolution.md). Its columns are the union of the
 * per-version schemas, folded oldest version first, so adding a version only appends columns
 * (nested ones included) and relaxes REQUIRED to NULLABLE, the two changes BigQuery allows on a
 * live table. A column is REQUIRED only where every version has it REQUIRED; a field a version
 * renamed keeps both names, the old one null in newer rows. A column whose type or repetition
 * differs between versions cannot be merged: TableSchemaError naming it and both versions.
 */
import type { TableField } from "../bigquery/schema.js";
import { TableSchemaError } from "./errors.js";

/** The columns of one schema version. */
export interface VersionedFields {
  readonly version: string;
  readonly fields: readonly TableField[];
}

/** A column of the union and the version that first brought it, for conflict messages. */
interface Merged {
  field: TableField;
  since: string;
  children: MergedFields | undefined;
}

/** Columns by lower-case name: BigQuery matches names case-insensitively. */
type MergedFields = Map<string, Merged>;

const key = (field: TableField): string => field.name.toLowerCase();

const optional = (field: TableField): TableField =>
  field.mode === "REQUIRED" ? { ...field, mode: "NULLABLE" } : field;

function fromField(field: TableField, version: string, relax: boolean): Merged {
  return {
    field: relax ? optional(field) : field,
    since: version,
    children: field.fields ? childrenOf(field.fields, version) : undefined,
  };
}

function childrenOf(fields: readonly TableField[], version: string): MergedFields {
  return new Map(fields.map((field) => [key(field), fromField(field, version, false)]));
}

function checkSameShape(at: Merged, field: TableField, path: string, version: string): void {
  const repeated = (f: TableField): boolean => f.mode === "REPEATED";
  if (at.field.type !== field.type || repeated(at.field) !== repeated(field)) {
    const shape = (f: TableField): string => `${f.type}${repeated(f) ? " REPEATED" : ""}`;
    throw new TableSchemaError(
      `${path}: ${shape(at.field)} since ${at.since} but ${shape(field)} in ${version}; a column ` +
        "cannot change type: give the new field its own name in the table or leave the version out",
    );
  }
}

/** Folds one version's columns into the union; `first` = no earlier version to relax against. */
function mergeInto(
  union: MergedFields,
  fields: readonly TableField[],
  version: string,
  where: string,
  first: boolean,
): void {
  const names = new Set(fields.map(key));
  for (const [name, at] of union) {
    if (!names.has(name)) at.field = optional(at.field);
  }
  for (const field of fields) {
    const path = where ? `${where}.${field.name}` : field.name;
    const at = union.get(key(field));
    if (at === undefined) {
      union.set(key(field), fromField(field, version, !first));
      continue;
    }
    checkSameShape(at, field, path, version);
    const mode = at.field.mode === field.mode ? field.mode : "NULLABLE";
    // the newest version's description wins: it documents the field as it is now
    at.field = {
      ...at.field,
      mode,
      ...(field.description ? { description: field.description } : {}),
    };
    if (at.children && field.fields) mergeInto(at.children, field.fields, version, path, false);
  }
}

function toFields(union: MergedFields): TableField[] {
  return [...union.values()].map(({ field, children }) =>
    children ? { ...field, fields: toFields(children) } : field,
  );
}

/** The union of the versions' columns, folded in the order given (oldest first). */
export function mergeTableSchemas(versions: readonly VersionedFields[]): TableField[] {
  const union: MergedFields = new Map();
  versions.forEach(({ version, fields }, i) => mergeInto(union, fields, version, "", i === 0));
  return toFields(union);
}
