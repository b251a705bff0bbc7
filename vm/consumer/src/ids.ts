/**
 * The alert's message attributes (pittgoogle-client's: the survey-named ids, schema_version,
 * healpix9/19/29 from the source's ra/dec, n_previous_detections) without decoding the whole alert.
 * The consumer only needs these few values, and a full decode (every candidate field,
 * the history, the cutouts copied out) takes ~0.3 ms per ZTF alert, a third of the consumer's CPU
 * on a 2-core VM. Here only the head of the value is read: the writer schema cut after the last
 * field on the schema map's paths (ids, ra, dec, previous sources), read through a projection that
 * keeps only those fields and, of the previous sources, only their number, so avsc builds nothing
 * else and stops where those end (for ZTF, before the cutouts).
 *
 * The fast path covers what surveys send on Kafka: a single-alert container whose version is in the
 * header (ZTF; its framing, down to the sync marker at the very end, is checked) and Confluent wire
 * format (LSST). Anything else, and any doubt (several records, an unknown schema id, a head that
 * does not decode, a missing id), goes to Alert.fromBytes, which gives the ids or the error with
 * its reason. So for every alert the model decodes the ids are the model's; a value whose head is
 * sound but whose tail is corrupt still gets its ids (broker-spec §3: the attributes are a
 * convenience, and every downstream stage decodes the whole alert and dead-letters a corrupt one).
 */
import { inflateRawSync } from "node:zlib";
import type avro from "avsc";
import { Alert, recordAttributes } from "@pgb/broker-utils/alerts";
import {
  bundledSchema,
  cachedSchema,
  isContainer,
  isWireFormat,
  parseAvroSchema,
  readContainerHeader,
  schemaVersionFromId,
  schemaVersionProperty,
  type AvroSchema,
} from "@pgb/broker-utils/avro";
import type { Attributes } from "@pgb/broker-utils/gcp";
import type { AlertRecord, FieldPath, SchemaMap } from "@pgb/broker-utils/schema-maps";

const SYNC_SIZE = 16;
const WIRE_HEADER_SIZE = 5;

/** A zig-zag varint long at `pos`, as Avro writes block counts and sizes; undefined if malformed. */
function readVarLong(buf: Buffer, pos: number): { value: number; pos: number } | undefined {
  let n = 0;
  let shift = 1;
  let p = pos;
  for (;;) {
    if (p >= buf.length || shift > 2 ** 49) return undefined;
    const byte = buf[p++]!;
    n += (byte & 0x7f) * shift;
    shift *= 128;
    if ((byte & 0x80) === 0) break;
  }
  return { value: n % 2 === 0 ? n / 2 : -(n + 1) / 2, pos: p };
}

/** The one record's bytes of a single-block, single-record container; undefined otherwise. */
function singleRecordData(
  buf: Buffer,
  codec: string,
  sync: Buffer,
  start: number,
): Buffer | undefined {
  if (codec !== "null" && codec !== "deflate") return undefined;
  const count = readVarLong(buf, start);
  if (count?.value !== 1) return undefined;
  const size = readVarLong(buf, count.pos);
  if (size === undefined || size.value < 0) return undefined;
  const end = size.pos + size.value;
  if (end + SYNC_SIZE !== buf.length || !buf.subarray(end).equals(sync)) return undefined;
  const raw = buf.subarray(size.pos, end);
  return codec === "deflate" ? inflateRawSync(raw) : raw;
}

interface Projection {
  type: avro.Type;
  resolver: ReturnType<avro.Type["createResolver"]>;
}

/**
 * The writer schema (JSON) cut after the last field on `paths`, at every level along them: it
 * describes exactly the bytes up to the end of the ids. A type referenced by name is kept whole.
 */
function head(schema: unknown, paths: readonly FieldPath[]): unknown {
  if (paths.every((p) => p.length === 0)) return schema;
  if (Array.isArray(schema)) return schema.map((branch) => head(branch, paths));
  if (typeof schema !== "object" || schema === null) return schema;
  const record = schema as { type?: unknown; fields?: { name: string; type: unknown }[] };
  if (record.type !== "record" || record.fields === undefined) return schema;
  const last = record.fields.findLastIndex((f) => paths.some((p) => p[0] === f.name));
  if (last < 0) return schema;
  const cut = record.fields[last]!;
  const below = paths.filter((p) => p[0] === cut.name).map((p) => p.slice(1));
  return {
    ...record,
    fields: [...record.fields.slice(0, last), { ...cut, type: head(cut.type, below) }],
  };
}

