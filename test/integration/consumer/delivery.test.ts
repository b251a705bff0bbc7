/**
 * The consumer program against the local Kafka, Pub/Sub and Cloud Storage servers: every sample
 * alert arrives byte-identical with its attributes, the topic may appear late, an oversized value
 * goes to rejected/, and SIGTERM commits everything it published.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import type { Subscription, Topic } from "@google-cloud/pubsub";
import { describe, expect, it } from "vitest";
import { pubsubClient, storageClient } from "@pgb/broker-utils/gcp";
import { uniqueName } from "../../support/names.js";
import { dataPath } from "@pgb/test-data";
import { servers, TEST_PROJECT } from "../../support/services.js";
import {
  consumerSuite,
  Collector,
  ConsumerProcess,
  consumerEnv,
  CLIENTS,
  expectedAttributes,
  kafkaClient,
  offsetKey,
  produce,
  scratchResources,
} from "./harness.js";

function sampleFiles(survey: "ztf" | "lsst"): string[] {
  return execFileSync("find", [dataPath(survey, "alerts"), "-type", "f", "-name", "*.avro"])
    .toString()
    .trim()
    .split("\n")
    .sort();
}

describe.each(CLIENTS)("consumer (%s): Kafka → Pub/Sub (docs/spec/broker.md §3)", (client) => {
  const pubsub = pubsubClient(TEST_PROJECT);
  const storage = storageClient(TEST_PROJECT);
  const kafka = kafkaClient(servers().kafkaBootstrap);

  const suite = consumerSuite(kafka);

  async function alertsTopic(): Promise<{ topic: Topic; subscription: Subscription }> {
    const [topic] = await pubsub.createTopic(uniqueName("cons_alerts"));
    const [subscription] = await topic.createSubscription(uniqueName("cons_sub"));
    suite.cleanups.push(
      () => subscription.delete(),
      () => topic.delete(),
    );
    return { topic, subscription };
  }

  it("waits for tonight's topic, then publishes every ZTF sample byte-identical with its attributes, stores a >10 MB value in rejected/, and commits all on SIGTERM", async () => {
    const { topic, subscription, bucket } = await scratchResources(suite, pubsub, storage);
    const prefix = uniqueName("ztf");
    const groupId = uniqueName("ztf_consumer");
    const today = new Date().toISOString().slice(0, 10).replaceAll("-", "");
    const kafkaTopic = `${prefix}_${today}_programid1`;

    const consumer = new ConsumerProcess(
      suite.main,
      consumerEnv({
        KAFKA_CLIENT: client,
        ALERTS_TOPIC: topic.name.split("/").pop()!,
        BROKER_FILES_BUCKET: bucket,
        KAFKA_GROUP_ID: groupId,
        KAFKA_TOPIC_SYNTAX: `${prefix}_yyyymmdd_programid1`,
      }),
    );
    suite.cleanups.push(async () => consumer.signal("SIGKILL"));
    // the topic does not exist yet: one INFO line per check (every second here)
    const waiting = (l: { message: string }) =>
      l.message.startsWith(`Kafka topic ${kafkaTopic} does not exist yet`);
    await consumer.waitFor(waiting, 60_000);
    await consumer.waitFor((l) => consumer.lines.filter(waiting).length >= 2 && waiting(l), 60_000);
    expect(consumer.lines.filter(waiting).every((l) => l.severity === "INFO")).toBe(true);

    await suite.admin.createTopics({
      topics: [
        {
          topic: kafkaTopic,
          numPartitions: 2,
          // room for the oversized value (Kafka's default limit is 1 MB)
          configEntries: [{ name: "max.message.bytes", value: "12000000" }],
        },
      ],
      waitForLeaders: true,
    });
    const files = sampleFiles("ztf");
    const timestamps = new Map<string, string>();
    const produced = await produce(
      suite.producer,
      kafkaTopic,
      files.map((file, i) => ({
        partition: i % 2,
        value: readFileSync(file),
        key: `key-${i}`,
        timestamp: String(1_795_861_741_000 + i),
      })),
    );
    produced.forEach((p, i) => timestamps.set(offsetKey(p), String(1_795_861_741_000 + i)));
    const oversized = randomBytes(10_000_001);
    const [big] = await produce(suite.producer, kafkaTopic, [{ partition: 1, value: oversized }]);

    const collector = new Collector(pubsub, subscription.name, { keepData: true });
    suite.cleanups.push(() => collector.stop());
    const missing = await collector.waitFor(produced.map(offsetKey), 60_000);
    expect(missing).toEqual([]);
    const rejectedName = `rejected/consumer/${kafkaTopic}/1-${big!.offset}.bin`;
    const rejectedLine = await consumer.waitFor((l) => l.severity === "ERROR", 60_000);
    expect(rejectedLine.message).toContain(`storing it as ${rejectedName}`);
    // the store completes after the ERROR line (the commit at SIGTERM proves it); the stats line
    // of the window with the publishes comes within CONSUMER_STATS_SECONDS
    const published = (l: { message: string; [k: string]: unknown }) =>
      l.message === "stats" && (l["publishLatencyMs"] as { p50: unknown }).p50 !== null;
    await consumer.waitFor(published, 30_000);

    consumer.signal("SIGTERM");
    const exit = await consumer.exit;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(consumer.lines.at(-1)?.message).toBe("stopped cleanly");
    await collector.drain();

    // byte-identical, attributes exactly as specified, Kafka key not forwarded, nothing else
    expect(collector.byOffset.size).toBe(produced.length);
    for (const p of produced) {
      const got = collector.byOffset.get(offsetKey(p))!;
      for (const m of got) {
        expect(m.data!.equals(p.value)).toBe(true);
        expect(m.attributes).toEqual(
          expectedAttributes("ztf", kafkaTopic, p, timestamps.get(offsetKey(p))!),
        );
      }
    }
    const v402 = files.findIndex((f) => f.endsWith("v4.02/2695378462115010012.avro"));
    expect(collector.byOffset.get(offsetKey(produced[v402]!))![0]!.attributes).toMatchObject({
      objectId: "ZTF18abudxnw",
      candid: "2695378462115010012",
      schema_version: "4.02",
      healpix29: "2096650906665450765",
    });

    const [stored] = await storage.bucket(bucket).file(rejectedName).download();
    expect(stored.equals(oversized)).toBe(true);
    expect(collector.byOffset.has(offsetKey(big!))).toBe(false);

    // every offset committed, the rejected one included
    const [committed] = await suite.admin.fetchOffsets({ groupId, topics: [kafkaTopic] });
    const ends = await suite.admin.fetchTopicOffsets(kafkaTopic);
    expect(committed!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual(
      ends.map((p) => [p.partition, p.high]).sort(),
    );

    const stats = consumer.lines.find(published);
    expect(stats).toMatchObject({
      severity: "INFO",
      topic: kafkaTopic,
      alertsPerSecond: expect.any(Number),
      bytesPerSecond: expect.any(Number),
      publishLatencyMs: { p50: expect.any(Number), p99: expect.any(Number) },
      lag: expect.any(Object),
      // what the kafka-lag log-based metric extracts (instance/monitoring.ts)
      event: "consumer-stats",
      lagTotal: expect.any(Number),
    });
  });

  it("publishes every LSST sample from an explicit KAFKA_TOPIC; an undecodable one without ids (WARNING)", async () => {
    const { topic, subscription } = await alertsTopic();
    const kafkaTopic = uniqueName("lsst_alerts");
    await suite.admin.createTopics({
      topics: [{ topic: kafkaTopic, numPartitions: 1 }],
      waitForLeaders: true,
    });
    const produced = await produce(
      suite.producer,
      kafkaTopic,
      sampleFiles("lsst").map((file) => ({
        partition: 0,
        value: readFileSync(file),
        timestamp: "1795861741000",
      })),
    );
    const consumer = new ConsumerProcess(
      suite.main,
      consumerEnv({
        KAFKA_CLIENT: client,
        SURVEY: "lsst",
        ALERTS_TOPIC: topic.name.split("/").pop()!,
        BROKER_FILES_BUCKET: uniqueName("cons_no_bucket"),
        KAFKA_GROUP_ID: uniqueName("lsst_consumer"),
        KAFKA_TOPIC: kafkaTopic,
      }),
    );
    suite.cleanups.push(async () => consumer.signal("SIGKILL"));
    const collector = new Collector(pubsub, subscription.name, { keepData: true });
    suite.cleanups.push(() => collector.stop());
    expect(await collector.waitFor(produced.map(offsetKey), 60_000)).toEqual([]);
    consumer.signal("SIGTERM");
    expect(await consumer.exit).toEqual({ code: 0, signal: null });

    let withoutIds = 0;
    for (const p of produced) {
      for (const m of collector.byOffset.get(offsetKey(p))!) {
        expect(m.data!.equals(p.value)).toBe(true);
        const expected = expectedAttributes("lsst", kafkaTopic, p, "1795861741000");
        expect(m.attributes).toEqual(expected);
        if (expected["diaSource_diaSourceId"] === undefined) withoutIds++;
      }
    }
    // the multi-alert container of the kit is not one alert
    expect(withoutIds).toBe(1);
    // kafkajs' own lines (e.g. "group coordinator is not available" while a group forms) aside
    const warnings = consumer.lines.filter(
      (l) => l.severity === "WARNING" && !l.message.startsWith("kafkajs"),
    );
    expect(warnings).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(
          /^cannot decode the alert, publishing it without its ids and the other alert attributes: .*container holds 10 records/,
        ),
        "kafka.topic": kafkaTopic,
      }),
    ]);
    expect(
      collector.byOffset.get(offsetKey(produced.find((p) => p.value.length === 139056)!))![0]!
        .attributes,
    ).toMatchObject({
      diaObject_diaObjectId: "7912941781254298",
      diaSource_diaSourceId: "7912941781254298",
      schema_version: "v9_0",
    });
  });
});
