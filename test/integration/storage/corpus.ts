/**
 * The bad-input corpus of the storage functions: messages that are not one alert, alerts that do
 * not fit the tables, and odd but valid alerts, each with the outcome the spec gives it in each
 * function (stored, or dead-lettered with a reason). Stored variants get their own candid, so every
 * case has its own object and rows.
 */
import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import {
  cachedSchema,
  decodeSingleRecordContainer,
  encodeContainer,
  decodeWireMessage,
  bundledSchema,
} from "@pgb/broker-utils/avro";
import type { Survey } from "@pgb/broker-utils/schema-maps";
import { readData } from "@pgb/test-data";
import { kafkaAttributes } from "./support.js";

export type Outcome =
  { outcome: "stored" } | { outcome: "dead-letter"; reason: string; error: RegExp };

export interface CorpusCase {
  name: string;
  survey: Survey;
  data: Buffer;
  /** Always carries `test.case` = name, which dead letters keep. */
  attributes: Record<string, string>;
  upload: Outcome;
  /** What bq-sink does with the case's bytes once stored (see `bqSinkOutcome`). */
  bqSink: Outcome;
  /** Object name and candid of a case some function stores. */
  object?: string;
  sourceId?: string;
}

/**
 * What happens to a case at bq-sink: it is fed the bucket notification of the stored alert, so a
 * case upload-bytes-to-bucket does not store never reaches it.
 */
export function bqSinkOutcome(c: CorpusCase): Outcome | { outcome: "never-announced" } {
  return c.upload.outcome === "stored" ? c.bqSink : { outcome: "never-announced" };
}

const V402 = "ztf/alerts/v4.02/2695378462115010012.avro";
const LSST_WIRE = "lsst/alerts/confluent_wire_v9.0/7912941781254298.avro";
export const CORPUS_TOPIC = "ztf_20231012_programid1";
/** Below 2^63 and far above 2^53: every stored variant's candid is exact only as a string. */
const BASE_CANDID = 9_100_000_000_000_000_000n;

const STORED: Outcome = { outcome: "stored" };
const dead = (reason: string, error: RegExp): Outcome => ({
  outcome: "dead-letter",
  reason,
  error,
});

type Json = Record<string, unknown> & { fields: Json[] };

/** The v4.02 kit alert re-encoded after editing its writer schema (JSON) and its record. */
function variant(
  candid: bigint,
  edit: (schema: Json, record: Record<string, unknown>) => void = () => {},
): Buffer {
  const { header, record } = decodeSingleRecordContainer(readData(V402), V402);
  const schema = JSON.parse(header.schemaText) as Json;
  const alert = record as Record<string, unknown>;
  alert["candid"] = candid;
  (alert["candidate"] as Record<string, unknown>)["candid"] = candid;
  edit(schema, alert);
  const text = JSON.stringify(schema);
  return encodeContainer(text, cachedSchema(text), [alert]);
}

function field(schema: Json, name: string): Json {
  const found = schema.fields.find((f) => f["name"] === name);
  if (!found) throw new Error(`no field ${name}`);
  return found;
}

/** The record schema of `candidate` inside the alert schema. */
function candidateSchema(schema: Json): Json {
  return field(schema, "candidate")["type"] as Json;
}

function removeField(schema: Json, record: Record<string, unknown>, name: string): void {
  schema.fields = schema.fields.filter((f) => f["name"] !== name);
  delete record[name];
}

/** The v4.02 kit alert with another candid: valid, stored by both functions. */
export function validVariant(candid: bigint): Buffer {
  return variant(candid);
}

function withCodec(container: Buffer, codec: string): Buffer {
  const at = container.indexOf("avro.codec");
  const value = container.indexOf("null", at);
  const out = Buffer.from(container);
  out.write(codec, value, "latin1");
  return out;
}

