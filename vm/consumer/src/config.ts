/**
 * The consumer's configuration, read from the environment (the instance model's variables, which the
 * VM startup script exports from metadata, or a local process's env) and validated at once: every
 * bad value gets its own line naming the variable, the value and the fix, so one failed start shows
 * everything to correct.
 */
import { isLocalEnvironment } from "@pgb/broker-utils/gcp";
import { ENV, MissingEnvError, readEnv, RUNTIME_METADATA } from "@pgb/broker-utils/instance";
import { VM } from "@pgb/broker-utils/naming";
import { isSurvey, SURVEYS, type Survey } from "@pgb/broker-utils/schema-maps";
import { KAFKA_CLIENTS, type KafkaClientName } from "./kafka/port.js";

export const SECURITY_PROTOCOLS = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

export const SASL_MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/**
 * Variables of the consumer that the instance model does not set: tuning knobs (defaults suit the
 * VM) and, for a local run only, the Kafka credentials that the cloud reads from Secret Manager.
 */
export const CONSUMER_ENV = {
  /** `false` publishes without the alert attributes (ids, healpix…; no decoding). Default true. */
  decode: "CONSUMER_DECODE",
  /** Seconds between two checks for a topic that does not exist yet. Default 60. */
  topicPollSeconds: "CONSUMER_TOPIC_POLL_SECONDS",
  /** Seconds between two stats lines. Default 30. */
  statsSeconds: "CONSUMER_STATS_SECONDS",
  /** Messages handed to Pub/Sub and not yet acknowledged before Kafka fetching pauses. Default 2000. */
  maxOutstandingMessages: "CONSUMER_MAX_OUTSTANDING_MESSAGES",
  /** Bytes handed to Pub/Sub and not yet acknowledged before Kafka fetching pauses. Default 200 MiB. */
  maxOutstandingBytes: "CONSUMER_MAX_OUTSTANDING_BYTES",
  /** Seconds SIGTERM may take (drain, commit, leave the group). Default 25; systemd allows 70. */
  shutdownSeconds: "CONSUMER_SHUTDOWN_SECONDS",
  /**
   * Kafka group session timeout, seconds (default 30; the broker's minimum is usually 6). A consumer
   * killed without leaving the group holds its partitions this long, so its restart waits for it.
   */
  sessionTimeoutSeconds: "CONSUMER_SESSION_TIMEOUT_SECONDS",
  /** Local runs: SASL user name and password (the cloud reads them from KAFKA_CREDENTIALS_SECRET). */
  username: "KAFKA_USERNAME",
  password: "KAFKA_PASSWORD",
  /** Local runs: PEM files for SSL to a private CA, and a client certificate and key (mutual TLS). */
  sslCaFile: "KAFKA_SSL_CA_FILE",
  sslCertFile: "KAFKA_SSL_CERT_FILE",
  sslKeyFile: "KAFKA_SSL_KEY_FILE",
} as const;

/** Where the consumer reads tonight's topic name from (docs/spec/broker.md §3). */
export type TopicSource =
  | { kind: "explicit"; topic: string }
  /** The syntax with `yyyymmdd` = today's UTC date; undefined = the schema map's TOPIC_SYNTAX. */
  | { kind: "syntax"; syntax: string | undefined };

/** Where SASL/SSL credentials come from: Secret Manager in the cloud, the environment locally. */
export type CredentialsSource =
  | { kind: "none" }
  | { kind: "secret"; name: string }
  | {
      kind: "env";
      username?: string;
      password?: string;
      caFile?: string;
      certFile?: string;
      keyFile?: string;
    };

/**
 * What may be handed to Pub/Sub and not acknowledged yet before Kafka fetching pauses. In the cloud
 * a publish takes ~50 ms, so at LSST's 400 alerts/s some 20 are outstanding and the limit only bounds
 * memory during a Pub/Sub slowdown (2000 alerts of ~80 KB). Against a saturated publisher a deeper
 * window means fewer pauses: the benchmark measured 2,752–2,804 alerts/s with 2000 / 200 MiB against
 * 2,598–2,611 with 1000 / 100 MiB (docs/performance.md).
 */
