/**
 * An alerts bucket in memory and the notifications Cloud Storage sends for it, for running the
 * handlers fed by the `alert_avros` notification (bq-sink, value-added) in process, with no
 * storage server (their unit tests, bench/storage and bench/value-added): `store` keeps the bytes as
 * upload-bytes-to-bucket would and returns the OBJECT_FINALIZE message of a JSON_API_V1
 * notification (attributes and object resource as GCS and fake-gcs-server send them,
 * test/integration/servers/storage-notifications.test.ts).
 */
import { objectNotificationAttributes } from "@pgb/broker-utils/gcp";
import type { PubSubMessage, StoredAlertSource } from "@pgb/function-runtime";

export interface MemoryBucket extends StoredAlertSource {
  /** Stored objects by name: bytes and generation. */
  objects: Map<string, { bytes: Buffer; generation: string }>;
  /** Names (and generations) read, in order. */
  reads: string[];
  /** Stores the object (a new generation if it exists) and returns its notification. */
  store(name: string, bytes: Buffer, metadata?: Record<string, string>): PubSubMessage;
}

let nextId = 1;
let nextGeneration = 1_700_000_000_000_000;

/** The notification of `eventType` for an object of `bucket`, as GCS publishes it. */
export function notificationMessage(
  bucket: string,
  name: string,
  options: {
    eventType?: string;
    generation?: string;
    metadata?: Record<string, string>;
    size?: number;
  } = {},
): PubSubMessage {
  const generation = options.generation ?? String(nextGeneration++);
  const resource = {
    kind: "storage#object",
    id: `${bucket}/${name}/${generation}`,
    name,
    bucket,
    generation,
    metageneration: "1",
    contentType: "application/avro",
    size: String(options.size ?? 0),
    ...(options.metadata ? { metadata: options.metadata } : {}),
  };
  return {
    data: Buffer.from(JSON.stringify(resource), "utf8"),
    attributes: objectNotificationAttributes(
      bucket,
      name,
      generation,
      options.eventType ?? "OBJECT_FINALIZE",
      "2026-12-07T04:00:00Z",
    ),
    messageId: `n${nextId++}`,
    publishTime: "2026-12-07T04:00:00.100Z",
  };
}

export function memoryBucket(bucket = "pgb-test-ztf-alert_avros-unit"): MemoryBucket {
  const objects = new Map<string, { bytes: Buffer; generation: string }>();
  const reads: string[] = [];
  return {
    bucket,
    objects,
    reads,
    async download(name, generation) {
      reads.push(generation ? `${name}#${generation}` : name);
      const object = objects.get(name);
      if (object === undefined) return undefined;
      return generation === undefined || generation === object.generation
        ? object.bytes
        : undefined;
    },
    store(name, bytes, metadata) {
      const message = notificationMessage(bucket, name, {
        metadata: metadata ?? {},
        size: bytes.length,
      });
      objects.set(name, { bytes, generation: message.attributes["objectGeneration"]! });
      return message;
    },
  };
}
