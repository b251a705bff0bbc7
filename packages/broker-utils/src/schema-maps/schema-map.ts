/**
 * A survey's schema map (docs/spec/broker.md §10): where the ids, source records, cutouts and photometry
 * fields sit in that survey's alerts. Parsed from YAML and validated; the accessors read a decoded
 * alert record with it.
 */
import { parse as parseYaml } from "yaml";
import { jdToMjd } from "../photometry/convert.js";
import type { Survey } from "./surveys.js";

/** A field name, or a path of names into nested records. */
export type FieldPath = readonly string[];

/** Where an alert's schema version comes from (spec §10 "schema version"). */
export type SchemaVersionSource = "header" | "wire" | "fixed" | "none";

/** A decoded alert or source record: field name → value. */
export type AlertRecord = Readonly<Record<string, unknown>>;

export class SchemaMapError extends Error {
  override name = "SchemaMapError";
}

const CUTOUT_KEYS = ["cutoutScience", "cutoutTemplate", "cutoutDifference"] as const;

const KEYS = [
  "TOPIC_SYNTAX",
  "FILTER_MAP",
  "BANDPASS_PREFIX",
  "SCHEMA_VERSION",
  "objectId",
  "ssObjectId",
  "sourceId",
  "source",
  "prvSources",
  "forcedSources",
  ...CUTOUT_KEYS,
  "filter",
  "mag",
  "magerr",
  "magzp",
  "flux",
  "fluxerr",
  "fluxZeroPoint",
  "mjd",
  "ra",
  "dec",
] as const;
const REQUIRED = ["objectId", "sourceId", "source", "filter", "mjd", "ra", "dec"] as const;

type Key = (typeof KEYS)[number];

/** Reads one key of the YAML document, failing with the key, the origin and what was expected. */
class Reader {
  constructor(
    private readonly doc: Record<string, unknown>,
    private readonly origin: string,
  ) {}

  fail(key: Key, expected: string): never {
    throw new SchemaMapError(
      `${this.origin}: ${key} must be ${expected}, got ${JSON.stringify(this.doc[key])}`,
    );
  }

  optionalString(key: Key): string | null {
    const value = this.doc[key] ?? null;
    if (value === null || (typeof value === "string" && value !== "")) return value;
    return this.fail(key, "a non-empty string or null");
  }

  string(key: Key): string {
    return this.optionalString(key) ?? this.fail(key, "a non-empty string");
  }

  optionalPath(key: Key): FieldPath | null {
    const value = this.doc[key] ?? null;
    if (value === null) return null;
    if (typeof value === "string" && value !== "") return [value];
    if (
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((part) => typeof part === "string" && part !== "")
    ) {
      return value as string[];
    }
    return this.fail(key, "a field name or a list of field names (a path)");
  }

  /** A path, or a list of paths tried in order; none when absent. */
  paths(key: Key): FieldPath[] {
    const value = this.doc[key] ?? null;
    if (Array.isArray(value) && value.length > 0 && value.every((v) => Array.isArray(v))) {
      return value.map((_, i) => new Reader({ [key]: value[i] }, this.origin).path(key));
    }
    const one = this.optionalPath(key);
    return one === null ? [] : [one];
  }

  path(key: Key): FieldPath {
    return this.optionalPath(key) ?? this.fail(key, "a field name or a path");
  }

  optionalNumber(key: Key): number | null {
    const value = this.doc[key] ?? null;
    if (value === null || (typeof value === "number" && Number.isFinite(value))) return value;
    return this.fail(key, "a number or null");
  }

  record(key: Key): Record<string, unknown> {
    const value = this.doc[key];
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
    return this.fail(key, "a mapping");
  }
}

