/**
 * Validation of a streaming-insert row (the JSON of `tabledata.insertAll`) against its table's
 * schema, before it is sent. BigQuery itself rejects a bad row with a per-row error, but the local
 * BigQuery emulator does not: it answers a row of the wrong type with HTTP 500 for the whole
 * request (indistinguishable from an outage, so it would be retried instead of dead-lettered) and
 * stores unknown fields and missing REQUIRED fields silently (docs/local-servers.md). Checking
 * here gives both the same outcome: a bad row is named, with the path of each offending field.
 *
 * The schema is the one `tables.get` returns (types in their legacy or standard spelling, mode
 * optional = NULLABLE). Field names are matched case-insensitively, as BigQuery matches them.
 * A schema is compiled once into a tree of checks and cached by identity, so keep passing the
 * same array (TableMetadataCache hands out the same metadata object while it is fresh).
 */

/** A field of a table schema as the BigQuery API returns it (a `TableField` is one too). */
export interface SchemaField {
  name: string;
  type: string;
  mode?: string;
  fields?: readonly SchemaField[];
}

/** One disagreement between a row and the schema. */
export interface RowViolation {
  /** Where, e.g. `candidate.magpsf` or `prv_candidates[3].jd`. */
  path: string;
  problem: string;
}

export interface ValidateOptions {
  /** Stop after this many violations (default 20): one is enough to reject the row. */
  maxViolations?: number;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^[+-]?\d+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DATE_TEXT = /^\d{4}-\d{2}-\d{2}$/;

/** A problem with a scalar value, or undefined when it is fine. */
type ScalarCheck = (value: unknown) => string | undefined;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (typeof value === "string")
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === "object") return "an object";
  return `the ${typeof value} ${String(value)}`;
}

const checkInteger: ScalarCheck = (v) => {
  if (typeof v === "string" && INTEGER_TEXT.test(v)) {
    const n = BigInt(v);
    return n < INT64_MIN || n > INT64_MAX ? `${v} is outside the INT64 range` : undefined;
  }
  if (typeof v === "number") {
    if (!Number.isInteger(v)) return `${describe(v)} is not an integer`;
    // a JS number past 2^53 has already lost digits: 64-bit ids travel as decimal strings
    return Number.isSafeInteger(v)
      ? undefined
      : `${v} is not exact as a JS number (send a decimal string)`;
  }
  if (typeof v === "bigint") return "a bigint has no JSON form (send a decimal string)";
  return `expected an INTEGER (decimal string), got ${describe(v)}`;
};

const checkFloat: ScalarCheck = (v) => {
  if (typeof v === "number") {
    // JSON.stringify would send NaN/±Infinity as null without a word: the row builders map them to null
    return Number.isFinite(v) ? undefined : `${describe(v)} has no JSON form (send null)`;
  }
  return `expected a FLOAT (number), got ${describe(v)}`;
};

const checkNumeric: ScalarCheck = (v) =>
  (typeof v === "number" && Number.isFinite(v)) ||
  (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)))
    ? undefined
    : `expected a number or numeric string, got ${describe(v)}`;

const checkString: ScalarCheck = (v) =>
  typeof v === "string" ? undefined : `expected a STRING, got ${describe(v)}`;

const checkBoolean: ScalarCheck = (v) =>
  typeof v === "boolean" ? undefined : `expected a BOOLEAN, got ${describe(v)}`;

const checkBytes: ScalarCheck = (v) =>
  typeof v === "string" && BASE64.test(v)
    ? undefined
    : `expected BYTES as a base64 string, got ${typeof v === "string" ? "a string that is not base64" : describe(v)}`;

const checkTimestamp: ScalarCheck = (v) =>
  typeof v === "string" || (typeof v === "number" && Number.isFinite(v))
    ? undefined
    : `expected a TIMESTAMP (string or epoch seconds), got ${describe(v)}`;

const checkDate: ScalarCheck = (v) =>
  typeof v === "string" && DATE_TEXT.test(v)
    ? undefined
    : `expected a DATE (YYYY-MM-DD), got ${describe(v)}`;

/** Types BigQuery checks that the broker never writes (GEOGRAPHY, JSON, …) are left to BigQuery. */
const anything: ScalarCheck = () => undefined;

const SCALAR_CHECKS: Readonly<Record<string, ScalarCheck>> = {
  INTEGER: checkInteger,
  INT64: checkInteger,
  FLOAT: checkFloat,
  FLOAT64: checkFloat,
  NUMERIC: checkNumeric,
  BIGNUMERIC: checkNumeric,
  STRING: checkString,
  BOOLEAN: checkBoolean,
  BOOL: checkBoolean,
  BYTES: checkBytes,
  TIMESTAMP: checkTimestamp,
  DATE: checkDate,
  DATETIME: checkString,
  TIME: checkString,
};

