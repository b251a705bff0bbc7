/**
 * The ZTF schema fix (spec §4.2). ZTF 3.x schemas declare nullable fields as `[T, "null"]` with
 * default null; strict Avro (and BigQuery's loader) needs the default to match the first branch.
 * For header version 3.1, 3.2 and 3.3 every such union becomes `["null", T]` and the record is
 * re-encoded (the branch index is in the data) into a new single-record container. 4.01 and 4.02
 * are kept as they are (spec), although 4.01's tooflag (`["null", "int"]`, default 0) is itself
 * not strict Avro.
 *
 * The version is the writer schema's top-level `version` property in the container header — what
 * the spec calls the header version. It is not the record's `schemavsn` field: the v3.1 sample's
 * header says 3.1 while its record says 3.2, and the union layout follows the header's schema.
 */
import { decodeSingleRecordContainer, encodeContainer, readContainerHeader } from "./container.js";
import { AvroDecodeError } from "./errors.js";
import { cachedSchema, type AvroSchema } from "./schema.js";

const NEEDS_FIX = new Set(["3.1", "3.2", "3.3"]);
const CONFORMING = new Set(["4.01", "4.02"]);

export type ZtfSchemaFixOutcome =
  /** 3.x with `[T, "null"]` unions: new bytes with `["null", T]`. */
  | "reencoded"
  /** Already conforming (4.x, or a 3.x schema someone fixed before): original bytes. */
  | "unchanged"
  /** Other or missing version: original bytes and `warning` for the caller to log. */
  | "unknown-version";

export interface ZtfSchemaFix {
  readonly bytes: Buffer;
  readonly outcome: ZtfSchemaFixOutcome;
  /** The header `version`, if any. */
  readonly version: string | undefined;
  /** Set for unknown-version: `unknown ZTF schema version <v>: original schema retained`. */
  readonly warning?: string;
}

/** The `version` property of a writer schema (ZTF's header version), if it is a string. */
export function schemaVersionProperty(schema: AvroSchema): string | undefined {
  const version = schema.json["version"];
  return typeof version === "string" ? version : undefined;
}

function isNullLast(type: unknown): type is [unknown, "null"] {
  return Array.isArray(type) && type.length === 2 && type[1] === "null";
}

/**
 * A schema where every field typed `[T, "null"]` with default null (or none) is typed
 * `["null", T]`, at any depth. A `[T, "null"]` field with a non-null default (3.3's tooflag,
 * default 0) already conforms and stays.
 */
function nullFirst(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(nullFirst);
  if (typeof schema !== "object" || schema === null) return schema;
  const copy: Record<string, unknown> = { ...schema };
  for (const key of ["type", "items", "values"]) {
    if (key in copy) copy[key] = nullFirst(copy[key]);
  }
  if (Array.isArray(copy["fields"])) {
    copy["fields"] = copy["fields"].map((field: Record<string, unknown>) => {
      const fixed = nullFirst(field) as Record<string, unknown>;
      if (isNullLast(fixed["type"]) && (fixed["default"] ?? null) === null) {
        fixed["type"] = ["null", fixed["type"][0]];
      }
      return fixed;
    });
  }
  return copy;
}

/** Fixed schema text per writer schema; undefined when nothing needs fixing. */
const fixedTexts = new WeakMap<AvroSchema, string | undefined>();

function fixedSchemaText(schema: AvroSchema): string | undefined {
  if (!fixedTexts.has(schema)) {
    const fixed = JSON.stringify(nullFirst(schema.json));
    fixedTexts.set(schema, fixed === JSON.stringify(schema.json) ? undefined : fixed);
  }
  return fixedTexts.get(schema);
}

export function fixZtfSchema(bytes: Uint8Array, input = "ZTF alert"): ZtfSchemaFix {
  const header = readContainerHeader(bytes, input);
  let writer: AvroSchema;
  try {
    writer = cachedSchema(header.schemaText);
  } catch (err) {
    throw new AvroDecodeError("invalid-schema", input, (err as Error).message, { cause: err });
  }
  const version = schemaVersionProperty(writer);
  const original = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (version === undefined || (!NEEDS_FIX.has(version) && !CONFORMING.has(version))) {
    return {
      bytes: original,
      outcome: "unknown-version",
      version,
      warning: `unknown ZTF schema version ${version ?? "(none)"}: original schema retained`,
    };
  }
  const fixedText = CONFORMING.has(version) ? undefined : fixedSchemaText(writer);
  if (fixedText === undefined) return { bytes: original, outcome: "unchanged", version };
  const { record } = decodeSingleRecordContainer(bytes, input);
  return {
    bytes: encodeContainer(fixedText, cachedSchema(fixedText), [record]),
    outcome: "reencoded",
    version,
  };
}
