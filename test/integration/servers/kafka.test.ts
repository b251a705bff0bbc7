import { Kafka, logLevel, Partitioners } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "../../support/names.js";
import { servers } from "../../support/services.js";

describe("Kafka (KRaft, single node)", () => {
  const kafka = new Kafka({
    clientId: "pgb-test",
    brokers: [servers().kafkaBootstrap],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const topics: string[] = [];

  beforeAll(async () => {
    await admin.connect();
  });
  afterAll(async () => {
    // the broker keeps its data across runs; tests leave no topics behind
    if (topics.length > 0) await admin.deleteTopics({ topics });
    await admin.disconnect();
  });

  it("the workers inherit the endpoints the global setup put in the environment", () => {
    expect(process.env["KAFKA_BOOTSTRAP_SERVERS"]).toBe(servers().kafkaBootstrap);
  });

  it("produces and consumes messages with keys and headers", async () => {
    const topic = uniqueName("kafka_smoke");
    topics.push(topic);
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const sent = Array.from({ length: 20 }, (_, i) => ({
      key: `k${i % 4}`,
      value: `alert-${i}`,
      headers: { candid: `16424046808150150${String(i).padStart(2, "0")}` },
    }));
    await producer.send({ topic, messages: sent });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName("group") });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: { value: string; candid: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timed out consuming")), 60_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          received.push({
            value: message.value?.toString() ?? "",
            candid: message.headers?.["candid"]?.toString() ?? "",
          });
          if (received.length === sent.length) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    expect(received.map((r) => r.value).sort()).toEqual(sent.map((m) => m.value).sort());
    expect(received.find((r) => r.value === "alert-7")?.candid).toBe("1642404680815015007");
  });

  it("does not create topics automatically (a consumer must wait for them)", async () => {
    const topic = uniqueName("kafka_absent");
    const producer = kafka.producer({
      allowAutoTopicCreation: true,
      retry: { retries: 1, initialRetryTime: 100 },
    });
    await producer.connect();
    await expect(producer.send({ topic, messages: [{ value: "x" }] })).rejects.toThrow();
    await producer.disconnect();
    expect(await admin.listTopics()).not.toContain(topic);
  });
});