export interface SchemaMapFields {
  readonly survey: Survey;
  /** Kafka topic with `yyyymmdd` for the UTC date; null = configured per instance. */
  readonly topicSyntax: string | null;
  /** Survey filter value (as a string) → band; null = the value is the band. */
  readonly filterMap: Readonly<Record<string, string>> | null;
  /** sncosmo bandpass name = prefix + lower-case band. */
  readonly bandpassPrefix: string;
  readonly schemaVersionSource: SchemaVersionSource;
  /**
   * Version the BigQuery tables are generated from when none is given; `all` = the union of every
   * bundled version (ALL_SCHEMA_VERSIONS of the alerts module).
   */
  readonly defaultSchemaVersion: string | null;
  readonly objectIdPath: FieldPath;
  /** Object id of solar-system alerts, used when objectIdPath holds nothing: the first path that holds one. */
  readonly ssObjectIdPaths: readonly FieldPath[];
  readonly sourceIdPath: FieldPath;
  /** Top-level field of the triggering source record. */
  readonly sourceField: string;
  /** Top-level field of the previous sources (array), if any. */
  readonly prvSourcesField: string | null;
  /**
   * Top-level field of the previous forced-photometry records (array), if the survey has them in
   * the same flux unit as its sources (LSST prvDiaForcedSources).
   */
  readonly forcedSourcesField: string | null;
  /** Top-level cutout fields. */
  readonly cutoutFields: readonly string[];
  /** Photometry fields of a source record. */
  readonly filterField: string;
  readonly magField: string | null;
  readonly magerrField: string | null;
  readonly magzpField: string | null;
  readonly fluxField: string | null;
  readonly fluxerrField: string | null;
  /** AB zero point of fluxField's unit (31.4 for nJy); null = use magzpField. */
  readonly fluxZeroPoint: number | null;
  /** Time field of a source record, as JD or MJD. */
  readonly mjdRule: { readonly field: string; readonly format: "jd" | "mjd" };
  readonly raPath: FieldPath;
  readonly decPath: FieldPath;
}

