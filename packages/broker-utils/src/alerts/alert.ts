/**
 * The alert model: one survey alert decoded from its bytes, with its ids, position and schema
 * version read through the survey's schema map.
 *
 * Schema version: ZTF's is the writer schema's `version` in the container header (spec §4.2, §7);
 * the record's `schemavsn` is used only when the header has none (Spark re-serialisations drop
 * schema properties), so the v3.1 sample whose record says 3.2 reports 3.1. LSST's comes from the
 * wire-format schema id (900 → v9_0) or, for container files, the schema namespace (lsst.v7_1 →
 * v7_1); ELAsTiCC's from the namespace or the bundled schema a bare datum was decoded with.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import {
  AvroDecodeError,
  bundledSchema,
  decodeContainer,
  decodeDatum,
  decodeSingleRecordContainer,
  decodeWireMessage,
  isContainer,
  isWireFormat,
  schemaVersionProperty,
  type AvroSchema,
} from "../avro/index.js";
import {
  bundledSchemaMap,
  isSurvey,
  SURVEYS,
  type AlertRecord,
  type SchemaMap,
  type Survey,
} from "../schema-maps/index.js";
import { AlertDecodeError } from "./errors.js";
import { recordAttributes } from "./attributes.js";

export interface AlertOptions {
  survey: Survey;
  /** Pub/Sub attributes of the message (kafka.topic, kafka.timestamp, …). */
  attributes?: Readonly<Record<string, string>>;
  /** Bundled schema version for a bare datum (ELAsTiCC); default the schema map's default. */
  schemaVersion?: string;
  /** Default: the bundled map of the survey. */
  schemaMap?: SchemaMap;
  /** Names the input in errors: a file path or a message id. */
  input?: string;
}

export interface PubSubMessageLike {
  data: Uint8Array;
  attributes?: Readonly<Record<string, string>> | null;
  messageId?: string;
}

