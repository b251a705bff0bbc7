/**
 * The alert a function fed by the `alert_avros` bucket notification receives (docs/spec/broker.md
 * §4.6): the message names the Avro file upload-bytes-to-bucket stored, the function reads it and
 * decodes it with the object's metadata (the alert's ids and the consumer's Kafka attributes, §4.4)
 * as its attributes, so what it writes and publishes is what it was when pushed the alert itself.
 *
 * - An event other than OBJECT_FINALIZE (a metadata update, a delete, should the notification ever
 *   send them) announces no new alert: `ignored`, for the handler to log and acknowledge.
 * - A message that is no notification of the instance's bucket, or whose object no longer exists,
 *   can never succeed: bad input, dead-lettered at once with the message (the notification) kept.
 * - A stored file that is not one alert: bad input with the decoder's reason, as a pushed alert.
 * - A failing read is rethrown: Pub/Sub retries it, then dead-letters it.
 */
import type { Alert } from "@pgb/broker-utils/alerts";
import type { Storage } from "@google-cloud/storage";
import {
  downloadIfExists,
  isStorageNotification,
  notificationMetadata,
} from "@pgb/broker-utils/gcp";
import type { Handler, HandlerContext } from "./adapter.js";
import type { Survey } from "@pgb/broker-utils/schema-maps";
import { decodeAlertMessage } from "./alert.js";
import { BadInputError } from "./errors.js";
import type { PubSubMessage } from "./message.js";

export interface StoredAlertSource {
  /** The bucket the notification must come from (ALERT_AVROS_BUCKET). */
  bucket: string;
  /** The object's bytes (of that generation, if given), or undefined when it does not exist. */
  download(name: string, generation: string | undefined): Promise<Buffer | undefined>;
}

/** The alerts bucket on Cloud Storage (a function's ALERT_AVROS_BUCKET). */
export function bucketAlertSource(storage: Storage, bucket: string): StoredAlertSource {
  return {
    bucket,
    download: (name, generation) => downloadIfExists(storage, bucket, name, generation),
  };
}

export interface StoredAlert {
  alert: Alert;
  /** The object's name in the bucket. */
  object: string;
}

/** The outcome of a notification of another event: which event, of which object. */
export interface Ignored {
  ignored: string;
}

const FINALIZE = "OBJECT_FINALIZE";

export async function readStoredAlert(
  message: PubSubMessage,
  survey: Survey,
  source: StoredAlertSource,
): Promise<StoredAlert | Ignored> {
  const a = message.attributes;
  const what = `message ${message.messageId}`;
  if (!isStorageNotification(a)) {
    throw new BadInputError(
      "not-a-notification",
      `${what} is not a Cloud Storage notification (no eventType or objectId attribute): this ` +
        `function is fed by the notifications of ${source.bucket}; an alert itself goes to the ` +
        "alerts topic (upload-bytes-to-bucket stores it, then its notification comes here)",
    );
  }
  if (a["eventType"] !== FINALIZE) {
    return { ignored: `${a["eventType"]} of gs://${a["bucketId"] ?? "?"}/${a["objectId"]}` };
  }
  if (a["bucketId"] !== source.bucket) {
    throw new BadInputError(
      "wrong-bucket",
      `${what} announces gs://${a["bucketId"] ?? "(no bucketId)"}/${a["objectId"]}, not an object ` +
        `of ${source.bucket}: only that bucket's notification may feed this function`,
    );
  }
  const metadata = notificationMetadata(message.data);
  if (metadata === undefined) {
    throw new BadInputError(
      "invalid-notification",
      `${what}: its data is not the JSON object resource of a JSON_API_V1 notification; ` +
        "the bucket's notification must use payload format JSON_API_V1 (the instance model's)",
    );
  }
  const name = a["objectId"] ?? "";
  const generation = a["objectGeneration"];
  const object = `gs://${source.bucket}/${name}${generation ? `#${generation}` : ""}`;
  const bytes = await source.download(name, generation);
  if (bytes === undefined) {
    throw new BadInputError(
      "object-missing",
      `${what} announces ${object}, which does not exist (deleted since it was stored?): ` +
        "to process the alert again, publish it from the alerts reservoir",
    );
  }
  const alert = decodeAlertMessage(
    { ...message, data: bytes, attributes: metadata },
    survey,
    `${object} (${what})`,
  );
  return { alert, object: name };
}

/**
 * A handler of the notifications of the alerts bucket around a handler of one stored alert: reads
 * the alert, or logs an event that announces none and acknowledges it.
 */
export function storedAlertHandler<R>(
  survey: Survey,
  source: StoredAlertSource,
  handle: (stored: StoredAlert, message: PubSubMessage, context: HandlerContext) => Promise<R>,
): Handler<R | Ignored> {
  return async (message, context) => {
    const stored = await readStoredAlert(message, survey, source);
    if ("ignored" in stored) {
      context.log.info(`ignored: ${stored.ignored} announces no new alert`, {
        outcome: "ignored",
        eventType: message.attributes["eventType"],
      });
      return stored;
    }
    return handle(stored, message, context);
  };
}
