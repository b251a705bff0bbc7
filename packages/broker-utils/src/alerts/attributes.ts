/**
 * Pub/Sub attributes of the broker's alert streams, named as pittgoogle-client names them
 * (`Alert._add_attributes`), so a subscription filter or a client written for Pitt-Google's streams
 * works on ours: the ids under the survey's own field path joined by `_` (ZTF `objectId`, `candid`;
 * LSST `diaObject_diaObjectId` or `ssSource_ssObjectId`, `diaSource_diaSourceId`),
 * `schema_version`, `healpix9`/`healpix19`/`healpix29` (NESTED pixel at the source's ra/dec) and
 * `n_previous_detections` (entries of the previous-sources array, as pittgoogle counts them). All
 * values are strings, 64-bit ids and order-29 pixels in full decimal digits.
 */
import { HEALPIX_ORDERS, healpixNested } from "../healpix/index.js";
import {
  bundledSchemaMap,
  SURVEYS,
  type AlertRecord,
  type FieldPath,
  type SchemaMap,
} from "../schema-maps/index.js";

/** What the attributes are made of; every id as a string (64-bit ids in decimal). */
export interface AlertAttributeValues {
  readonly objectIdPath: FieldPath;
  readonly objectId: string;
  readonly sourceIdPath: FieldPath;
  readonly sourceId: string;
  readonly schemaVersion: string | undefined;
  readonly ra: number | undefined;
  readonly dec: number | undefined;
  /** Length of the previous-sources array; undefined when it was not read. */
  readonly previousSources: number | undefined;
}

/** The attribute name of a field path: pittgoogle joins a nested path with `_`. */
export function attributeName(path: FieldPath): string {
  return path.join("_");
}

function onSky(ra: number | undefined, dec: number | undefined): ra is number {
  return ra !== undefined && dec !== undefined && ra >= 0 && ra <= 360 && dec >= -90 && dec <= 90;
}

/**
 * The pittgoogle-style attributes of one alert. A position off the sky (or missing) leaves out the
 * healpix attributes rather than inventing a pixel; the ids are always there.
 */
export function alertAttributes(values: AlertAttributeValues): Record<string, string> {
  const out: Record<string, string> = {
    [attributeName(values.objectIdPath)]: values.objectId,
    [attributeName(values.sourceIdPath)]: values.sourceId,
  };
  if (values.schemaVersion !== undefined) out["schema_version"] = values.schemaVersion;
  if (onSky(values.ra, values.dec)) {
    for (const order of HEALPIX_ORDERS) {
      out[`healpix${order}`] = healpixNested(values.ra, values.dec!, order).toString();
    }
  }
  if (values.previousSources !== undefined) {
    out["n_previous_detections"] = String(values.previousSources);
  }
  return out;
}

/**
 * The attributes of a decoded record (whole, or projected to the fields the map's paths name):
 * `ids` are its objectId and sourceId as strings, already checked by the caller.
 */
export function recordAttributes(
  map: SchemaMap,
  record: AlertRecord,
  ids: { objectId: string; sourceId: string },
  schemaVersion: string | undefined,
): Record<string, string> {
  return alertAttributes({
    objectIdPath: map.objectIdPathOf(record),
    objectId: ids.objectId,
    sourceIdPath: map.fields.sourceIdPath,
    sourceId: ids.sourceId,
    schemaVersion,
    ra: map.ra(record),
    dec: map.dec(record),
    previousSources: map.prvSources(record)?.length ?? 0,
  });
}

/**
 * objectId and sourceId of a message of our streams, read back from its attributes under any
 * bundled survey's names, or the generic `sourceId` of a stored object's metadata (for logs and
 * listings of messages that are not decoded, whose survey the reader may not know); undefined where
 * the message has none.
 */
export function idsFromAttributes(attributes: Readonly<Record<string, string>>): {
  objectId: string | undefined;
  sourceId: string | undefined;
} {
  let objectId: string | undefined;
  let sourceId: string | undefined;
  for (const survey of SURVEYS) {
    const { objectIdPath, ssObjectIdPaths, sourceIdPath } = bundledSchemaMap(survey).fields;
    for (const path of [objectIdPath, ...ssObjectIdPaths]) {
      objectId ??= attributes[attributeName(path)];
    }
    sourceId ??= attributes[attributeName(sourceIdPath)];
  }
  return { objectId, sourceId: sourceId ?? attributes["sourceId"] };
}
