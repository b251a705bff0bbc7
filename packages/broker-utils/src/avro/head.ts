/**
 * Reading only the head of a datum: the fields on some paths, without building anything else and
 * stopping where the last of them ends. The writer schema is cut after the last field on the paths
 * (at every level along them), and read through a projection that keeps only those fields. For a
 * ZTF alert the ids end before the candidate, the history and the cutouts, so this costs a small
 * fraction of a full decode (the consumer reads its message attributes this way).
 */
import type avro from "avsc";
import { parseAvroSchema, type AvroSchema } from "./schema.js";

/** Field names from the top record down, e.g. ["diaSource", "diaSourceId"]. */
export type HeadPath = readonly string[];

/**
 * The last step of a path to an array of records that keeps only the array's length, e.g.
 * ["prv_candidates", HEAD_COUNT_ONLY]: the items are skipped, not built.
 */
export const HEAD_COUNT_ONLY = "#count";

interface Projection {
  type: avro.Type;
  resolver: ReturnType<avro.Type["createResolver"]>;
}

/** The writer schema (JSON) cut after the last field on `paths`; a type referenced by name is kept whole. */
function cutAfter(schema: unknown, paths: readonly HeadPath[]): unknown {
  if (paths.every((p) => p.length === 0)) return schema;
  if (Array.isArray(schema)) return schema.map((branch) => cutAfter(branch, paths));
  if (typeof schema !== "object" || schema === null) return schema;
  const record = schema as { type?: unknown; fields?: { name: string; type: unknown }[] };
  if (record.type !== "record" || record.fields === undefined) return schema;
  const last = record.fields.findLastIndex((f) => paths.some((p) => p[0] === f.name));
  if (last < 0) return schema;
  const cut = record.fields[last]!;
  const below = paths.filter((p) => p[0] === cut.name).map((p) => p.slice(1));
  return {
    ...record,
    fields: [...record.fields.slice(0, last), { ...cut, type: cutAfter(cut.type, below) }],
  };
}

/** The writer type reduced to the fields on `paths` (records along them, unions kept). */
function project(type: avro.Type, paths: readonly HeadPath[]): unknown {
  if (paths.every((p) => p.length === 0)) return type.schema();
  // avsc names unions "union:unwrapped" or "union:wrapped"
  if (type.typeName.startsWith("union")) {
    return (type as avro.types.UnwrappedUnionType).types.map((branch) =>
      branch.typeName === "record" || branch.typeName === "array"
        ? project(branch, paths)
        : branch.schema(),
    );
  }
  if (type.typeName === "array") {
    // items reduced to no fields: avsc skips them and the array keeps its length
    const items = (type as avro.types.ArrayType).itemsType;
    const countOnly = items.typeName === "record" && paths.every((p) => p[0] === HEAD_COUNT_ONLY);
    return {
      type: "array",
      // its own name (the items' record may be projected elsewhere), resolved through the alias
      items: countOnly
        ? { type: "record", name: `${items.name}_count`, aliases: [items.name], fields: [] }
        : items.schema(),
    };
  }
  if (type.typeName !== "record") throw new Error(`path goes through a ${type.typeName}`);
  const record = type as avro.types.RecordType;
  const fields = record.fields
    .filter((f) => paths.some((p) => p[0] === f.name))
    .map((f) => ({
      name: f.name,
      type: project(
        f.type,
        paths.filter((p) => p[0] === f.name).map((p) => p.slice(1)),
      ),
    }));
  return { type: "record", name: record.name, fields };
}

const projections = new WeakMap<AvroSchema, Map<string, Projection | null>>();

/** The reader of a writer schema's head for `paths`, cached; null when the schema has none. */
function projection(writer: AvroSchema, paths: readonly HeadPath[]): Projection | null {
  const key = JSON.stringify(paths);
  let byPaths = projections.get(writer);
  if (byPaths === undefined) {
    byPaths = new Map();
    projections.set(writer, byPaths);
  }
  let found = byPaths.get(key);
  if (found === undefined) {
    try {
      const head = parseAvroSchema(
        cutAfter(writer.type.schema(), paths) as Record<string, unknown>,
      );
      const reader = parseAvroSchema(project(head.type, paths) as Record<string, unknown>);
      found = { type: reader.type, resolver: reader.type.createResolver(head.type) };
    } catch {
      // a schema the projection does not handle (e.g. a path through an array)
      found = null;
    }
    byPaths.set(key, found);
  }
  return found;
}

/**
 * The fields on `paths` of the datum at the start of `data` (longs as bigints), or undefined when
 * the schema cannot be projected or the data ends inside the head. What follows the head is not
 * read, so it is not checked either.
 */
export function decodeHead(
  data: Buffer,
  writer: AvroSchema,
  paths: readonly HeadPath[],
): Record<string, unknown> | undefined {
  const reader = projection(writer, paths);
  if (reader === null) return undefined;
  const { value, offset } = reader.type.decode(data, 0, reader.resolver);
  // -1: the data ended inside the head
  return offset >= 0 ? (value as Record<string, unknown>) : undefined;
}
