import { afterAll, describe, expect, it } from "vitest";
import { bigQueryTableSchema } from "@pgb/broker-utils/alerts";
import { bigqueryClient, pubsubClient, storageClient } from "@pgb/broker-utils/gcp";
import { instanceModel } from "@pgb/broker-utils/instance";
import { FUNCTIONS } from "@pgb/broker-utils/naming";
import {
  deprovisionInstance,
  provisionInstance,
  pushEndpoint,
} from "../../../local/src/instance/provision.js";

const testid = `prov${Date.now().toString(36)}`;
const model = instanceModel({
  survey: "ztf",
  testid,
  project: process.env["GOOGLE_CLOUD_PROJECT"] ?? "pgb-test",
  region: "us-central1",
  tableSchemas: bigQueryTableSchema,
});
const clients = { pubsub: pubsubClient(), storage: storageClient(), bigquery: bigqueryClient() };
const urls = Object.fromEntries(FUNCTIONS.map((fn, i) => [fn, `http://127.0.0.1:${18100 + i}`]));

afterAll(async () => {
  await deprovisionInstance(model, clients);
});

describe("provisioning an instance model on the local servers", () => {
  it("creates every topic, subscription, bucket, table and view, idempotently", async () => {
    const first = await provisionInstance(model, clients, urls);
    const expected =
      model.topics.length +
      model.subscriptions.length +
      model.buckets.length +
      model.notifications.length +
      1 +
      model.tables.length +
      model.views.length;
    expect(first.created).toHaveLength(expected);
    const again = await provisionInstance(model, clients, urls);
    expect(again.created).toEqual([]);
    expect(again.existing).toHaveLength(expected);
  });

  it("gives processing subscriptions the model's push endpoint and dead-letter policy", async () => {
    const spec = model.subscriptions.find((s) => s.purpose === "processing")!;
    const fn = model.functions.find((f) => f.name === spec.push!.function)!;
    const [meta] = await clients.pubsub.subscription(spec.name).getMetadata();
    expect(meta.pushConfig?.pushEndpoint).toBe(
      pushEndpoint(urls[fn.stub]!, model.keywords.project, spec.topic),
    );
    // locally: no retry policy (the emulator strands retries of such subscriptions) and 100 attempts
    expect(meta.deadLetterPolicy?.maxDeliveryAttempts).toBe(100);
    expect(meta.retryPolicy ?? null).toBeNull();
    expect(meta.deadLetterPolicy?.deadLetterTopic).toMatch(
      new RegExp(`/${spec.deadLetter!.topic}$`),
    );
  });

  it("publishes an object's finalize event to the notification topic (JSON payload)", async () => {
    const n = model.notifications[0]!;
    const [sub] = await clients.pubsub.topic(n.topic).createSubscription(`${n.topic}-probe`);
    try {
      await clients.storage
        .bucket(n.bucket)
        .file("t/ZTF1/1.avro")
        .save(Buffer.from("x"), { resumable: false, metadata: { metadata: { sourceId: "1" } } });
      const message = await new Promise<{ attributes: Record<string, string>; data: Buffer }>(
        (resolve) => sub.once("message", (m) => (m.ack(), resolve(m))),
      );
      expect(message.attributes).toMatchObject({
        eventType: "OBJECT_FINALIZE",
        payloadFormat: "JSON_API_V1",
        objectId: "t/ZTF1/1.avro",
      });
      expect(JSON.parse(message.data.toString()).metadata).toEqual({ sourceId: "1" });
    } finally {
      await sub.close();
      await sub.delete();
    }
  });

  it("creates queryable dedup views", async () => {
    for (const view of model.views) {
      const [rows] = await clients.bigquery.query({
        query: `SELECT COUNT(*) AS n FROM \`${model.dataset.name}.${view.name}\``,
      });
      expect(rows).toEqual([{ n: 0 }]);
    }
  });
});
