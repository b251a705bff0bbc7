/**
 * Rubin's fake alert for a schema version that lsst/alert_packet publishes without one (11.1): the
 * previous version's `fakeAlert.avro` read with the new version as reader schema (Avro schema
 * resolution: fields the writer lacks take their defaults), written as a container whose header
 * holds the new schema with every named type inlined, as Rubin's own `generate.py` writes them.
 *
 *   npx tsx test/support/derive-lsst-sample.ts 11.0 11.1
 *
 * writes `test/data/lsst/schema/11.1/sample_data/fakeAlert.avro`; the bytes depend only on the
 * input, and test/unit/avro/derived-lsst-sample.test.ts checks that the committed file is them.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import avro from "avsc";
import {
  BIGINT_LONG,
  bundledSchema,
  decodeSingleRecordContainer,
  encodeContainer,
  parseAvroSchema,
} from "@pgb/broker-utils/avro";
import { TEST_DATA, readData } from "@pgb/test-data";

type Json = Record<string, unknown>;

const SCHEMAS = fileURLToPath(
  new URL("../../packages/broker-utils/data/schemas/lsst/", import.meta.url),
);

/** "11.1" → "v11_1", the broker's label and the schemas' namespace suffix. */
const label = (version: string): string => `v${version.replace(".", "_")}`;

export const samplePath = (version: string): string =>
  `lsst/schema/${version}/sample_data/fakeAlert.avro`;

/** The named types of a bundled version by full name; the alert record last. */
function schemaFiles(version: string): Map<string, Json> {
  const dir = join(SCHEMAS, label(version));
  const files = readdirSync(dir)
    .filter((name) => name.endsWith(".avsc"))
    .map((name) => JSON.parse(readFileSync(join(dir, name), "utf8")) as Json)
    .sort((a, b) => Number(a["name"] === "alert") - Number(b["name"] === "alert"));
  return new Map(
    files.map((json) => [`${String(json["namespace"])}.${String(json["name"])}`, json]),
  );
}

/** The schema with each named type written out where it is first referenced, fully qualified. */
function inlined(types: Map<string, Json>, root: Json): Json {
  const seen = new Set<string>();
  const expand = (schema: unknown): unknown => {
    if (typeof schema === "string") {
      const named = types.get(schema);
      if (!named || seen.has(schema)) return schema;
      return expand(named);
    }
    if (Array.isArray(schema)) return schema.map(expand);
    if (typeof schema !== "object" || schema === null) return schema;
    const json = schema as Json;
    const copy: Json = {};
    if (typeof json["namespace"] === "string") {
      const name = `${json["namespace"]}.${String(json["name"])}`;
      seen.add(name);
      for (const [key, value] of Object.entries(json)) {
        if (key !== "namespace") copy[key] = key === "name" ? name : value;
      }
    } else Object.assign(copy, json);
    for (const key of ["type", "items", "fields"]) {
      if (copy[key] !== undefined) copy[key] = expand(copy[key]);
    }
    return copy;
  };
  return expand(root) as Json;
}

/**
 * The reader type of `to`, each named type aliased to its `from` name (the namespaces differ per
 * version, and Avro matches records by name or alias), field defaults kept for the resolution.
 */
function readerType(types: Map<string, Json>, from: string): avro.Type {
  const registry: Record<string, avro.Type> = {};
  let type: avro.Type | undefined;
  for (const json of types.values()) {
    const aliased = { ...json, aliases: [`lsst.${label(from)}.${String(json["name"])}`] };
    type = avro.Type.forSchema(aliased as avro.Schema, {
      registry,
      // every long, timestamp-micros ones too, as the broker reads them: exact bigints
      typeHook: (schema) =>
        schema === "long" || (schema as { type?: unknown }).type === "long"
          ? BIGINT_LONG
          : undefined,
    });
  }
  return type!;
}

/** The container bytes of version `to`'s sample, derived from version `from`'s. */
export function deriveLsstSample(from: string, to: string): Buffer {
  const writer = bundledSchema("lsst", label(from)).type;
  const { record } = decodeSingleRecordContainer(readData(samplePath(from)), samplePath(from));
  const types = schemaFiles(to);
  const reader = readerType(types, from);
  const resolved: unknown = reader.fromBuffer(
    writer.toBuffer(record),
    reader.createResolver(writer),
  );
  const schema = inlined(types, [...types.values()].at(-1)!);
  const text = JSON.stringify(schema);
  return encodeContainer(text, parseAvroSchema(schema), [resolved]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [from, to] = process.argv.slice(2);
  if (!from || !to) {
    throw new Error("usage: npx tsx test/support/derive-lsst-sample.ts <from, e.g. 11.0> <to>");
  }
  const out = join(TEST_DATA, samplePath(to));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, deriveLsstSample(from, to));
  console.log(`wrote ${out}; add its row (sha256sum) to test/data/MANIFEST.tsv`);
}
