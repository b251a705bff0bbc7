/**
 * JSON for derived messages (docs/spec/broker.md §7) and CLI output: every Avro `long` (a bigint in memory)
 * becomes a decimal string, ints and floats stay numbers, NaN and ±Infinity become null, bytes
 * become base64. One function, so every writer agrees.
 */

/** A value that JSON.stringify writes without loss. */
export type JsonSafe = string | number | boolean | null | JsonSafe[] | { [key: string]: JsonSafe };

export function toJsonSafe(value: unknown): JsonSafe {
  switch (typeof value) {
    case "bigint":
      return value.toString();
    case "number":
      return Number.isFinite(value) ? value : null;
    case "string":
    case "boolean":
      return value;
    case "object": {
      if (value === null) return null;
      if (value instanceof Uint8Array) {
        return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
      }
      if (Array.isArray(value)) return value.map(toJsonSafe);
      const out: { [key: string]: JsonSafe } = {};
      for (const [key, item] of Object.entries(value)) {
        if (item !== undefined) out[key] = toJsonSafe(item);
      }
      return out;
    }
    default:
      return null;
  }
}

/** JSON text of `value` by the rules of toJsonSafe. */
export function toJsonString(value: unknown, indent?: number): string {
  return JSON.stringify(toJsonSafe(value), null, indent);
}
