/**
 * The consumer through server outages mid-stream, on a private Kafka broker and Pub/Sub emulator
 * (the shared ones serve other test files at the same time): nothing is lost when the Pub/Sub
 * emulator or the Kafka broker restarts while alerts stream in. The consumer runs under a
 * systemd-like supervisor: leaving with an error and being restarted is a valid way to recover.
 *
 * The Pub/Sub emulator keeps everything in memory and loses it on restart: topics, subscriptions
 * and acknowledged messages not pulled yet. A real outage loses none of these, so the test
 * - freezes the consumer (SIGSTOP) and pulls everything the emulator accepted before stopping it:
 *   until a marker the test publishes after the freeze has come through and the subscription
 *   stayed empty for a while (publish requests already on their way are processed by then);
 * - lets the consumer run against the stopped emulator for a moment;
 * - freezes it again while the emulator starts and the topic and subscription are recreated, so no
 *   publish lands on the new topic before its subscription exists (Pub/Sub does not deliver
 *   messages published before a subscription was created).
 */
import type { PubSub } from "@google-cloud/pubsub";
import type { Admin, Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pubsubClient } from "@pgb/broker-utils/gcp";
import { uniqueName } from "../../support/names.js";
import { withEnv } from "@pgb/local";
import { privateServers, type PrivateServers } from "../../support/private-servers.js";
import { TEST_PROJECT } from "../../support/services.js";
import {
  buildConsumerBundle,
  Collector,
  consumerEnv,
  CLIENTS,
  kafkaClient,
  offsetKey,
  sha256,
  smallZtfAlerts,
  streamInto,
  Supervisor,
} from "./harness.js";

const ALERTS = 3000;
const PARTITIONS = 2;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(test: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe.each(CLIENTS)("consumer: server outages mid-stream lose nothing (%s)", (client) => {
  let own: PrivateServers;
  let pubsub: PubSub;
  let admin: Admin;
  let producer: Producer;
  let main: string;
  const alerts = smallZtfAlerts(ALERTS).map((a) => a.value);
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    const [servers, bundle] = await Promise.all([
      privateServers(["kafka", "pubsub"]),
      buildConsumerBundle(),
    ]);
    own = servers;
    main = bundle.main;
    cleanups.push(bundle.cleanup, () => own.close());
    pubsub = withEnv(own.env, () => pubsubClient(TEST_PROJECT));
    const kafka = kafkaClient(own.endpoints.kafkaBootstrap);
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ retry: { retries: 3 } });
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  async function setUp(name: string) {
    const kafkaTopic = uniqueName(`ztf_${name}`);
    await admin.createTopics({
      topics: [{ topic: kafkaTopic, numPartitions: PARTITIONS }],
      waitForLeaders: true,
    });
    const alertsTopic = uniqueName(`cons_${name}_alerts`);
    const subscriptionName = uniqueName(`cons_${name}_sub`);
    const recreate = async () => {
      const [topic] = await pubsub.createTopic(alertsTopic);
      await topic.createSubscription(subscriptionName);
    };
    const mark = async (marker: string) => {
      await pubsub
        .topic(alertsTopic)
        .publishMessage({ data: Buffer.alloc(0), attributes: { "test.marker": marker } });
    };
    await recreate();
    const collector = new Collector(pubsub, subscriptionName);
    cleanups.push(() => collector.stop());
    const supervisor = new Supervisor(
      main,
      consumerEnv({
        KAFKA_CLIENT: client,
        ...own.env,
        ALERTS_TOPIC: alertsTopic,
        BROKER_FILES_BUCKET: uniqueName("cons_no_bucket"),
        KAFKA_GROUP_ID: uniqueName(`${name}_consumer`),
        KAFKA_TOPIC: kafkaTopic,
      }),
      // systemd's RestartSec, shortened
      500,
    );
    cleanups.push(() => supervisor.stop());
    const stream = streamInto(producer, kafkaTopic, alerts, {
      partitions: PARTITIONS,
      perRound: 60,
      pauseMs: 150,
    });
    return { kafkaTopic, recreate, mark, collector, supervisor, stream };
  }

  async function finish(
    what: string,
    { collector, supervisor, stream }: Awaited<ReturnType<typeof setUp>>,
  ): Promise<void> {
    await stream.done;
    const missing = await collector.waitFor(stream.produced.map(offsetKey), 90_000);
    const exit = await supervisor.stop();
    await collector.drain();
    const shaByOffset = new Map(stream.produced.map((p) => [offsetKey(p), sha256(p.value)]));
    const exits = supervisor.runs.slice(0, -1).map((r) => {
      const error = r.lines.find((l) => l.severity === "ERROR");
      return `${r.child.exitCode} (${error ? error.message : "no ERROR line"})`;
    });
    console.log(
      `${what}: ${stream.produced.length} offsets produced, ${collector.deliveries} deliveries, ` +
        `${collector.deliveries - collector.byOffset.size} duplicates, ${missing.length} missing offsets; ` +
        `${supervisor.runs.length} consumer run(s)${exits.length > 0 ? `, earlier exits ${exits.join(", ")}` : ""}`,
    );
    expect(stream.produced).toHaveLength(ALERTS);
    expect(missing).toEqual([]);
    expect(exit).toEqual({ code: 0, signal: null });
    for (const p of stream.produced) {
      for (const copy of collector.byOffset.get(offsetKey(p))!) {
        expect(copy.sha).toBe(shaByOffset.get(offsetKey(p)));
        expect(copy.attributes["kafka.partition"]).toBe(String(p.partition));
      }
    }
  }

  it("recovers from a Pub/Sub emulator restart", { timeout: 240_000 }, async () => {
    const setup = await setUp("pubsub_outage");
    const { collector, supervisor, recreate, mark } = setup;
    await until(() => collector.deliveries >= ALERTS / 4, 90_000, "a quarter of the alerts");
    let thaw = supervisor.freeze();
    await mark("before-restart");
    await collector.drain(3000, "before-restart");
    await own.stop("pubsub");
    thaw();
    // the consumer finds Pub/Sub down for a moment (the client's retry backoff grows ×4 per try,
    // so a longer outage only makes the test wait longer)
    await sleep(1000);
    thaw = supervisor.freeze();
    await own.start("pubsub");
    await recreate();
    thaw();
    await finish("Pub/Sub emulator restart", setup);
  });

  it("recovers from a Kafka broker restart", { timeout: 240_000 }, async () => {
    const setup = await setUp("kafka_outage");
    await until(() => setup.collector.deliveries >= ALERTS / 4, 90_000, "a quarter of the alerts");
    const t0 = Date.now();
    await own.restart("kafka");
    console.log(`Kafka broker restarted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await finish("Kafka broker restart", setup);
  });
});
