/**
 * Cloud Storage's Pub/Sub notifications (docs/spec/broker.md §4.6): a message whose attributes are
 * the bucket's (`eventType`, `bucketId`, `objectId` = the object's name, `objectGeneration`,
 * `payloadFormat`) and whose data, in format JSON_API_V1, is the object resource with its custom
 * `metadata`: for the alerts bucket, the alert's ids and the consumer's Kafka attributes (§4.4).
 */

/**
 * The attributes of the notification Cloud Storage publishes for an event on an object (format
 * JSON_API_V1), for who must send one itself: a local re-announce, fakes of the bucket.
 */
export function objectNotificationAttributes(
  bucket: string,
  name: string,
  generation: string,
  eventType: string,
  eventTime: string,
): Record<string, string> {
  return {
    bucketId: bucket,
    objectId: name,
    objectGeneration: generation,
    eventType,
    eventTime,
    payloadFormat: "JSON_API_V1",
  };
}

/** Whether a message's attributes are those of a Cloud Storage notification. */
export function isStorageNotification(attributes: Readonly<Record<string, unknown>>): boolean {
  return typeof attributes["eventType"] === "string" && typeof attributes["objectId"] === "string";
}

/**
 * The object's custom metadata in a JSON_API_V1 payload (`{}` when it has none), or undefined when
 * the data is no JSON object resource.
 */
export function notificationMetadata(data: Buffer): Record<string, string> | undefined {
  let resource: unknown;
  try {
    resource = JSON.parse(data.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof resource !== "object" || resource === null || Array.isArray(resource)) {
    return undefined;
  }
  const metadata = (resource as Record<string, unknown>)["metadata"];
  if (typeof metadata !== "object" || metadata === null) return {};
  return Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, String(v)]));
}

/**
 * The alert's attributes a message of ours carries: its own, or for a notification of the alerts
 * bucket (bq-sink's and value-added's input) the stored object's metadata, whose ids and Kafka
 * attributes upload-bytes-to-bucket copied from the alert's message.
 */
export function alertAttributesOf(
  attributes: Readonly<Record<string, string>>,
  data: Buffer,
): Record<string, string> {
  if (!isStorageNotification(attributes)) return { ...attributes };
  return notificationMetadata(data) ?? {};
}