export const OUTSTANDING_DEFAULTS = { messages: 2000, bytes: 200 * 1024 * 1024 };

export interface ConsumerConfig {
  survey: Survey;
  project: string;
  alertsTopic: string;
  brokerFilesBucket: string;
  brokers: string[];
  kafkaClient: KafkaClientName;
  securityProtocol: SecurityProtocol;
  saslMechanism: SaslMechanism | undefined;
  credentials: CredentialsSource;
  groupId: string;
  topic: TopicSource;
  decode: boolean;
  topicPollMs: number;
  statsMs: number;
  maxOutstandingMessages: number;
  maxOutstandingBytes: number;
  shutdownMs: number;
  sessionTimeoutMs: number;
  /** True when emulator hosts are set: a local instance or a test. */
  local: boolean;
}

export class ConsumerConfigError extends Error {
  override name = "ConsumerConfigError";
  constructor(readonly problems: readonly string[]) {
    super(
      `the consumer's configuration is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `- ${p}`).join("\n"),
    );
  }
}

/** Kafka's legal topic names: 1–249 of `[a-zA-Z0-9._-]`, not `.` or `..`. */
export function isKafkaTopicName(name: string): boolean {
  return /^[a-zA-Z0-9._-]{1,249}$/.test(name) && name !== "." && name !== "..";
}

const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$/;

/** `host:port[,host:port…]` → the list, or the reason it is not one. */
export function parseBootstrapServers(value: string): { brokers: string[] } | { error: string } {
  const entries = value.split(",").map((e) => e.trim());
  for (const entry of entries) {
    const match = /^(.*):(\d{1,5})$/.exec(entry);
    const port = match ? Number(match[2]) : NaN;
    if (!match || !HOST.test(match[1] ?? "") || port < 1 || port > 65535) {
      return {
        error:
          `${ENV.kafkaBootstrapServers}=${JSON.stringify(value)}: ${JSON.stringify(entry)} is not host:port ` +
          `(e.g. "kafka.example.org:9092" or "127.0.0.1:9092"; no scheme such as SASL_SSL://; ` +
          `separate several brokers with commas)`,
      };
    }
  }
  return { brokers: entries };
}

function positiveNumber(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  problems: string[],
): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    problems.push(
      `${name}=${JSON.stringify(raw)} is not a positive number; unset it for the default ${fallback}`,
    );
    return fallback;
  }
  return value;
}

function booleanFlag(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: boolean,
  problems: string[],
): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw === "true") return true;
  if (raw === "false") return false;
  problems.push(`${name}=${JSON.stringify(raw)} must be true or false`);
  return fallback;
}

const GSSAPI_HELP =
  "the consumer's Kafka clients (kafkajs, @platformatic/kafka) have no GSSAPI (Kerberos) support; " +
  "use the survey's endpoint " +
  "without Kerberos (ZTF: its unauthenticated endpoint, KAFKA_SECURITY_PROTOCOL=PLAINTEXT) or one " +
  `with SASL ${SASL_MECHANISMS.join(", ")}`;