interface Decoded {
  record: AlertRecord;
  schema: AvroSchema;
  schemaVersion: string | undefined;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** The top-level record's full name, e.g. `ztf.alert`, `lsst.v9_0.alert`, `topLevelRecord`. */
function fullName(schema: AvroSchema): string {
  return [schema.json["namespace"], schema.json["name"]].filter(Boolean).join(".");
}

/** `lsst.v9_0.alert` → v9_0, `elasticc.v0_9.alert` → v0_9. */
function versionFromNamespace(schema: AvroSchema): string | undefined {
  return /(?:^|\.)(v\d+(?:_\d+)+)(?:\.|$)/.exec(fullName(schema))?.[1];
}

function rethrow(err: unknown, input: string): never {
  if (err instanceof AvroDecodeError) {
    throw new AlertDecodeError(err.reason, input, err.message.replace(`${err.input}: `, ""), {
      cause: err,
    });
  }
  throw err;
}

function decodeAlertBytes(bytes: Uint8Array, map: SchemaMap, options: AlertOptions): Decoded {
  const input = options.input ?? `${options.survey} alert`;
  const versionSource = map.fields.schemaVersionSource;
  try {
    if (isContainer(bytes)) {
      const { record, schema } = decodeSingleRecordContainer(bytes, input);
      const alert = record as AlertRecord;
      const schemavsn = alert["schemavsn"];
      const schemaVersion =
        versionSource === "header"
          ? (schemaVersionProperty(schema) ??
            (typeof schemavsn === "string" ? schemavsn : undefined))
          : versionFromNamespace(schema);
      return { record: alert, schema, schemaVersion };
    }
    if (versionSource === "wire" && isWireFormat(bytes)) {
      const message = decodeWireMessage(bytes, options.survey, input);
      const schema = bundledSchema(options.survey, message.schemaVersion);
      return {
        record: message.record as AlertRecord,
        schema,
        schemaVersion: message.schemaVersion,
      };
    }
    const version = options.schemaVersion ?? map.fields.defaultSchemaVersion;
    if (versionSource === "fixed" && version !== null) {
      const schema = bundledSchema(options.survey, version);
      const record = decodeDatum(bytes, schema, input) as AlertRecord;
      return { record, schema, schemaVersion: version };
    }
  } catch (err) {
    rethrow(err, input);
  }
  const formats =
    versionSource === "wire"
      ? "an Avro container file or Confluent wire format"
      : "an Avro container file";
  throw new AlertDecodeError(
    "unknown-format",
    input,
    `not ${formats}, the formats of ${options.survey} alerts (is the survey right?)`,
  );
}

function idString(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/**
 * The survey of an alert's bytes, for files given without one: Confluent wire format is LSST; a
 * container names its survey in the schema's namespace (ztf.alert, lsst.v7_1.alert, …), else the
 * survey whose schema map finds a source record with its time field (Spark's `topLevelRecord`).
 * Bare datums carry no clue: undefined.
 */
export function detectSurvey(bytes: Uint8Array): Survey | undefined {
  if (isWireFormat(bytes)) return "lsst";
  if (!isContainer(bytes)) return undefined;
  const { schema, records } = decodeContainer(bytes, "alert");
  const prefix = fullName(schema).split(".")[0] ?? "";
  if (isSurvey(prefix)) return prefix;
  const record = records[0] as AlertRecord | undefined;
  if (!record) return undefined;
  return SURVEYS.find((survey) => {
    const map = bundledSchemaMap(survey);
    return map.source(record)?.[map.fields.mjdRule.field] !== undefined;
  });
}

export class Alert {
  /** The alert's own object id (ZTF objectId, LSST diaObjectId or ssObjectId) as a string. */
  readonly objectId: string;
  /** The triggering source's id (ZTF candid, LSST diaSourceId) as a decimal string. */
  readonly sourceId: string;
  /** sourceId as a bigint, when the survey's source id is an integer (all bundled surveys). */
  readonly sourceIdBigInt: bigint | undefined;
  readonly ra: number | undefined;
  readonly dec: number | undefined;

  private constructor(
    readonly survey: Survey,
    /** The decoded record: longs as bigints, bytes as Buffers, cutouts included. */
    readonly record: AlertRecord,
    /** The writer schema (container) or the bundled schema it was decoded with. */
    readonly schema: AvroSchema,
    /** ZTF header version (e.g. "3.3"), LSST "v9_0", ELAsTiCC "v0_9"; see the module doc. */
    readonly schemaVersion: string | undefined,
    readonly schemaMap: SchemaMap,
    readonly attributes: Readonly<Record<string, string>>,
    input: string,
  ) {
    const objectId = idString(schemaMap.objectId(record));
    const sourceIdValue = schemaMap.sourceId(record);
    const sourceId = idString(sourceIdValue);
    if (objectId === undefined || sourceId === undefined) {
      const which = objectId === undefined ? "objectId" : "sourceId";
      const path = (
        which === "objectId" ? schemaMap.fields.objectIdPath : schemaMap.fields.sourceIdPath
      ).join(".");
      throw new AlertDecodeError(
        "missing-id",
        input,
        `no ${which} at ${path} (schema map ${schemaMap.origin}); the alert cannot be stored or deduplicated`,
      );
    }
    this.objectId = objectId;
    this.sourceId = sourceId;
    this.sourceIdBigInt = /^-?\d+$/.test(sourceId) ? BigInt(sourceId) : undefined;
    this.ra = schemaMap.ra(record);
    this.dec = schemaMap.dec(record);
  }

  static fromBytes(bytes: Uint8Array, options: AlertOptions): Alert {
    const map = options.schemaMap ?? bundledSchemaMap(options.survey);
    const { record, schema, schemaVersion } = decodeAlertBytes(bytes, map, options);
    const input = options.input ?? `${options.survey} alert`;
    return new Alert(
      options.survey,
      record,
      schema,
      schemaVersion,
      map,
      options.attributes ?? {},
      input,
    );
  }

  /**
   * From a Pub/Sub message; the survey comes from `options.survey`, else the message's `survey`
   * attribute (derived streams carry one; the `alerts` topic does not).
   */
  static fromMessage(message: PubSubMessageLike, options: Partial<AlertOptions> = {}): Alert {
    const attributes = message.attributes ?? {};
    const input = options.input ?? `message ${message.messageId ?? "(no id)"}`;
    const survey = options.survey ?? attributes["survey"];
    if (survey === undefined || !isSurvey(survey)) {
      throw new AlertDecodeError(
        "unknown-survey",
        input,
        `survey ${JSON.stringify(survey)} is not one of ${SURVEYS.join(", ")}; pass options.survey`,
      );
    }
    return Alert.fromBytes(message.data, { ...options, survey, attributes, input });
  }

  /**
   * From a file (gzip is undone). Without `options.survey` the survey is recognised from the bytes
   * (see detectSurvey); a bare datum needs survey and schemaVersion.
   */
  static fromFile(path: string, options: Partial<AlertOptions> = {}): Alert {
    let bytes: Buffer = readFileSync(path);
    if (bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]) bytes = gunzipSync(bytes);
    let survey = options.survey;
    if (survey === undefined) {
      try {
        survey = detectSurvey(bytes);
      } catch (err) {
        rethrow(err, path);
      }
    }
    if (survey === undefined) {
      throw new AlertDecodeError(
        "unknown-survey",
        path,
        `cannot tell the survey from the bytes; pass the survey (one of ${SURVEYS.join(", ")}) ` +
          "and, for a bare datum, the schema version",
      );
    }
    return Alert.fromBytes(bytes, { ...options, survey, input: path });
  }

  /** The triggering source record (candidate, diaSource, …). */
  get source(): AlertRecord | undefined {
    return this.schemaMap.source(this.record);
  }

  /** The previous sources; null when the alert carries none. */
  get prvSources(): AlertRecord[] | null {
    return this.schemaMap.prvSources(this.record);
  }

  /** The previous forced-photometry records (LSST prvDiaForcedSources); null when none. */
  get forcedSources(): AlertRecord[] | null {
    return this.schemaMap.forcedSources(this.record);
  }

  /** The alert as a plain object in schema field order; cutouts are left out unless asked for. */
  dict(options: { cutouts?: boolean } = {}): Record<string, unknown> {
    const dict: Record<string, unknown> = { ...this.record };
    if (!options.cutouts)
      for (const field of this.schemaMap.fields.cutoutFields) delete dict[field];
    return dict;
  }

  /**
   * pittgoogle-client's attributes of this alert (docs/streams.md): the survey-named ids,
   * schema_version, healpix9/19/29, n_previous_detections.
   */
  streamAttributes(): Record<string, string> {
    return recordAttributes(this.schemaMap, this.record, this, this.schemaVersion);
  }

  /**
   * String attributes of a message derived from this alert: streamAttributes, `survey`, and
   * kafka.topic / kafka.timestamp from the input message.
   */
  derivedAttributes(): Record<string, string> {
    const attributes: Record<string, string> = {
      ...this.streamAttributes(),
      survey: this.survey,
    };
    for (const key of ["kafka.topic", "kafka.timestamp"]) {
      const value = this.attributes[key];
      if (value !== undefined) attributes[key] = value;
    }
    return attributes;
  }
}
