/**
 * At-least-once under crashes (docs/spec/broker.md §3 "Delivery"): the consumer is killed with SIGKILL at
 * random moments while alerts stream in, and restarted each time as systemd's Restart=always would;
 * every Kafka offset must reach Pub/Sub at least once, byte-identical, with its own attributes.
 */
import type { Subscription, Topic } from "@google-cloud/pubsub";
import { beforeAll, describe, expect, it } from "vitest";
import { pubsubClient } from "@pgb/broker-utils/gcp";
import { uniqueName } from "../../support/names.js";
import { servers, TEST_PROJECT } from "../../support/services.js";
import {
  consumerSuite,
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

const ALERTS = 5400;
const PARTITIONS = 3;
const KILLS = 10;
/** Alerts per produce round and the pause between rounds: the stream spans the kills (~35 s). */
const ROUND = 60;
const ROUND_PAUSE_MS = 400;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const uniform = (min: number, max: number) => min + Math.random() * (max - min);

describe.each(CLIENTS)("consumer: kill -9 at random moments loses nothing (%s)", (client) => {
  const pubsub = pubsubClient(TEST_PROJECT);
  const kafka = kafkaClient(servers().kafkaBootstrap);
  let topic: Topic;
  let subscription: Subscription;

  const suite = consumerSuite(kafka);

  beforeAll(async () => {
    [topic] = await pubsub.createTopic(uniqueName("cons_crash_alerts"));
    [subscription] = await topic.createSubscription(uniqueName("cons_crash_sub"));
    suite.cleanups.push(
      () => subscription.delete(),
      () => topic.delete(),
    );
  });

  it(`${KILLS} SIGKILLs while ${ALERTS} alerts stream through ${PARTITIONS} partitions: every offset in Pub/Sub`, async () => {
    const kafkaTopic = uniqueName("ztf_crash");
    await suite.admin.createTopics({
      topics: [{ topic: kafkaTopic, numPartitions: PARTITIONS }],
      waitForLeaders: true,
    });
    const alerts = smallZtfAlerts(ALERTS);
    const collector = new Collector(pubsub, subscription.name);
    suite.cleanups.push(() => collector.stop());
    const supervisor = new Supervisor(
      suite.main,
      consumerEnv({
        KAFKA_CLIENT: client,
        ALERTS_TOPIC: topic.name.split("/").pop()!,
        BROKER_FILES_BUCKET: uniqueName("cons_no_bucket"),
        KAFKA_GROUP_ID: uniqueName("crash_consumer"),
        KAFKA_TOPIC: kafkaTopic,
        // a killed consumer never leaves its group: its restart waits out this session
        CONSUMER_SESSION_TIMEOUT_SECONDS: "6",
        // a stats line with alerts > 0 shows the run is publishing
        CONSUMER_STATS_SECONDS: "0.5",
      }),
    );
    suite.cleanups.push(() => supervisor.stop());

    const stream = streamInto(
      suite.producer,
      kafkaTopic,
      alerts.map((a) => a.value),
      { partitions: PARTITIONS, perRound: ROUND, pauseMs: ROUND_PAUSE_MS },
    );

    // Half the kills hit a run while it starts (process start, group join), half while it
    // publishes (after its first acknowledged publishes); the moment is random within the phase.
    // On a slow machine the stream can end before the last kills: a run may then have nothing
    // left to publish, and is killed at a random moment instead.
    const kills: { kill: number; phase: string; atMs: number; deliveriesSoFar: number }[] = [];
    for (let k = 1; k <= KILLS; k++) {
      const run = supervisor.current;
      const spawned = Date.now();
      let phase = k % 2 === 1 ? "starting" : "publishing";
      if (phase === "starting") {
        await sleep(uniform(50, 1500));
      } else {
        const publishing = run.waitFor(
          (l) => l.message === "stats" && Number(l["alerts"]) > 0,
          60_000,
        );
        const first = await Promise.race([publishing, stream.done.then(() => undefined)]);
        if (first === undefined) {
          // the kill below ends the run, and with it the wait for a publishing stats line
          publishing.catch(() => undefined);
          phase = "after the stream";
        }
        await sleep(uniform(0, 1500));
      }
      kills.push({
        kill: k,
        phase,
        atMs: Date.now() - spawned,
        deliveriesSoFar: collector.deliveries,
      });
      await supervisor.kill();
      while (supervisor.current === run) await sleep(20);
    }
    await stream.done;
    const produced = stream.produced;
    const missing = await collector.waitFor(produced.map(offsetKey), 120_000);
    // the last run was started after the last kill: stop it once it runs (a SIGTERM before the
    // program installed its handler would end it by the signal instead)
    await supervisor.current.waitFor(
      (l) => l.message === "joined the Kafka consumer group",
      60_000,
    );
    const exit = await supervisor.stop();
    await collector.drain();

    const duplicates = collector.deliveries - collector.byOffset.size;
    console.log(
      `kill -9 test: ${kills.length} kills (${supervisor.runs.length} runs), ${produced.length} offsets ` +
        `produced, ${collector.deliveries} deliveries, ${duplicates} duplicates, ${missing.length} missing offsets\n` +
        kills
          .map(
            (k) =>
              `  kill ${k.kill}: ${k.phase} at ${k.atMs} ms, ${k.deliveriesSoFar} delivered so far`,
          )
          .join("\n"),
    );
    expect(kills).toHaveLength(KILLS);
    expect(produced.length).toBe(ALERTS);
    expect(missing).toEqual([]);
    expect(exit).toEqual({ code: 0, signal: null });

    const shaByOffset = new Map(produced.map((p) => [offsetKey(p), sha256(p.value)]));
    const candidBySha = new Map(alerts.map((a) => [sha256(a.value), a.candid]));
    for (const [key, copies] of collector.byOffset) {
      const [partition, offset] = key.split("/");
      for (const copy of copies) {
        expect(copy.sha).toBe(shaByOffset.get(key));
        expect(copy.attributes).toEqual({
          "kafka.topic": kafkaTopic,
          "kafka.partition": partition,
          "kafka.offset": offset,
          "kafka.timestamp": expect.stringMatching(/^\d+$/),
          objectId: "ZTF18abudxnw",
          candid: candidBySha.get(copy.sha),
          schema_version: "4.02",
          healpix9: expect.stringMatching(/^\d+$/),
          healpix19: expect.stringMatching(/^\d+$/),
          healpix29: expect.stringMatching(/^\d+$/),
          n_previous_detections: expect.stringMatching(/^\d+$/),
        });
      }
      // duplicates carry the same Kafka timestamp as the original
      expect(new Set(copies.map((c) => c.attributes["kafka.timestamp"])).size).toBe(1);
    }
  });
});
