/**
 * upload-bytes-to-bucket (docs/spec/broker.md §4): stores each alert as one Avro object,
 * `{kafka.topic}/{objectId}/{sourceId}.avro`, written only if absent so a redelivered alert is
 * acknowledged as a duplicate instead of overwriting or doubling the stored one. ZTF 3.x alerts are
 * re-encoded with the schema fix; 4.x and everything else are stored byte for byte. The bucket's
 * OBJECT_FINALIZE notification then announces the object on `alert_avros`.
 */
import type { Alert } from "@pgb/broker-utils/alerts";
import { AvroDecodeError, fixZtfSchema, type ZtfSchemaFixOutcome } from "@pgb/broker-utils/avro";
import type { UploadOptions, UploadResult } from "@pgb/broker-utils/gcp";
import { alertAvroObject } from "@pgb/broker-utils/naming";
import { BadInputError, decodeAlertMessage, type Handler } from "@pgb/function-runtime";
import type { Survey } from "@pgb/broker-utils/schema-maps";

export interface UploadDeps {
  survey: Survey;
  /** Writes the object unless one of that name exists (`uploadIfAbsent` on ALERT_AVROS_BUCKET). */
  upload(name: string, bytes: Buffer, options: UploadOptions): Promise<UploadResult>;
}

export interface UploadOutcome {
  status: UploadResult["status"];
  object: string;
  /** What the ZTF schema fix did; `none` for other surveys. */
  schemaFix: ZtfSchemaFixOutcome | "none";
}

/** The Kafka attributes the consumer sets (docs/spec/broker.md §3), copied into the object metadata. */
const KAFKA_ATTRIBUTES = ["kafka.topic", "kafka.partition", "kafka.offset", "kafka.timestamp"];
/** Cloud Storage's limit on an object name, in UTF-8 bytes. */
const MAX_OBJECT_NAME_BYTES = 1024;

/**
 * One path segment of the object name. A `/` would add a level to the `{topic}/{objectId}/…`
 * layout readers rely on, and Cloud Storage refuses control characters and `.`/`..` names.
 */
function segment(what: string, value: string, input: string): string {
  // eslint-disable-next-line no-control-regex
  if (value === "." || value === ".." || /[/\u0000-\u001f\u007f]/.test(value)) {
    throw new BadInputError(
      "invalid-object-name",
      `${input}: ${what} ${JSON.stringify(value)} cannot be a segment of the object name ` +
        "(no '/', control characters, '.' or '..')",
    );
  }
  return value;
}

export function objectName(alert: Alert, input: string): string {
  const name = alertAvroObject(
    segment("kafka.topic", alert.attributes["kafka.topic"] ?? "", input),
    segment("objectId", alert.objectId, input),
    segment("sourceId", alert.sourceId, input),
  );
  if (Buffer.byteLength(name, "utf8") > MAX_OBJECT_NAME_BYTES) {
    throw new BadInputError(
      "invalid-object-name",
      `${input}: object name ${name.slice(0, 80)}… exceeds Cloud Storage's ${MAX_OBJECT_NAME_BYTES} bytes`,
    );
  }
  return name;
}

/** Object metadata (docs/spec/broker.md §4.4): the alert's ids and position, and the Kafka attributes. */
export function objectMetadata(alert: Alert): Record<string, string> {
  const metadata: Record<string, string> = { objectId: alert.objectId, sourceId: alert.sourceId };
  if (alert.schemaVersion !== undefined) metadata["schemaVersion"] = alert.schemaVersion;
  if (alert.ra !== undefined && Number.isFinite(alert.ra)) metadata["ra"] = String(alert.ra);
  if (alert.dec !== undefined && Number.isFinite(alert.dec)) metadata["dec"] = String(alert.dec);
  for (const key of KAFKA_ATTRIBUTES) {
    const value = alert.attributes[key];
    if (value !== undefined) metadata[key] = value;
  }
  return metadata;
}

export function createUploadHandler(deps: UploadDeps): Handler<UploadOutcome> {
  let duplicates = 0;
  return async (message, { log }) => {
    const input = `message ${message.messageId}`;
    const alert = decodeAlertMessage(message, deps.survey);
    let bytes = message.data;
    let schemaFix: UploadOutcome["schemaFix"] = "none";
    if (deps.survey === "ztf") {
      let fix;
      try {
        fix = fixZtfSchema(message.data, input);
      } catch (err) {
        if (err instanceof AvroDecodeError)
          throw new BadInputError(err.reason, err.message, { cause: err });
        throw err;
      }
      if (fix.warning !== undefined) log.warning(fix.warning, { sourceId: alert.sourceId });
      bytes = fix.bytes;
      schemaFix = fix.outcome;
    }
    const object = objectName(alert, input);
    const result = await deps.upload(object, bytes, {
      contentType: "application/avro",
      metadata: objectMetadata(alert),
    });
    if (result.status === "duplicate") {
      duplicates += 1;
      // a redelivery of a stored alert: acknowledged, counted, never overwritten (spec §4.5)
      log.info(`duplicate ${object}`, { object, outcome: "duplicate", duplicates });
    }
    return { status: result.status, object, schemaFix };
  };
}
