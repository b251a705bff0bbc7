import { AvroDecodeError } from "./errors.js";
import { asBuffer, type AvroSchema } from "./schema.js";

/**
 * One bare Avro datum (no header) written with `schema`, e.g. a schemaless ELAsTiCC alert. Every
 * byte must belong to the datum: leftovers mean the wrong schema.
 */
export function decodeDatum(bytes: Uint8Array, schema: AvroSchema, input: string): unknown {
  let decoded: { value: unknown; offset: number };
  try {
    decoded = schema.type.decode(asBuffer(bytes), 0);
  } catch (err) {
    throw new AvroDecodeError(
      "corrupt",
      input,
      `datum does not match the schema: ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (decoded.offset < 0) {
    throw new AvroDecodeError(
      "truncated",
      input,
      "bytes end inside the datum (wrong schema version, or a truncated message)",
    );
  }
  if (decoded.offset !== bytes.length) {
    throw new AvroDecodeError(
      "corrupt",
      input,
      `${bytes.length - decoded.offset} bytes left after the datum (wrong schema version?)`,
    );
  }
  return decoded.value;
}
