/**
 * Malformed Kafka values through the consumer program: the bad-input corpus of the storage
 * functions (../storage/corpus.ts: empty, not Avro, truncated, corrupt, wrong schema, unknown
 * schema, NaN and out-of-range fields, 6–7 MB values) as Kafka values, plus a null value, random
 * bytes and a 9 MB value. A null or empty value is stored in rejected/ with reason `empty` and never
 * published; every other value is published byte-identical (with ids only when it decodes), the
 * consumer never stops, every good alert produced after them is published with its ids, and every
 * offset is committed.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { pubsubClient, storageClient } from "@pgb/broker-utils/gcp";
import { uniqueName } from "../../support/names.js";
import { servers, TEST_PROJECT } from "../../support/services.js";
import { readData } from "@pgb/test-data";
import { ZTF_KIT } from "@pgb/test-data/ztf-kit";
import { buildCorpus } from "../storage/corpus.js";
import {
  consumerSuite,
  Collector,
  ConsumerProcess,
  consumerEnv,
  expectedAttributes,
  kafkaClient,
  offsetKey,
  produce,
  scratchResources,
} from "./harness.js";

const TIMESTAMP = "1795861741000";

describe("consumer: malformed Kafka values", () => {
  const pubsub = pubsubClient(TEST_PROJECT);
  const storage = storageClient(TEST_PROJECT);
  const kafka = kafkaClient(servers().kafkaBootstrap);
  const suite = consumerSuite(kafka);

  it("rejects null and empty values (reason empty), publishes every other one as it came, and then every good alert", async () => {
    const { topic, subscription, bucket } = await scratchResources(suite, pubsub, storage);
    const kafkaTopic = uniqueName("ztf_bad_values");
    await suite.admin.createTopics({
      topics: [
        {
          topic: kafkaTopic,
          numPartitions: 1,
          configEntries: [{ name: "max.message.bytes", value: "12000000" }],
        },
      ],
      waitForLeaders: true,
    });

    // a null value cannot go through produce() (it records values): sent first, at offset 0
    await suite.producer.send({
      topic: kafkaTopic,
      acks: -1,
      messages: [{ partition: 0, value: null, timestamp: TIMESTAMP }],
    });
    const malformed = [
      ...buildCorpus()
        .filter((c) => c.survey === "ztf")
        .map((c) => c.data),
      randomBytes(1024),
      randomBytes(9 * 1024 * 1024),
    ];
    const bad = await produce(
      suite.producer,
      kafkaTopic,
      malformed.map((value) => ({ partition: 0, value, timestamp: TIMESTAMP })),
    );
    const good = await produce(
      suite.producer,
      kafkaTopic,
      ZTF_KIT.filter((k) => k.exgal).map((k) => ({
        partition: 0,
        value: readData(k.file),
        timestamp: TIMESTAMP,
      })),
    );
    const empty = [{ partition: 0, offset: "0" }, ...bad.filter((p) => p.value.length === 0)];
    const published = [...bad, ...good].filter((p) => p.value.length > 0);
    expect(malformed.length + 1).toBeGreaterThanOrEqual(10);
    expect(empty).toHaveLength(2);

    const groupId = uniqueName("bad_values_consumer");
    const consumer = new ConsumerProcess(
      suite.main,
      consumerEnv({
        ALERTS_TOPIC: topic.name.split("/").pop()!,
        BROKER_FILES_BUCKET: bucket,
        KAFKA_GROUP_ID: groupId,
        KAFKA_TOPIC: kafkaTopic,
      }),
    );
    suite.cleanups.push(async () => consumer.signal("SIGKILL"));
    const collector = new Collector(pubsub, subscription.name, { keepData: true });
    suite.cleanups.push(() => collector.stop());
    expect(await collector.waitFor(published.map(offsetKey), 90_000)).toEqual([]);
    const names = empty.map((p) => `rejected/consumer/${kafkaTopic}/0-${p.offset}.bin`);
    for (const name of names) {
      await consumer.waitFor(
        (l) => l.severity === "ERROR" && l.message.includes(`storing it as ${name}`),
        30_000,
      );
    }
    consumer.signal("SIGTERM");
    expect(await consumer.exit).toEqual({ code: 0, signal: null });
    await collector.drain();

    // published: every non-empty value once, byte-identical, ids only when it decodes
    expect(collector.deliveries).toBe(published.length);
    for (const p of published) {
      const [got] = collector.byOffset.get(offsetKey(p))!;
      expect(got!.data!.equals(p.value), offsetKey(p)).toBe(true);
      expect(got!.attributes).toEqual(expectedAttributes("ztf", kafkaTopic, p, TIMESTAMP));
    }
    for (const p of good) {
      expect(collector.byOffset.get(offsetKey(p))![0]!.attributes["candid"]).toBeDefined();
    }
    // rejected: the null and the empty value, with their coordinates and the reason
    for (const [i, name] of names.entries()) {
      const [metadata] = await storage.bucket(bucket).file(name).getMetadata();
      expect(Number(metadata.size)).toBe(0);
      expect(metadata.metadata).toMatchObject({
        "kafka.topic": kafkaTopic,
        "kafka.partition": "0",
        "kafka.offset": empty[i]!.offset,
        reason: "empty",
      });
      expect(collector.byOffset.has(offsetKey(empty[i]!))).toBe(false);
    }
    expect(consumer.lines.filter((l) => l.severity === "ERROR")).toHaveLength(2);
    // every offset committed, the rejected ones included
    const [committed] = await suite.admin.fetchOffsets({ groupId, topics: [kafkaTopic] });
    const [end] = await suite.admin.fetchTopicOffsets(kafkaTopic);
    expect(committed!.partitions).toEqual([
      expect.objectContaining({ partition: 0, offset: end!.high }),
    ]);
  });
});
