/**
 * Re-announcing stored alerts after a Pub/Sub data loss. bq-sink and value-added are fed the
 * `alert_avros` bucket notification, which Cloud Storage sends once, when an object is first
 * stored; a re-drive from Kafka stores nothing new (uploads are if-absent), so the notifications the
 * loss took would never come again. This publishes, for each object of the night's Kafka topic, the
 * message the notification sends (JSON_API_V1: the object resource, its metadata included), as an
 * operator would with `gcloud pubsub topics publish`. Real Pub/Sub loses no accepted message, so
 * this is for the local emulator, which keeps nothing across a restart.
 */
import type { PubSub } from "@google-cloud/pubsub";
import type { Storage } from "@google-cloud/storage";
import { createPublisher, objectNotificationAttributes } from "@pgb/broker-utils/gcp";

/** Publishes an OBJECT_FINALIZE notification for every object under `<kafkaTopic>/`; their count. */
export async function reannounceStoredAlerts(
  clients: { pubsub: PubSub; storage: Storage },
  bucket: string,
  notificationTopic: string,
  kafkaTopic: string,
): Promise<number> {
  const [files] = await clients.storage.bucket(bucket).getFiles({ prefix: `${kafkaTopic}/` });
  const publisher = createPublisher(clients.pubsub, notificationTopic);
  await Promise.all(
    files.map((f) =>
      publisher.publish(
        Buffer.from(JSON.stringify(f.metadata), "utf8"),
        objectNotificationAttributes(
          bucket,
          f.name,
          String(f.metadata.generation ?? ""),
          "OBJECT_FINALIZE",
          new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        ),
      ),
    ),
  );
  await publisher.flush();
  return files.length;
}
