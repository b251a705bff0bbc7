import avro from "avsc";
import { BIGINT_LONG } from "./long.js";

/** A parsed Avro schema: avsc's type for decoding/encoding and the schema's JSON for its properties. */
export interface AvroSchema {
  readonly type: avro.Type;
  readonly json: Readonly<Record<string, unknown>>;
}

function isLongSchema(schema: unknown): boolean {
  return (
    schema === "long" ||
    (typeof schema === "object" &&
      schema !== null &&
      !Array.isArray(schema) &&
      (schema as { type?: unknown }).type === "long")
  );
}

/**
 * Copy of a schema without field defaults. Every schema parsed here is a writer schema (or encodes
 * complete records), where defaults play no part; ZTF 3.x declares `["float", "null"]` fields with
 * default null, which avsc rejects ("union defaults must match the first branch").
 */
function withoutFieldDefaults(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutFieldDefaults);
  if (typeof schema !== "object" || schema === null) return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "fields" && Array.isArray(value)) {
      copy[key] = value.map((field: Record<string, unknown>) => {
        const { default: _default, ...rest } = field;
        return withoutFieldDefaults(rest);
      });
    } else {
      copy[key] = withoutFieldDefaults(value);
    }
  }
  return copy;
}

/**
 * Parses a schema with every `long` (also `{"type": "long", "logicalType": …}`) as BIGINT_LONG.
 * `registry` holds named types already parsed (bundled schemas split into files).
 */
export function parseAvroSchema(
  json: Record<string, unknown>,
  registry: Record<string, avro.Type> = {},
): AvroSchema {
  const type = avro.Type.forSchema(withoutFieldDefaults(json) as avro.Schema, {
    registry,
    typeHook: (schema) => (isLongSchema(schema) ? BIGINT_LONG : undefined),
  });
  return { type, json };
}

/** Enough for every schema version of every survey; bounded so odd inputs cannot grow memory. */
const CACHE_LIMIT = 64;
const byText = new Map<string, AvroSchema>();

/**
 * The parsed schema for a schema text, cached by the text: a container embeds its writer schema,
 * and parsing ZTF's (~30 KB) per message would cost more than decoding the alert. Throws avsc's
 * error for an invalid schema.
 */
export function cachedSchema(text: string): AvroSchema {
  let schema = byText.get(text);
  if (!schema) {
    schema = parseAvroSchema(JSON.parse(text) as Record<string, unknown>);
    if (byText.size >= CACHE_LIMIT) byText.delete(byText.keys().next().value!);
    byText.set(text, schema);
  }
  return schema;
}

/** The bytes as the Buffer avsc needs: a view on the same memory, no copy. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