function securitySettings(
  env: NodeJS.ProcessEnv,
  problems: string[],
): { protocol: SecurityProtocol; mechanism: SaslMechanism | undefined } {
  const rawProtocol = env[ENV.kafkaSecurityProtocol] ?? "PLAINTEXT";
  const rawMechanism = env[ENV.kafkaSaslMechanism];
  let protocol: SecurityProtocol = "PLAINTEXT";
  const protocolValid = (SECURITY_PROTOCOLS as readonly string[]).includes(rawProtocol);
  if (protocolValid) {
    protocol = rawProtocol as SecurityProtocol;
  } else if (/GSSAPI|KERBEROS/i.test(rawProtocol)) {
    problems.push(`${ENV.kafkaSecurityProtocol}=${JSON.stringify(rawProtocol)}: ${GSSAPI_HELP}`);
  } else {
    problems.push(
      `${ENV.kafkaSecurityProtocol}=${JSON.stringify(rawProtocol)} is not a security protocol; ` +
        `use one of ${SECURITY_PROTOCOLS.join(", ")} (upper case, as in Kafka's security.protocol)`,
    );
  }
  const sasl = protocol === "SASL_PLAINTEXT" || protocol === "SASL_SSL";
  let mechanism: SaslMechanism | undefined;
  if (rawMechanism !== undefined && rawMechanism !== "") {
    if ((SASL_MECHANISMS as readonly string[]).includes(rawMechanism)) {
      mechanism = rawMechanism as SaslMechanism;
    } else if (/GSSAPI|KERBEROS/i.test(rawMechanism)) {
      problems.push(`${ENV.kafkaSaslMechanism}=${JSON.stringify(rawMechanism)}: ${GSSAPI_HELP}`);
    } else {
      problems.push(
        `${ENV.kafkaSaslMechanism}=${JSON.stringify(rawMechanism)} is not a SASL mechanism the ` +
          `consumer supports; use one of ${SASL_MECHANISMS.join(", ")}`,
      );
    }
    if (mechanism !== undefined && !sasl && protocolValid) {
      problems.push(
        `${ENV.kafkaSaslMechanism}=${rawMechanism} is set but ${ENV.kafkaSecurityProtocol}=${protocol} ` +
          "does not use SASL; use SASL_SSL or SASL_PLAINTEXT, or unset the mechanism",
      );
    }
  } else if (sasl) {
    problems.push(
      `${ENV.kafkaSecurityProtocol}=${protocol} needs ${ENV.kafkaSaslMechanism}: one of ${SASL_MECHANISMS.join(", ")}`,
    );
  }
  return { protocol, mechanism };
}

function credentialsSource(
  env: NodeJS.ProcessEnv,
  protocol: SecurityProtocol,
  mechanism: SaslMechanism | undefined,
  local: boolean,
  problems: string[],
): CredentialsSource {
  if (protocol === "PLAINTEXT") return { kind: "none" };
  const sasl = protocol !== "SSL";
  if (!local) {
    const secret = env[ENV.kafkaCredentialsSecret];
    // a missing secret name is already reported by readEnv
    return secret ? { kind: "secret", name: secret } : { kind: "none" };
  }
  const pick = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === "" ? undefined : v;
  };
  const source: CredentialsSource = { kind: "env" };
  const username = pick(CONSUMER_ENV.username);
  const password = pick(CONSUMER_ENV.password);
  // without a usable mechanism the mechanism's problem is the one to fix first
  if (sasl && mechanism !== undefined && (username === undefined || password === undefined)) {
    const missing = [
      ...(username === undefined ? [CONSUMER_ENV.username] : []),
      ...(password === undefined ? [CONSUMER_ENV.password] : []),
    ];
    problems.push(
      `${ENV.kafkaSecurityProtocol}=${protocol} needs SASL credentials: set ${missing.join(" and ")} ` +
        `(a local run reads them from the environment; the cloud reads ${ENV.kafkaCredentialsSecret} ` +
        "from Secret Manager)",
    );
  }
  if (username !== undefined) source.username = username;
  if (password !== undefined) source.password = password;
  const ca = pick(CONSUMER_ENV.sslCaFile);
  const cert = pick(CONSUMER_ENV.sslCertFile);
  const key = pick(CONSUMER_ENV.sslKeyFile);
  if ((cert === undefined) !== (key === undefined)) {
    problems.push(
      `${CONSUMER_ENV.sslCertFile} and ${CONSUMER_ENV.sslKeyFile} go together (a client certificate ` +
        "and its private key); set both or neither",
    );
  }
  if (ca !== undefined) source.caFile = ca;
  if (cert !== undefined) source.certFile = cert;
  if (key !== undefined) source.keyFile = key;
  return source;
}

function kafkaClient(env: NodeJS.ProcessEnv, problems: string[]): KafkaClientName {
  const raw = env[ENV.kafkaClient];
  if (raw === undefined || raw === "") return KAFKA_CLIENTS[0];
  if ((KAFKA_CLIENTS as readonly string[]).includes(raw)) return raw as KafkaClientName;
  problems.push(
    `${ENV.kafkaClient}=${JSON.stringify(raw)} is not a Kafka client of the consumer; use one of ` +
      `${KAFKA_CLIENTS.join(", ")}, or unset it for ${KAFKA_CLIENTS[0]}`,
  );
  return KAFKA_CLIENTS[0];
}

