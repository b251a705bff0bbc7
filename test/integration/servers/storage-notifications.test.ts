/**
 * Cloud Storage → Pub/Sub notifications as fake-gcs-server gives them, compared with the real
 * service's JSON_API_V1 notifications. Findings in docs/local-servers.md.
 */
import type { Message, Subscription } from "@google-cloud/pubsub";
import { pubsubClient, storageClient } from "@pgb/broker-utils/gcp";
import { afterAll, describe, expect, it } from "vitest";
import { uniqueName } from "../../support/names.js";
import { withEnv } from "@pgb/local";
import { privateServers } from "../../support/private-servers.js";
import { TEST_PROJECT } from "../../support/services.js";

/** Collects messages until `count` arrived (or the timeout), then a little longer for extras. */
async function collect(subscription: Subscription, count: number, timeoutMs = 20_000) {
  const messages: Message[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, timeoutMs);
    subscription.on("error", reject);
    subscription.on("message", (m: Message) => {
      m.ack();
      messages.push(m);
      if (messages.length === count) {
        clearTimeout(timer);
        setTimeout(resolve, 1_000);
      }
    });
  });
  await subscription.close();
  return messages;
}

describe("Cloud Storage notifications to Pub/Sub (fake-gcs-server)", () => {
  const pubsub = pubsubClient(TEST_PROJECT);
  const cleanups: (() => Promise<unknown>)[] = [];

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await pubsub.close();
  });

  async function topicWithSubscription(prefix: string) {
    const [topic] = await pubsub.createTopic(uniqueName(prefix));
    const [subscription] = await topic.createSubscription(uniqueName(`${prefix}_sub`));
    cleanups.push(
      () => subscription.delete(),
      () => topic.delete(),
    );
    return { topic, subscription };
  }

  it("publishes per-bucket notification configs (JSON_API_V1) like the real service", async () => {
    const storage = storageClient(TEST_PROJECT);
    const { topic, subscription } = await topicWithSubscription("gcs_events");
    const [bucket] = await storage.createBucket(uniqueName("notified"));
    cleanups.push(
      () => bucket.delete(),
      () => bucket.deleteFiles({ force: true }),
    );
    const [config] = await bucket.createNotification(topic.name, {
      payloadFormat: "JSON_API_V1",
      eventTypes: ["OBJECT_FINALIZE"],
    });
    expect(config.id).toBeTruthy();
    expect((await bucket.getNotifications())[0]).toHaveLength(1);

    const file = bucket.file("ztf/1642404680815015001.avro");
    await file.save(Buffer.from("avro-bytes"), {
      resumable: false,
      contentType: "application/avro-binary",
      metadata: { metadata: { candid: "1642404680815015001", objectId: "ZTF21aaa" } },
    });
    const [object] = await file.getMetadata();
    // OBJECT_METADATA_UPDATE, which the config filters out; fake-gcs-server gives the object a new
    // generation here, where the real service only increments metageneration
    await file.setMetadata({ metadata: { extra: "1" } });
    const [patched] = await file.getMetadata();
    expect(patched.generation).not.toBe(object.generation);

    const messages = await collect(subscription, 1);
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(message?.attributes).toMatchObject({
      bucketId: bucket.name,
      objectId: "ztf/1642404680815015001.avro",
      eventType: "OBJECT_FINALIZE",
      payloadFormat: "JSON_API_V1",
      objectGeneration: String(object.generation),
    });
    expect(message?.attributes["eventTime"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // the real service also sends notificationConfig (projects/_/buckets/<b>/notificationConfigs/<id>)
    expect(message?.attributes["notificationConfig"]).toBeUndefined();

    const data = JSON.parse(message?.data.toString() ?? "{}") as Record<string, unknown>;
    expect(data).toMatchObject({
      kind: "storage#object",
      name: "ztf/1642404680815015001.avro",
      bucket: bucket.name,
      generation: String(object.generation),
      size: "10",
      contentType: "application/avro-binary",
      metadata: { candid: "1642404680815015001", objectId: "ZTF21aaa" },
    });
    expect(data["md5Hash"]).toBe(object.md5Hash);
    expect(data["crc32c"]).toBe(object.crc32c);
  });

  it("honours objectNamePrefix, custom attributes and payloadFormat NONE", async () => {
    const storage = storageClient(TEST_PROJECT);
    const { topic, subscription } = await topicWithSubscription("gcs_prefix");
    const [bucket] = await storage.createBucket(uniqueName("prefixed"));
    cleanups.push(
      () => bucket.delete(),
      () => bucket.deleteFiles({ force: true }),
    );
    await bucket.createNotification(topic.name, {
      payloadFormat: "NONE",
      objectNamePrefix: "keep/",
      customAttributes: { survey: "ztf" },
    });
    await bucket.file("skip/a.avro").save("a", { resumable: false });
    await bucket.file("keep/b.avro").save("b", { resumable: false });

    const messages = await collect(subscription, 1);
    expect(messages.map((m) => m.attributes["objectId"])).toEqual(["keep/b.avro"]);
    expect(messages[0]?.attributes["survey"]).toBe("ztf");
    expect(messages[0]?.data.length).toBe(0);
  });

  it("also publishes to one server-wide topic fixed at start (a second storage server)", async () => {
    const { topic, subscription } = await topicWithSubscription("gcs_server_wide");
    // a private storage server: the flags are fixed at start, and the shared one must not restart
    const own = await privateServers(["storage"], {
      storageNotification: {
        project: TEST_PROJECT,
        topic: topic.name.split("/").pop() ?? "",
        events: ["finalize", "delete"],
      },
    });
    cleanups.push(() => own.close());
    const storage = withEnv(own.env, () => storageClient(TEST_PROJECT));
    const [bucket] = await storage.createBucket(uniqueName("wide"));
    const file = bucket.file("x.avro");
    await file.save("x", { resumable: false });
    await file.delete();

    const messages = await collect(subscription, 2);
    expect(messages.map((m) => m.attributes["eventType"]).sort()).toEqual([
      "OBJECT_DELETE",
      "OBJECT_FINALIZE",
    ]);
    expect(messages.every((m) => m.attributes["bucketId"] === bucket.name)).toBe(true);
  });
});
