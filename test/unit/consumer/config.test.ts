import { describe, expect, it } from "vitest";
import {
  ConsumerConfigError,
  parseBootstrapServers,
  parseConfig,
} from "../../../vm/consumer/src/config.js";

/** The consumer's env as the instance model sets it for ztf-mytestid, running in the cloud. */
const CLOUD: NodeJS.ProcessEnv = {
  SURVEY: "ztf",
  TESTID: "mytestid",
  GCP_PROJECT: "my-proj",
  LOG_LEVEL: "INFO",
  BROKER_FILES_BUCKET: "my-proj-ztf-broker_files-mytestid",
  ALERTS_TOPIC: "ztf-alerts-mytestid",
  KAFKA_BOOTSTRAP_SERVERS: "public.alerts.ztf.uw.edu:9092",
  KAFKA_SECURITY_PROTOCOL: "PLAINTEXT",
  KAFKA_CREDENTIALS_SECRET: "ztf-kafka-credentials-mytestid",
  KAFKA_GROUP_ID: "ztf-consumer-mytestid",
};

/** The same, as a local process: emulator hosts set. */
const LOCAL: NodeJS.ProcessEnv = {
  ...CLOUD,
  KAFKA_BOOTSTRAP_SERVERS: "127.0.0.1:9092",
  PUBSUB_EMULATOR_HOST: "127.0.0.1:8085",
  STORAGE_EMULATOR_HOST: "http://127.0.0.1:4443",
  METADATA_SERVER_DETECTION: "none",
};

function problems(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConsumerConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConsumerConfigError");
}