/**
 * Reads and validates the consumer's configuration; throws one ConsumerConfigError listing every
 * problem. Long by design: one check per variable, collected so that one start reports them all.
 */
export function parseConfig(env: NodeJS.ProcessEnv): ConsumerConfig {
  const problems: string[] = [];
  try {
    readEnv(VM.consumer, env);
  } catch (err) {
    if (!(err instanceof MissingEnvError)) throw err;
    problems.push(err.message);
  }
  const value = (name: string): string => env[name] ?? "";

  const rawSurvey = value(ENV.survey);
  let survey: Survey = "ztf";
  if (isSurvey(rawSurvey)) survey = rawSurvey;
  else if (rawSurvey !== "") {
    problems.push(
      `${ENV.survey}=${JSON.stringify(rawSurvey)} is not a survey; use one of ${SURVEYS.join(", ")}`,
    );
  }

  let brokers: string[] = [];
  const rawBrokers = value(ENV.kafkaBootstrapServers);
  if (rawBrokers !== "") {
    const parsed = parseBootstrapServers(rawBrokers);
    if ("error" in parsed) problems.push(parsed.error);
    else brokers = parsed.brokers;
  }

  const { protocol, mechanism } = securitySettings(env, problems);
  const local = isLocalEnvironment(env);
  const credentials = credentialsSource(env, protocol, mechanism, local, problems);

  let topic: TopicSource = { kind: "syntax", syntax: undefined };
  const explicit = value(RUNTIME_METADATA.kafkaTopic);
  const syntax = value(ENV.kafkaTopicSyntax);
  if (explicit !== "") {
    if (!isKafkaTopicName(explicit)) {
      problems.push(
        `${RUNTIME_METADATA.kafkaTopic}=${JSON.stringify(explicit)} is not a Kafka topic name ` +
          "(1–249 of letters, digits, '.', '_', '-')",
      );
    }
    topic = { kind: "explicit", topic: explicit };
  } else if (syntax !== "") {
    if (!isKafkaTopicName(syntax)) {
      problems.push(
        `${ENV.kafkaTopicSyntax}=${JSON.stringify(syntax)} is not a Kafka topic name once yyyymmdd is ` +
          "replaced by the date (letters, digits, '.', '_', '-')",
      );
    }
    topic = { kind: "syntax", syntax };
  }

  const config: ConsumerConfig = {
    survey,
    project: value(ENV.project),
    alertsTopic: value(ENV.alertsTopic),
    brokerFilesBucket: value(ENV.brokerFilesBucket),
    brokers,
    kafkaClient: kafkaClient(env, problems),
    securityProtocol: protocol,
    saslMechanism: mechanism,
    credentials,
    groupId: value(ENV.kafkaGroupId),
    topic,
    decode: booleanFlag(env, CONSUMER_ENV.decode, true, problems),
    topicPollMs: 1000 * positiveNumber(env, CONSUMER_ENV.topicPollSeconds, 60, problems),
    statsMs: 1000 * positiveNumber(env, CONSUMER_ENV.statsSeconds, 30, problems),
    maxOutstandingMessages: Math.ceil(
      positiveNumber(
        env,
        CONSUMER_ENV.maxOutstandingMessages,
        OUTSTANDING_DEFAULTS.messages,
        problems,
      ),
    ),
    maxOutstandingBytes: Math.ceil(
      positiveNumber(env, CONSUMER_ENV.maxOutstandingBytes, OUTSTANDING_DEFAULTS.bytes, problems),
    ),
    shutdownMs: 1000 * positiveNumber(env, CONSUMER_ENV.shutdownSeconds, 25, problems),
    sessionTimeoutMs: 1000 * positiveNumber(env, CONSUMER_ENV.sessionTimeoutSeconds, 30, problems),
    local,
  };
  if (problems.length > 0) throw new ConsumerConfigError(problems);
  return config;
}