interface CompiledField {
  readonly name: string;
  readonly type: string;
  readonly mode: "NULLABLE" | "REQUIRED" | "REPEATED";
  /** Set for RECORD/STRUCT. */
  readonly record?: CompiledRecord;
  readonly scalar: ScalarCheck;
}

/** Fields by lower-cased name (BigQuery column names are case-insensitive). */
type CompiledRecord = ReadonlyMap<string, CompiledField>;

const compiled = new WeakMap<readonly SchemaField[], CompiledRecord>();

function compileRecord(fields: readonly SchemaField[]): CompiledRecord {
  let record = compiled.get(fields);
  if (record) return record;
  const map = new Map<string, CompiledField>();
  for (const field of fields) {
    const type = field.type.toUpperCase();
    const mode = (field.mode ?? "NULLABLE").toUpperCase();
    const isRecord = type === "RECORD" || type === "STRUCT";
    map.set(field.name.toLowerCase(), {
      name: field.name,
      type,
      mode: mode === "REQUIRED" || mode === "REPEATED" ? mode : "NULLABLE",
      ...(isRecord ? { record: compileRecord(field.fields ?? []) } : {}),
      scalar: SCALAR_CHECKS[type] ?? anything,
    });
  }
  record = map;
  compiled.set(fields, record);
  return record;
}

class Collector {
  readonly violations: RowViolation[] = [];
  constructor(private readonly max: number) {}
  get full(): boolean {
    return this.violations.length >= this.max;
  }
  add(path: string, problem: string): void {
    if (!this.full) this.violations.push({ path, problem });
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function checkValue(field: CompiledField, value: unknown, path: string, out: Collector): void {
  if (field.record) {
    if (isPlainObject(value)) checkRecord(field.record, value, path, out);
    else out.add(path, `expected a RECORD (object), got ${describe(value)}`);
    return;
  }
  const problem = field.scalar(value);
  if (problem !== undefined) out.add(path, problem);
}

function checkRecord(
  record: CompiledRecord,
  row: Record<string, unknown>,
  prefix: string,
  out: Collector,
): void {
  /** Value of each column the row names, by lower-cased name. */
  const seen = new Map<string, unknown>();
  for (const key of Object.keys(row)) {
    if (out.full) return;
    const path = prefix === "" ? key : `${prefix}.${key}`;
    const lower = key.toLowerCase();
    const field = record.get(lower);
    const value = row[key];
    // JSON leaves undefined values out: the field is absent
    if (value === undefined) continue;
    if (!field) {
      // BigQuery rejects unknown fields (unless ignoreUnknownValues) even when they hold null
      out.add(path, "no such field in the table");
      continue;
    }
    if (seen.has(lower)) {
      out.add(path, `a second value for column ${field.name} (column names are case-insensitive)`);
      continue;
    }
    seen.set(lower, value);
    if (value === null) continue;
    if (field.mode === "REPEATED") {
      if (!Array.isArray(value)) {
        out.add(path, `expected a REPEATED ${field.type} (array), got ${describe(value)}`);
        continue;
      }
      for (let i = 0; i < value.length && !out.full; i++) {
        const element: unknown = value[i];
        if (element === null || element === undefined) {
          out.add(`${path}[${i}]`, "null element (BigQuery arrays cannot hold NULL)");
        } else {
          checkValue(field, element, `${path}[${i}]`, out);
        }
      }
    } else {
      checkValue(field, value, path, out);
    }
  }
  for (const [lower, field] of record) {
    if (out.full) return;
    if (field.mode !== "REQUIRED") continue;
    const path = prefix === "" ? field.name : `${prefix}.${field.name}`;
    if (!seen.has(lower)) out.add(path, `REQUIRED ${field.type} is missing`);
    else if (seen.get(lower) === null) {
      out.add(
        path,
        field.type === "FLOAT" || field.type === "FLOAT64"
          ? "REQUIRED FLOAT is null (NaN and ±Infinity are written as null)"
          : `REQUIRED ${field.type} is null`,
      );
    }
  }
}

/** The ways `row` disagrees with `schema` (empty when BigQuery would accept it). */
export function validateRow(
  row: Record<string, unknown>,
  schema: readonly SchemaField[],
  options: ValidateOptions = {},
): RowViolation[] {
  const out = new Collector(options.maxViolations ?? 20);
  checkRecord(compileRecord(schema), row, "", out);
  return out.violations;
}

/** `path: problem; path: problem (and N more)`, at most `limit` of them, for one error message. */
export function formatViolations(violations: readonly RowViolation[], limit = 5): string {
  const shown = violations.slice(0, limit).map((v) => `${v.path}: ${v.problem}`);
  const more = violations.length - shown.length;
  return shown.join("; ") + (more > 0 ? ` (and ${more} more)` : "");
}