describe("consumer configuration (docs/spec/broker.md §3)", () => {
  it("reads the instance model's variables with the documented defaults", () => {
    const config = parseConfig(CLOUD);
    expect(config).toMatchObject({
      survey: "ztf",
      project: "my-proj",
      alertsTopic: "ztf-alerts-mytestid",
      brokers: ["public.alerts.ztf.uw.edu:9092"],
      securityProtocol: "PLAINTEXT",
      saslMechanism: undefined,
      credentials: { kind: "none" },
      groupId: "ztf-consumer-mytestid",
      topic: { kind: "syntax", syntax: undefined },
      decode: true,
      topicPollMs: 60_000,
      statsMs: 30_000,
      maxOutstandingMessages: 2000,
      maxOutstandingBytes: 200 * 1024 * 1024,
      shutdownMs: 25_000,
      sessionTimeoutMs: 30_000,
      local: false,
    });
  });

  it("takes the run-time KAFKA_TOPIC over KAFKA_TOPIC_SYNTAX", () => {
    expect(parseConfig({ ...CLOUD, KAFKA_TOPIC_SYNTAX: "ztf_yyyymmdd_programid2" }).topic).toEqual({
      kind: "syntax",
      syntax: "ztf_yyyymmdd_programid2",
    });
    expect(
      parseConfig({
        ...CLOUD,
        KAFKA_TOPIC_SYNTAX: "x_yyyymmdd",
        KAFKA_TOPIC: "ztf_20261128_programid1",
      }).topic,
    ).toEqual({ kind: "explicit", topic: "ztf_20261128_programid1" });
  });

  it("reads the credentials from Secret Manager in the cloud and from the environment locally", () => {
    const sasl = { KAFKA_SECURITY_PROTOCOL: "SASL_SSL", KAFKA_SASL_MECHANISM: "SCRAM-SHA-512" };
    expect(parseConfig({ ...CLOUD, ...sasl }).credentials).toEqual({
      kind: "secret",
      name: "ztf-kafka-credentials-mytestid",
    });
    expect(
      parseConfig({ ...LOCAL, ...sasl, KAFKA_USERNAME: "u", KAFKA_PASSWORD: "p" }),
    ).toMatchObject({
      local: true,
      saslMechanism: "SCRAM-SHA-512",
      credentials: { kind: "env", username: "u", password: "p" },
    });
  });

  it("picks the Kafka client from KAFKA_CLIENT (default kafkajs) and refuses an unknown one", () => {
    expect(parseConfig(CLOUD).kafkaClient).toBe("kafkajs");
    expect(parseConfig({ ...CLOUD, KAFKA_CLIENT: "platformatic" }).kafkaClient).toBe(
      "platformatic",
    );
    expect(problems({ ...CLOUD, KAFKA_CLIENT: "librdkafka" })).toEqual([
      'KAFKA_CLIENT="librdkafka" is not a Kafka client of the consumer; use one of kafkajs, ' +
        "platformatic, or unset it for kafkajs",
    ]);
  });

  it("lists every missing variable in one problem", () => {
    const env = { ...CLOUD };
    delete env["KAFKA_BOOTSTRAP_SERVERS"];
    delete env["KAFKA_GROUP_ID"];
    expect(problems(env)).toEqual([
      expect.stringMatching(
        /missing environment variable\(s\) KAFKA_BOOTSTRAP_SERVERS, KAFKA_GROUP_ID/,
      ),
    ]);
  });

  it.each([
    ["kafka", '"kafka" is not host:port'],
    ["SASL_SSL://b1:9092", '"SASL_SSL://b1:9092" is not host:port'],
    ["b1:9092,,b2:9092", '"" is not host:port'],
    ["b1:99999", '"b1:99999" is not host:port'],
    ["b_1:9092", '"b_1:9092" is not host:port'],
  ])("refuses the bootstrap list %s, naming the bad entry", (value, message) => {
    const [problem] = problems({ ...CLOUD, KAFKA_BOOTSTRAP_SERVERS: value });
    expect(problem).toContain(`KAFKA_BOOTSTRAP_SERVERS=${JSON.stringify(value)}`);
    expect(problem).toContain(message);
  });

  it("accepts host names, IPv4 and bracketed IPv6 brokers", () => {
    expect(parseBootstrapServers("b1.example.org:9092, 10.0.0.1:9093,[::1]:9094")).toEqual({
      brokers: ["b1.example.org:9092", "10.0.0.1:9093", "[::1]:9094"],
    });
  });

  it("refuses an unknown security protocol with the accepted ones", () => {
    expect(problems({ ...CLOUD, KAFKA_SECURITY_PROTOCOL: "sasl_ssl" })).toEqual([
      'KAFKA_SECURITY_PROTOCOL="sasl_ssl" is not a security protocol; use one of PLAINTEXT, SSL, ' +
        "SASL_PLAINTEXT, SASL_SSL (upper case, as in Kafka's security.protocol)",
    ]);
  });

  it("explains that GSSAPI (Kerberos) is not supported by the Kafka clients", () => {
    const [problem] = problems({
      ...CLOUD,
      KAFKA_SECURITY_PROTOCOL: "SASL_SSL",
      KAFKA_SASL_MECHANISM: "GSSAPI",
    });
    expect(problem).toMatch(
      /^KAFKA_SASL_MECHANISM="GSSAPI": .*\(kafkajs, @platformatic\/kafka\) have no GSSAPI \(Kerberos\) support/,
    );
    expect(problem).toContain("ZTF: its unauthenticated endpoint");
  });

  it("refuses SASL without a mechanism, and a mechanism without SASL", () => {
    expect(problems({ ...CLOUD, KAFKA_SECURITY_PROTOCOL: "SASL_PLAINTEXT" })).toEqual([
      "KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT needs KAFKA_SASL_MECHANISM: one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512",
    ]);
    expect(problems({ ...CLOUD, KAFKA_SASL_MECHANISM: "PLAIN" })).toEqual([
      "KAFKA_SASL_MECHANISM=PLAIN is set but KAFKA_SECURITY_PROTOCOL=PLAINTEXT does not use SASL; " +
        "use SASL_SSL or SASL_PLAINTEXT, or unset the mechanism",
    ]);
    expect(
      problems({
        ...CLOUD,
        KAFKA_SECURITY_PROTOCOL: "SASL_SSL",
        KAFKA_SASL_MECHANISM: "OAUTHBEARER",
      }),
    ).toEqual([
      'KAFKA_SASL_MECHANISM="OAUTHBEARER" is not a SASL mechanism the consumer supports; use one of PLAIN, ' +
        "SCRAM-SHA-256, SCRAM-SHA-512",
    ]);
  });

  it("refuses a local SASL run without KAFKA_USERNAME and KAFKA_PASSWORD", () => {
    const [problem] = problems({
      ...LOCAL,
      KAFKA_SECURITY_PROTOCOL: "SASL_PLAINTEXT",
      KAFKA_SASL_MECHANISM: "PLAIN",
      KAFKA_USERNAME: "u",
    });
    expect(problem).toBe(
      "KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT needs SASL credentials: set KAFKA_PASSWORD (a local run " +
        "reads them from the environment; the cloud reads KAFKA_CREDENTIALS_SECRET from Secret Manager)",
    );
  });

  it("refuses a client certificate without its key", () => {
    expect(
      problems({ ...LOCAL, KAFKA_SECURITY_PROTOCOL: "SSL", KAFKA_SSL_CERT_FILE: "/c.pem" }),
    ).toEqual([
      "KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together (a client certificate and its private key); set both or neither",
    ]);
  });

  it("refuses bad topics, surveys and knobs, one problem each, all at once", () => {
    expect(
      problems({
        ...CLOUD,
        SURVEY: "gaia",
        KAFKA_TOPIC: "ztf 2026",
        CONSUMER_DECODE: "yes",
        CONSUMER_TOPIC_POLL_SECONDS: "0",
        CONSUMER_MAX_OUTSTANDING_BYTES: "lots",
      }),
    ).toEqual([
      'SURVEY="gaia" is not a survey; use one of ztf, lsst, decat, elasticc',
      "KAFKA_TOPIC=\"ztf 2026\" is not a Kafka topic name (1–249 of letters, digits, '.', '_', '-')",
      'CONSUMER_DECODE="yes" must be true or false',
      'CONSUMER_TOPIC_POLL_SECONDS="0" is not a positive number; unset it for the default 60',
      'CONSUMER_MAX_OUTSTANDING_BYTES="lots" is not a positive number; unset it for the default 209715200',
    ]);
  });

  it("reads the tuning knobs", () => {
    expect(
      parseConfig({
        ...CLOUD,
        CONSUMER_DECODE: "false",
        CONSUMER_TOPIC_POLL_SECONDS: "0.5",
        CONSUMER_STATS_SECONDS: "2",
        CONSUMER_MAX_OUTSTANDING_MESSAGES: "50",
        CONSUMER_MAX_OUTSTANDING_BYTES: "1000000",
        CONSUMER_SHUTDOWN_SECONDS: "10",
      }),
    ).toMatchObject({
      decode: false,
      topicPollMs: 500,
      statsMs: 2000,
      maxOutstandingMessages: 50,
      maxOutstandingBytes: 1_000_000,
      shutdownMs: 10_000,
    });
  });

  it("formats all problems into one message", () => {
    const err = new ConsumerConfigError(["a", "b"]);
    expect(err.message).toBe("the consumer's configuration is invalid (2 problems):\n- a\n- b");
  });
});
