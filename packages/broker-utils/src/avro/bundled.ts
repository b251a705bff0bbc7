/**
 * The Avro schemas shipped in `data/schemas/<survey>/<version>/` (ZTF 3.3, 4.01, 4.02; LSST v7_0 to
 * v7_4, v8_0, v9_0, v10_0, v11_0, v11_1; ELAsTiCC v0_9, v0_9_1; origins in data/schemas/SOURCES.md).
 * Each version is split into one file per named type; the files a type references are registered
 * before it (e.g. diaSource before alert).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type avro from "avsc";
import { AvroDecodeError } from "./errors.js";
import { parseAvroSchema, type AvroSchema } from "./schema.js";

/** `data/` sits two levels above both `src/avro/` and the compiled `dist/avro/`. */
const SCHEMAS_DIR = fileURLToPath(new URL("../../data/schemas/", import.meta.url));

function listDir(path: string): string[] {
  try {
    return readdirSync(path).sort();
  } catch {
    return [];
  }
}

const byVersionNumber = new Intl.Collator("en", { numeric: true }).compare;

/**
 * The bundled schema versions of a survey, oldest first (ztf → 3.3, 4.01, 4.02; lsst → v7_0 …
 * v11_1, so v10 sorts after v9); empty if none.
 */
export function bundledSchemaVersions(survey: string): string[] {
  return listDir(join(SCHEMAS_DIR, survey)).sort(byVersionNumber);
}

interface SchemaFile {
  readonly fullName: string;
  readonly json: Record<string, unknown>;
}

function fullName(json: Record<string, unknown>): string {
  const name = String(json["name"]);
  return name.includes(".") || json["namespace"] === undefined
    ? name
    : `${String(json["namespace"])}.${name}`;
}

/** The type names a schema refers to (strings in type positions; primitives included). */
function typeReferences(schema: unknown, into: Set<string>): Set<string> {
  if (typeof schema === "string") into.add(schema);
  else if (Array.isArray(schema)) for (const branch of schema) typeReferences(branch, into);
  else if (typeof schema === "object" && schema !== null) {
    const { type, items, values, fields } = schema as Record<string, unknown>;
    if (typeof type === "object") typeReferences(type, into);
    if (items !== undefined) typeReferences(items, into);
    if (values !== undefined) typeReferences(values, into);
    if (Array.isArray(fields)) {
      for (const field of fields) typeReferences((field as { type?: unknown }).type, into);
    }
  }
  return into;
}

/** Parses every named type of one version; referenced types are registered first. */
function parseVersion(dir: string): Map<string, AvroSchema> {
  const files = new Map<string, SchemaFile>();
  for (const file of listDir(dir).filter((name) => name.endsWith(".avsc"))) {
    const json = JSON.parse(readFileSync(join(dir, file), "utf8")) as Record<string, unknown>;
    files.set(fullName(json), { fullName: fullName(json), json });
  }
  const registry: Record<string, avro.Type> = {};
  const parsed = new Map<string, AvroSchema>();
  const visit = (file: SchemaFile): void => {
    if (parsed.has(file.fullName)) return;
    const namespace = String(file.json["namespace"] ?? "");
    for (const name of typeReferences(file.json, new Set())) {
      const other = files.get(name) ?? files.get(`${namespace}.${name}`);
      if (other && other !== file) visit(other);
    }
    parsed.set(file.fullName, parseAvroSchema(file.json, registry));
  };
  for (const file of files.values()) visit(file);
  return parsed;
}

const versions = new Map<string, Map<string, AvroSchema>>();

/**
 * A bundled schema: `record` is the short name of a top-level type (default `alert`). An unknown
 * survey or version is an `unknown-schema-version` error listing the bundled ones.
 */
export function bundledSchema(survey: string, version: string, record = "alert"): AvroSchema {
  const key = `${survey}/${version}`;
  let types = versions.get(key);
  if (!types) {
    if (!bundledSchemaVersions(survey).includes(version)) {
      const known = bundledSchemaVersions(survey);
      throw new AvroDecodeError(
        "unknown-schema-version",
        `${survey} schema ${version}`,
        known.length
          ? `no bundled schema for this version; bundled: ${known.join(", ")}`
          : `no bundled schemas for survey ${survey}`,
      );
    }
    types = parseVersion(join(SCHEMAS_DIR, survey, version));
    versions.set(key, types);
  }
  const found = [...types.entries()].find(([name]) => name.split(".").at(-1) === record);
  if (!found) {
    throw new AvroDecodeError(
      "unknown-schema-version",
      `${survey} schema ${version}`,
      `no record ${record}; it has ${[...types.keys()].join(", ")}`,
    );
  }
  return found[1];
}
