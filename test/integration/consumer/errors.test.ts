/**
 * The consumer program refusing bad configuration (one clear line per bad value, exit 78 so systemd
 * does not restart it), and failing loudly on a publish it cannot make (ERROR, exit 1, nothing
 * committed), after which a restart re-reads everything.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { pubsubClient } from "@pgb/broker-utils/gcp";
import { uniqueName } from "../../support/names.js";
import { servers, TEST_PROJECT } from "../../support/services.js";
import { dataPath } from "@pgb/test-data";
import {
  consumerSuite,
  Collector,
  ConsumerProcess,
  consumerEnv,
  CLIENTS,
  kafkaClient,
  offsetKey,
  produce,
} from "./harness.js";

const ALERT = dataPath("ztf/alerts/v4.02/2695378462115010012.avro");

describe.each(CLIENTS)("consumer errors (%s)", (client) => {
  const pubsub = pubsubClient(TEST_PROJECT);
  const kafka = kafkaClient(servers().kafkaBootstrap);

  const suite = consumerSuite(kafka);

  const base = {
    ALERTS_TOPIC: "never-published-to",
    BROKER_FILES_BUCKET: "no-bucket",
    KAFKA_GROUP_ID: "no-group",
  };

  it.each([
    [
      "an unknown security protocol",
      { KAFKA_SECURITY_PROTOCOL: "TLS" },
      'KAFKA_SECURITY_PROTOCOL="TLS" is not a security protocol; use one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL',
    ],
    [
      "SASL without local credentials",
      { KAFKA_SECURITY_PROTOCOL: "SASL_SSL", KAFKA_SASL_MECHANISM: "SCRAM-SHA-512" },
      "KAFKA_SECURITY_PROTOCOL=SASL_SSL needs SASL credentials: set KAFKA_USERNAME and KAFKA_PASSWORD",
    ],
    [
      "GSSAPI",
      { KAFKA_SECURITY_PROTOCOL: "SASL_SSL", KAFKA_SASL_MECHANISM: "GSSAPI" },
      'KAFKA_SASL_MECHANISM="GSSAPI": the consumer\'s Kafka clients (kafkajs, @platformatic/kafka) have no GSSAPI (Kerberos) support',
    ],
    [
      "a bad bootstrap list",
      { KAFKA_BOOTSTRAP_SERVERS: "127.0.0.1:9092;127.0.0.1:9093" },
      'KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:9092;127.0.0.1:9093": "127.0.0.1:9092;127.0.0.1:9093" is not host:port',
    ],
    [
      "a missing variable",
      { KAFKA_GROUP_ID: "" },
      "consumer: missing environment variable(s) KAFKA_GROUP_ID; they are set by the instance model",
    ],
  ])("refuses %s with one clear ERROR line and exit code 78", async (_what, env, message) => {
    const run = new ConsumerProcess(
      suite.main,
      consumerEnv({
        KAFKA_CLIENT: client,
        ...base,
        ...env,
      }),
    );
    expect(await run.exit).toEqual({ code: 78, signal: null });
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]).toMatchObject({ severity: "ERROR", component: "consumer" });
    expect(run.lines[0]!.message).toContain(message);
    expect(run.lines[0]!["problems"]).toEqual([expect.stringContaining(message)]);
  });

  it("reports every problem of one start at once", async () => {
    const run = new ConsumerProcess(
      suite.main,
      consumerEnv({
        KAFKA_CLIENT: client,
        ...base,
        KAFKA_SECURITY_PROTOCOL: "KERBEROS",
        KAFKA_BOOTSTRAP_SERVERS: "kafka",
        CONSUMER_DECODE: "maybe",
      }),
    );
    expect((await run.exit).code).toBe(78);
    expect(run.lines[0]!["problems"]).toEqual([
      expect.stringContaining('"kafka" is not host:port'),
      expect.stringContaining("have no GSSAPI (Kerberos) support"),
      'CONSUMER_DECODE="maybe" must be true or false',
    ]);
  });

  it("exits 1 with an ERROR when it cannot publish, commits nothing, and a restart re-reads everything", async () => {
    const kafkaTopic = uniqueName("ztf_pubfail");
    const groupId = uniqueName("pubfail_consumer");
    const alertsTopic = uniqueName("cons_missing_alerts");
    await suite.admin.createTopics({
      topics: [{ topic: kafkaTopic, numPartitions: 1 }],
      waitForLeaders: true,
    });
    const value = readFileSync(ALERT);
    const produced = await produce(
      suite.producer,
      kafkaTopic,
      Array.from({ length: 20 }, () => ({ partition: 0, value })),
    );
    const env = consumerEnv({
      KAFKA_CLIENT: client,
      ...base,
      ALERTS_TOPIC: alertsTopic,
      KAFKA_GROUP_ID: groupId,
      KAFKA_TOPIC: kafkaTopic,
    });

    const failing = new ConsumerProcess(suite.main, env);
    suite.cleanups.push(async () => failing.signal("SIGKILL"));
    expect(await failing.exit).toEqual({ code: 1, signal: null });
    const errors = failing.lines.filter((l) => l.severity === "ERROR");
    expect(errors[0]).toMatchObject({
      message: `publishing to ${alertsTopic} failed; stopping without committing past it`,
      "kafka.topic": kafkaTopic,
      "kafka.partition": "0",
    });
    expect(JSON.stringify(errors[0]!["error"])).toMatch(/NOT_FOUND/);
    expect(errors.at(-1)!.message).toMatch(/^stopped after a fatal error/);
    const [offsets] = await suite.admin.fetchOffsets({ groupId, topics: [kafkaTopic] });
    expect(offsets!.partitions).toEqual([expect.objectContaining({ partition: 0, offset: "-1" })]);

    const [topic] = await pubsub.createTopic(alertsTopic);
    const [subscription] = await topic.createSubscription(uniqueName("cons_sub"));
    suite.cleanups.push(
      () => subscription.delete(),
      () => topic.delete(),
    );
    const collector = new Collector(pubsub, subscription.name);
    suite.cleanups.push(() => collector.stop());
    const restarted = new ConsumerProcess(suite.main, env);
    suite.cleanups.push(async () => restarted.signal("SIGKILL"));
    expect(await collector.waitFor(produced.map(offsetKey), 60_000)).toEqual([]);
    restarted.signal("SIGTERM");
    expect(await restarted.exit).toEqual({ code: 0, signal: null });
  });
});
