/**
 * restartService / stopService on a private set of servers (test/support/private-servers.ts), as
 * outage and fault tests use them: what survives a restart, and that a stopped server is gone.
 */
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { pubsubClient } from "@pgb/broker-utils/gcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "../../support/names.js";
import { withEnv } from "@pgb/local";
import { privateServers, type PrivateServers } from "../../support/private-servers.js";
import { TEST_PROJECT } from "../../support/services.js";

describe("restarting and stopping servers (private copies)", () => {
  let own: PrivateServers;

  beforeAll(async () => {
    own = await privateServers(["kafka", "pubsub"]);
  });
  afterAll(async () => {
    await own?.close();
  });

  it("Kafka keeps topics and messages across a restart", async () => {
    const kafka = new Kafka({
      clientId: "pgb-restart-test",
      brokers: [own.endpoints.kafkaBootstrap],
      logLevel: logLevel.NOTHING,
    });
    const topic = uniqueName("kept");
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic, messages: [{ value: "before restart" }] });
    await producer.disconnect();

    await own.restart("kafka");

    const consumer = kafka.consumer({ groupId: uniqueName("group") });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const value = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timed out consuming")), 60_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve(message.value?.toString() ?? "");
        },
      });
    });
    await consumer.disconnect();
    expect(value).toBe("before restart");
  });

  it("the Pub/Sub emulator loses its topics on a restart, and a stopped one refuses connections", async () => {
    const pubsub = withEnv(own.env, () => pubsubClient(TEST_PROJECT));
    const name = uniqueName("lost");
    await pubsub.createTopic(name);
    expect((await pubsub.topic(name).exists())[0]).toBe(true);

    await own.restart("pubsub");
    expect((await pubsub.topic(name).exists())[0]).toBe(false);

    await own.stop("pubsub");
    const health = await fetch(`http://${own.endpoints.pubsubHost}/`).then(
      () => "answered",
      () => "refused",
    );
    expect(health).toBe("refused");
    await own.start("pubsub");
    await pubsub.close();
  });
});