export function buildCorpus(): CorpusCase[] {
  const v402 = readData(V402);
  const cases: CorpusCase[] = [];
  let n = 0;
  const add = (
    name: string,
    data: Buffer,
    upload: Outcome,
    bqSink: Outcome,
    extra: Partial<CorpusCase> & { topic?: string | null } = {},
  ) => {
    const { topic, ...rest } = extra;
    const attributes =
      topic === null ? {} : kafkaAttributes(topic ?? CORPUS_TOPIC, 5000 + cases.length);
    cases.push({
      name,
      survey: "ztf",
      data,
      attributes: { ...attributes, "test.case": name },
      upload,
      bqSink,
      ...rest,
    });
  };
  /** A stored variant: its candid, object name and bytes. */
  const stored = (
    name: string,
    edit: Parameters<typeof variant>[1],
    upload: Outcome,
    bqSink: Outcome,
    options: { topic?: string | null; objectId?: string } = {},
  ) => {
    const candid = BASE_CANDID + BigInt(++n);
    const data = variant(candid, edit);
    const topic = options.topic === null ? "no_topic" : (options.topic ?? CORPUS_TOPIC);
    add(name, data, upload, bqSink, {
      topic: options.topic,
      sourceId: String(candid),
      object: `${topic}/${options.objectId ?? "ZTF18abudxnw"}/${candid}.avro`,
    });
  };
  const both = (reason: string, error: RegExp) =>
    [dead(reason, error), dead(reason, error)] as const;

  add(
    "not-avro",
    Buffer.from("this is not an alert\n"),
    ...both("unknown-format", /not an Avro container file/),
  );
  add(
    "truncated",
    v402.subarray(0, Math.floor(v402.length * 0.6)),
    ...both("truncated", /bytes end inside/),
  );
  add("header-only", v402.subarray(0, 200), ...both("truncated", /bytes end inside/));
  const badSync = Buffer.from(v402);
  for (let i = badSync.length - 16; i < badSync.length; i++) badSync[i] = badSync[i]! ^ 0xff;
  add("bad-sync-marker", badSync, ...both("corrupt", /sync marker/));
  const { header, schema, record } = decodeSingleRecordContainer(v402, V402);
  add(
    "two-records",
    encodeContainer(header.schemaText, schema, [record, record]),
    ...both("record-count", /holds 2 records, expected exactly 1/),
  );
  add(
    "zero-records",
    encodeContainer(header.schemaText, schema, []),
    ...both("record-count", /holds 0 records/),
  );
  add("gzip", gzipSync(v402), ...both("unknown-format", /not an Avro container file/));
  add("lsst-wire-to-ztf", readData(LSST_WIRE), ...both("unknown-format", /is the survey right/));
  add(
    "invalid-schema",
    encodeContainer("{not json", schema, [record]),
    ...both("invalid-schema", /not valid Avro/),
  );
  add(
    "unsupported-codec",
    withCodec(v402, "zstd"),
    ...both("unsupported-codec", /codec zstd is not supported/),
  );
  add(
    "missing-objectId",
    variant(BASE_CANDID, (s, r) => removeField(s, r, "objectId")),
    ...both("missing-id", /no objectId at objectId/),
  );
  add(
    "oversize-garbage",
    randomBytes(7 * 1024 * 1024),
    ...both("unknown-format", /not an Avro container file/),
  );
  add(
    "empty",
    Buffer.alloc(0),
    ...both("empty", /has no data: expected the bytes of one ztf alert/),
  );

  stored("unknown-version", (s) => (s["version"] = "9.99"), STORED, STORED);
  stored(
    "nan-nullable",
    (_s, r) => {
      Object.assign(r["candidate"] as object, {
        magap: Number.NaN,
        rb: Number.NaN,
        fwhm: Infinity,
      });
    },
    STORED,
    STORED,
  );
  stored(
    "nan-required",
    (_s, r) => ((r["candidate"] as Record<string, unknown>)["magpsf"] = Number.NaN),
    STORED,
    dead(
      "row-invalid",
      /candidate\.magpsf: REQUIRED FLOAT is null \(NaN and ±Infinity are written as null\)/,
    ),
  );
  stored(
    "missing-required-field",
    (s, r) =>
      removeField(candidateSchema(s), r["candidate"] as Record<string, unknown>, "rbversion"),
    STORED,
    dead("row-invalid", /candidate\.rbversion: REQUIRED STRING is missing/),
  );
  stored(
    "wrong-type-float",
    (s, r) => {
      field(candidateSchema(s), "jd")["type"] = "string";
      const c = r["candidate"] as Record<string, unknown>;
      c["jd"] = String(c["jd"]);
    },
    STORED,
    dead("row-invalid", /candidate\.jd: expected a FLOAT \(number\), got the string "2460/),
  );
  stored(
    "wrong-type-integer",
    (s, r) => {
      field(candidateSchema(s), "fid")["type"] = "string";
      (r["candidate"] as Record<string, unknown>)["fid"] = "g";
    },
    STORED,
    dead(
      "row-invalid",
      /candidate\.fid: expected an INTEGER \(decimal string\), got the string "g"/,
    ),
  );
  stored(
    "unknown-field",
    (s, r) => {
      s.fields.push({
        name: "brokerNote",
        type: ["null", "string"],
        fields: [],
      } as unknown as Json);
      r["brokerNote"] = "added upstream";
    },
    STORED,
    dead("row-invalid", /brokerNote: no such field in the table/),
  );
  stored(
    "objectId-with-slash",
    (_s, r) => (r["objectId"] = "ZTF18/../abc"),
    dead(
      "invalid-object-name",
      /objectId "ZTF18\/\.\.\/abc" cannot be a segment of the object name/,
    ),
    STORED,
  );
  stored(
    "topic-with-slash",
    () => {},
    dead("invalid-object-name", /kafka\.topic "ztf\/evil" cannot be a segment/),
    STORED,
    { topic: "ztf/evil" },
  );
  stored(
    "out-of-range-fields",
    (_s, r) => {
      Object.assign(r["candidate"] as object, {
        magpsf: 1e30,
        sigmapsf: -1,
        ra: 720,
        dec: -1e9,
      });
    },
    STORED,
    STORED,
  );
  // below −2^53: exact only as a string, in the object name and the rows
  const negative = -(BASE_CANDID + 900n);
  add("negative-candid", variant(negative), STORED, STORED, {
    sourceId: String(negative),
    object: `${CORPUS_TOPIC}/ZTF18abudxnw/${negative}.avro`,
  });
  stored("no-attributes", () => {}, STORED, STORED, { topic: null });
  stored(
    "oversize-cutout",
    (_s, r) => {
      (r["cutoutScience"] as Record<string, unknown>)["stampData"] = randomBytes(6 * 1024 * 1024);
    },
    STORED,
    STORED,
  );

  // LSST: Confluent wire format
  const wire = readData(LSST_WIRE);
  const unknownId = Buffer.from(wire);
  unknownId.writeUInt32BE(4242, 1);
  const lsst = (name: string, data: Buffer, reason: string, error: RegExp) =>
    cases.push({
      name,
      survey: "lsst",
      data,
      attributes: { ...kafkaAttributes("lsst-alerts-v9", 9000 + cases.length), "test.case": name },
      upload: dead(reason, error),
      bqSink: dead(reason, error),
    });
  lsst("lsst-unknown-schema-id", unknownId, "unknown-schema-version", /4242/);
  lsst("lsst-truncated", wire.subarray(0, 4000), "truncated", /bytes end inside|truncated/);
  // the same datum with bytes after it: one datum must consume the whole message
  const { record: lsstRecord } = decodeWireMessage(wire, "lsst", LSST_WIRE);
  const datum = bundledSchema("lsst", "v9_0").type.toBuffer(lsstRecord);
  lsst(
    "lsst-trailing-bytes",
    Buffer.concat([wire.subarray(0, 5), datum, Buffer.from([0, 0, 0])]),
    "corrupt",
    /bytes? (left over|more)|after the datum/,
  );
  return cases;
}