/** The writer type reduced to the fields on `paths` (records along them, unions kept). */
function project(type: avro.Type, paths: readonly FieldPath[]): unknown {
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
    const countOnly = items.typeName === "record" && paths.every((p) => p[0] === COUNT_ONLY);
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

/** The reader of a writer schema's head for the map's id paths; null when there is none. */
function projection(writer: AvroSchema, paths: readonly FieldPath[]): Projection | null {
  const key = JSON.stringify(paths);
  let byPaths = projections.get(writer);
  if (byPaths === undefined) {
    byPaths = new Map();
    projections.set(writer, byPaths);
  }
  let found = byPaths.get(key);
  if (found === undefined) {
    try {
      const writerHead = parseAvroSchema(
        head(writer.type.schema(), paths) as Record<string, unknown>,
      );
      const reader = parseAvroSchema(project(writerHead.type, paths) as Record<string, unknown>);
      found = { type: reader.type, resolver: reader.type.createResolver(writerHead.type) };
    } catch {
      // a schema the projection does not handle: the full decode reads it
      found = null;
    }
    byPaths.set(key, found);
  }
  return found;
}

function idString(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/** A path step into an array's items that keeps none of their fields: the array's length only. */
const COUNT_ONLY = "#count";

/** Reads the attributes of one survey's Kafka values; one instance per schema map. */
export class AlertIds {
  private readonly paths: FieldPath[];

  constructor(private readonly map: SchemaMap) {
    const f = map.fields;
    this.paths = [
      f.objectIdPath,
      f.sourceIdPath,
      ...(f.ssObjectIdPath ? [f.ssObjectIdPath] : []),
      f.raPath,
      f.decPath,
      ...(f.prvSourcesField ? [[f.prvSourcesField, COUNT_ONLY]] : []),
    ];
  }

  /** The alert's stream attributes (Alert.streamAttributes); throws Alert.fromBytes' error when undecodable. */
  read(value: Buffer, input: string): Attributes {
    return this.fast(value) ?? this.full(value, input);
  }

  private full(value: Buffer, input: string): Attributes {
    const alert = Alert.fromBytes(value, {
      survey: this.map.fields.survey,
      schemaMap: this.map,
      input,
    });
    return alert.streamAttributes();
  }

  private fast(value: Buffer): Attributes | undefined {
    try {
      const source = this.map.fields.schemaVersionSource;
      if (isContainer(value) && source === "header") {
        const header = readContainerHeader(value, "alert");
        const data = singleRecordData(value, header.codec, header.sync, header.end);
        if (data === undefined) return undefined;
        const writer = cachedSchema(header.schemaText);
        // the record's schemavsn stands in for a header without a version (Spark re-serialisations)
        const headerVersion = schemaVersionProperty(writer);
        const record = this.decode(
          data,
          writer,
          headerVersion === undefined ? [["schemavsn"]] : [],
        );
        const schemavsn = record?.["schemavsn"];
        return this.ids(
          record,
          headerVersion ?? (typeof schemavsn === "string" ? schemavsn : undefined),
        );
      }
      if (source === "wire" && isWireFormat(value)) {
        const version = schemaVersionFromId(value.readUInt32BE(1));
        const writer = bundledSchema(this.map.fields.survey, version);
        return this.ids(this.decode(value.subarray(WIRE_HEADER_SIZE), writer, []), version);
      }
    } catch {
      // anything unexpected: the full decode decides (and explains)
    }
    return undefined;
  }

  private decode(data: Buffer, writer: AvroSchema, extra: FieldPath[]): AlertRecord | undefined {
    const reader = projection(writer, [...this.paths, ...extra]);
    if (reader === null) return undefined;
    const { value, offset } = reader.type.decode(data, 0, reader.resolver);
    // -1: the value ended inside the head
    return offset >= 0 ? (value as AlertRecord) : undefined;
  }

  private ids(
    record: AlertRecord | undefined,
    schemaVersion: string | undefined,
  ): Attributes | undefined {
    if (record === undefined) return undefined;
    const objectId = idString(this.map.objectId(record));
    const sourceId = idString(this.map.sourceId(record));
    if (objectId === undefined || sourceId === undefined) return undefined;
    return recordAttributes(this.map, record, { objectId, sourceId }, schemaVersion);
  }
}