/** The value at a path, or undefined when a step is missing or null. */
export function valueAt(record: unknown, path: FieldPath): unknown {
  let value = record;
  for (const name of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value ?? undefined;
}

function finite(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** The array of records in a top-level field; null when the field is unnamed, null or absent. */
function records(alert: AlertRecord, field: string | null): AlertRecord[] | null {
  if (field === null) return null;
  const value = alert[field];
  return Array.isArray(value) ? (value as AlertRecord[]) : null;
}

/** A UTC date as yyyymmdd; a string must already be one. */
function yyyymmdd(date: Date | string): string {
  if (typeof date === "string") {
    if (/^\d{8}$/.test(date)) return date;
    throw new SchemaMapError(`topic date ${JSON.stringify(date)} is not yyyymmdd (e.g. 20240131)`);
  }
  return date.toISOString().slice(0, 10).replaceAll("-", "");
}

export class SchemaMap {
  constructor(
    readonly fields: SchemaMapFields,
    /** Where the map was read from (bundled file or bucket object), for messages. */
    readonly origin: string,
  ) {}

  /**
   * Parses and validates the YAML text of `survey`'s map; `origin` names it in errors. Long by
   * design: one check per key of the map, each with its own message.
   */
  static parse(text: string, survey: Survey, origin: string): SchemaMap {
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (err) {
      throw new SchemaMapError(`${origin}: not valid YAML: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
      throw new SchemaMapError(`${origin}: a schema map must be a YAML mapping of keys`);
    }
    const unknown = Object.keys(doc).filter((key) => !(KEYS as readonly string[]).includes(key));
    if (unknown.length > 0) {
      throw new SchemaMapError(
        `${origin}: unknown key(s) ${unknown.join(", ")}; the keys are ${KEYS.join(", ")}`,
      );
    }
    const missing = REQUIRED.filter((key) => !(key in doc));
    if (missing.length > 0) {
      throw new SchemaMapError(`${origin}: missing required key(s) ${missing.join(", ")}`);
    }
    const read = new Reader(doc as Record<string, unknown>, origin);

    const filterMapDoc = (doc as Record<string, unknown>)["FILTER_MAP"] ?? null;
    const filterMap =
      filterMapDoc === null
        ? null
        : Object.fromEntries(
            Object.entries(read.record("FILTER_MAP")).map(([from, band]) =>
              typeof band === "string" && band !== ""
                ? [from, band]
                : read.fail("FILTER_MAP", "a mapping of filter values to band names"),
            ),
          );

    const version = read.record("SCHEMA_VERSION");
    const versionSource = version["source"];
    if (!["header", "wire", "fixed", "none"].includes(String(versionSource))) {
      read.fail("SCHEMA_VERSION", "{source: header|wire|fixed|none, default: <version>|null}");
    }
    const defaultVersion = version["default"] ?? null;
    if (defaultVersion !== null && typeof defaultVersion !== "string") {
      read.fail("SCHEMA_VERSION", "a mapping whose default is a version string (quoted) or null");
    }

    const mjd = read.record("mjd");
    if (typeof mjd["field"] !== "string" || (mjd["format"] !== "jd" && mjd["format"] !== "mjd")) {
      read.fail("mjd", "{field: <name>, format: jd|mjd}");
    }

    return new SchemaMap(
      {
        survey,
        topicSyntax: read.optionalString("TOPIC_SYNTAX"),
        filterMap,
        bandpassPrefix: read.string("BANDPASS_PREFIX"),
        schemaVersionSource: versionSource as SchemaVersionSource,
        defaultSchemaVersion: defaultVersion as string | null,
        objectIdPath: read.path("objectId"),
        ssObjectIdPaths: read.paths("ssObjectId"),
        sourceIdPath: read.path("sourceId"),
        sourceField: read.string("source"),
        prvSourcesField: read.optionalString("prvSources"),
        forcedSourcesField: read.optionalString("forcedSources"),
        cutoutFields: CUTOUT_KEYS.map((key) => read.optionalString(key)).filter(
          (field): field is string => field !== null,
        ),
        filterField: read.string("filter"),
        magField: read.optionalString("mag"),
        magerrField: read.optionalString("magerr"),
        magzpField: read.optionalString("magzp"),
        fluxField: read.optionalString("flux"),
        fluxerrField: read.optionalString("fluxerr"),
        fluxZeroPoint: read.optionalNumber("fluxZeroPoint"),
        mjdRule: { field: mjd["field"] as string, format: mjd["format"] as "jd" | "mjd" },
        raPath: read.path("ra"),
        decPath: read.path("dec"),
      },
      origin,
    );
  }

  /** The object id (ZTF objectId, LSST diaObjectId, or ssObjectId for solar-system alerts). */
  objectId(alert: AlertRecord): unknown {
    return valueAt(alert, this.objectIdPathOf(alert));
  }

  /** The path objectId reads: objectIdPath, or the first ssObjectIdPaths entry that holds a value. */
  objectIdPathOf(alert: AlertRecord): FieldPath {
    const { objectIdPath, ssObjectIdPaths } = this.fields;
    if (valueAt(alert, objectIdPath) !== undefined) return objectIdPath;
    return ssObjectIdPaths.find((path) => valueAt(alert, path) !== undefined) ?? objectIdPath;
  }

  sourceId(alert: AlertRecord): unknown {
    return valueAt(alert, this.fields.sourceIdPath);
  }

  /** The triggering source record (candidate, diaSource, …), if present. */
  source(alert: AlertRecord): AlertRecord | undefined {
    const source = alert[this.fields.sourceField];
    return typeof source === "object" && source !== null ? (source as AlertRecord) : undefined;
  }

  /** The previous sources; null when the alert has none (the field is null or absent). */
  prvSources(alert: AlertRecord): AlertRecord[] | null {
    return records(alert, this.fields.prvSourcesField);
  }

  /** The previous forced-photometry records; null when the alert has none or the map names none. */
  forcedSources(alert: AlertRecord): AlertRecord[] | null {
    return records(alert, this.fields.forcedSourcesField);
  }

  /** The alert's cutouts that are present (not null), by field name. */
  cutouts(alert: AlertRecord): Record<string, unknown> {
    const present: Record<string, unknown> = {};
    for (const field of this.fields.cutoutFields) {
      const cutout = alert[field];
      if (cutout !== null && cutout !== undefined) present[field] = cutout;
    }
    return present;
  }

  ra(alert: AlertRecord): number | undefined {
    return finite(valueAt(alert, this.fields.raPath));
  }

  dec(alert: AlertRecord): number | undefined {
    return finite(valueAt(alert, this.fields.decPath));
  }

  /** The band of a source record (g, r, i, …), through FILTER_MAP; undefined if unmapped. */
  band(source: AlertRecord): string | undefined {
    const value = source[this.fields.filterField];
    if (value === null || value === undefined) return undefined;
    return this.fields.filterMap ? this.fields.filterMap[String(value)] : String(value);
  }

  /** The MJD of a source record by the mjd rule; undefined if missing or not finite. */
  mjd(source: AlertRecord): number | undefined {
    const time = finite(source[this.fields.mjdRule.field]);
    if (time === undefined) return undefined;
    return this.fields.mjdRule.format === "jd" ? jdToMjd(time) : time;
  }

  /** The Kafka topic for a UTC date (Date or yyyymmdd); a syntax without a date is used as is. */
  topic(date: Date | string): string {
    if (this.fields.topicSyntax === null) {
      throw new SchemaMapError(
        `${this.fields.survey} has no TOPIC_SYNTAX (${this.origin}); configure the Kafka topic (KAFKA_TOPIC)`,
      );
    }
    return this.fields.topicSyntax.replace("yyyymmdd", yyyymmdd(date));
  }
}
