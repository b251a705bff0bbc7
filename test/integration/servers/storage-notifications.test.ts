/**
 * Cloud Storage → Pub/Sub notifications as fake-gcs-server gives them, compared with the real
 * service's JSON_API_V1 notifications. Findings in docs/local-servers.md.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Message, Subscription } from "@google-cloud/pubsub";
import { pubsubClient, storageClient } from "@pgb/broker-utils/gcp";
import { startService, stopService } from "@pgb/local";
import { afterAll, describe, expect, it } from "vitest";
import { uniqueName } from "../../support/names.js";
import { servers, TEST_PROJECT } from "../../support/services.js";

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

/** A port p with p and p+1 free on loopback (the storage front and the emulator behind it). */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
      });
    });
    if (port === 0 || port >= 65535) continue;
    const second = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(port + 1, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (second) return port;
  }
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
    const stateDir = await mkdtemp(join(tmpdir(), "pgb-storage-"));
    const port = await freePortPair();
    const options = {
      stateDir,
      services: ["storage" as const],
      ports: { storage: port, pubsub: Number(servers().pubsubHost.split(":")[1]) },
      progress: () => undefined,
    };
    cleanups.push(
      () => rm(stateDir, { recursive: true, force: true }),
      () => stopService("storage", options),
    );
    const endpoints = await startService("storage", {
      ...options,
      storageNotification: {
        project: TEST_PROJECT,
        topic: topic.name.split("/").pop() ?? "",
        events: ["finalize", "delete"],
      },
    });
    // a client for this second server: the client reads STORAGE_EMULATOR_HOST when constructed,
    // and the workers' value names the shared server
    const shared = process.env["STORAGE_EMULATOR_HOST"];
    process.env["STORAGE_EMULATOR_HOST"] = endpoints.storageHost;
    const storage = storageClient(TEST_PROJECT);
    process.env["STORAGE_EMULATOR_HOST"] = shared;
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
