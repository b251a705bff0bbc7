/**
 * The environment contract between the instance model and the broker's programs. The model sets
 * these variables (Cloud Function env, VM metadata exported by the startup script, or the local
 * instance's process env); each program reads them with `readEnv(program)`, so no program spells a
 * resource name or a variable name.
 */
import { FUNCTION, VM, type FunctionStub, type VmStub } from "../naming/catalogue.js";

export const ENV = {
  survey: "SURVEY",
  /** "" in production. */
  testid: "TESTID",
  project: "GCP_PROJECT",
  zone: "GCP_ZONE",
  logLevel: "LOG_LEVEL",
  brokerFilesBucket: "BROKER_FILES_BUCKET",
  /** The function's own dead-letter topic: bad input is dead-lettered at once, with its reason. */
  deadLetterTopic: "DEAD_LETTER_TOPIC",
  alertAvrosBucket: "ALERT_AVROS_BUCKET",
  sncosmoBucket: "SNCOSMO_BUCKET",
  alertsTopic: "ALERTS_TOPIC",
  alertsPureTopic: "ALERTS_PURE_TOPIC",
  exgalacTransTopic: "EXGALAC_TRANS_TOPIC",
  salt2Topic: "SALT2_TOPIC",
  bqDataset: "BQ_DATASET",
  bqAlertsTable: "BQ_ALERTS_TABLE",
  bqDiaSourceTable: "BQ_DIASOURCE_TABLE",
  bqSalt2Table: "BQ_SALT2_TABLE",
  bqMetadataTable: "BQ_METADATA_TABLE",
  consumerVm: "CONSUMER_VM",
  nightConductorVm: "NIGHT_CONDUCTOR_VM",
  kafkaBootstrapServers: "KAFKA_BOOTSTRAP_SERVERS",
  /** PLAINTEXT, SASL_PLAINTEXT, SASL_SSL or SSL. */
  kafkaSecurityProtocol: "KAFKA_SECURITY_PROTOCOL",
  /** PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; unset without SASL. */
  kafkaSaslMechanism: "KAFKA_SASL_MECHANISM",
  /** Secret Manager secret id (in GCP_PROJECT) holding the credentials as JSON. */
  kafkaCredentialsSecret: "KAFKA_CREDENTIALS_SECRET",
  kafkaGroupId: "KAFKA_GROUP_ID",
  /** Overrides the schema map's TOPIC_SYNTAX (LSST has no dated topics). */
  kafkaTopicSyntax: "KAFKA_TOPIC_SYNTAX",
  /** The consumer's Kafka client: kafkajs (default) or platformatic (docs/consumer.md). */
  kafkaClient: "KAFKA_CLIENT",
  /** Comma-separated processing subscriptions on `alerts`, whose backlog the night conductor drains. */
  processingSubscriptions: "PROCESSING_SUBSCRIPTIONS",
  /** JSON object: stream (topic stub) → its counter subscription. */
  counterSubscriptions: "COUNTER_SUBSCRIPTIONS",
  drainTimeoutMinutes: "DRAIN_TIMEOUT_MINUTES",
} as const;
export type EnvName = (typeof ENV)[keyof typeof ENV];

/**
 * VM metadata keys written at run time by the cue function and the night conductor (docs/spec/broker.md §8)
 * rather than by the deployment; the VM startup script exports them like the others.
 */
export const RUNTIME_METADATA = { night: "NIGHT", kafkaTopic: "KAFKA_TOPIC" } as const;
export type RuntimeMetadataKey = (typeof RUNTIME_METADATA)[keyof typeof RUNTIME_METADATA];

export type ProgramId = FunctionStub | VmStub;

const COMMON = [ENV.survey, ENV.testid, ENV.project, ENV.logLevel, ENV.brokerFilesBucket] as const;
const FUNCTION_COMMON = [...COMMON, ENV.deadLetterTopic] as const;

/** Variables each program requires (always set by the model). */
export const PROGRAM_ENV = {
  [FUNCTION.upload]: [...FUNCTION_COMMON, ENV.alertAvrosBucket],
  [FUNCTION.bqSink]: [
    ...FUNCTION_COMMON,
    ENV.alertAvrosBucket,
    ENV.bqDataset,
    ENV.bqAlertsTable,
    ENV.bqDiaSourceTable,
  ],
  [FUNCTION.valueAdded]: [
    ...FUNCTION_COMMON,
    ENV.alertAvrosBucket,
    ENV.bqDataset,
    ENV.bqSalt2Table,
    ENV.alertsPureTopic,
    ENV.exgalacTransTopic,
    ENV.salt2Topic,
    ENV.sncosmoBucket,
  ],
  [FUNCTION.cue]: [...FUNCTION_COMMON, ENV.zone, ENV.nightConductorVm],
  [FUNCTION.check]: [...FUNCTION_COMMON, ENV.zone, ENV.nightConductorVm, ENV.consumerVm],
  [VM.consumer]: [
    ...COMMON,
    ENV.alertsTopic,
    ENV.kafkaBootstrapServers,
    ENV.kafkaSecurityProtocol,
    ENV.kafkaCredentialsSecret,
    ENV.kafkaGroupId,
  ],
  [VM.nightConductor]: [
    ...COMMON,
    ENV.zone,
    ENV.consumerVm,
    ENV.nightConductorVm,
    ENV.bqDataset,
    ENV.bqMetadataTable,
    ENV.processingSubscriptions,
    ENV.counterSubscriptions,
    ENV.drainTimeoutMinutes,
  ],
} as const satisfies Record<ProgramId, readonly EnvName[]>;

/** Variables a program accepts when set (configuration overrides, run-time metadata). */
export const PROGRAM_OPTIONAL_ENV = {
  [FUNCTION.upload]: [],
  [FUNCTION.bqSink]: [],
  [FUNCTION.valueAdded]: [],
  [FUNCTION.cue]: [ENV.kafkaTopicSyntax],
  [FUNCTION.check]: [],
  [VM.consumer]: [
    ENV.kafkaSaslMechanism,
    ENV.kafkaTopicSyntax,
    ENV.kafkaClient,
    RUNTIME_METADATA.kafkaTopic,
  ],
  [VM.nightConductor]: [RUNTIME_METADATA.night, RUNTIME_METADATA.kafkaTopic],
} as const satisfies Record<ProgramId, readonly (EnvName | RuntimeMetadataKey)[]>;

/** The environment of one program, as `readEnv` returns it. */
export type ProgramEnv<P extends ProgramId> = Record<(typeof PROGRAM_ENV)[P][number], string> &
  Partial<Record<(typeof PROGRAM_OPTIONAL_ENV)[P][number], string>>;

export class MissingEnvError extends Error {
  override name = "MissingEnvError";
}

/**
 * Reads a program's variables, throwing one error that lists every missing one. TESTID may be ""
 * (production); every other required variable must be non-empty.
 */
export function readEnv<P extends ProgramId>(
  program: P,
  env: NodeJS.ProcessEnv = process.env,
): ProgramEnv<P> {
  const out: Record<string, string> = {};
  const missing: string[] = [];
  for (const key of PROGRAM_ENV[program] as readonly string[]) {
    const value = env[key];
    if (value === undefined || (value === "" && key !== ENV.testid)) missing.push(key);
    else out[key] = value;
  }
  if (missing.length > 0) {
    throw new MissingEnvError(
      `${program}: missing environment variable(s) ${missing.join(", ")}; they are set by the ` +
        "instance model (Pulumi for a cloud instance, `pgb local` for a local one)",
    );
  }
  for (const key of PROGRAM_OPTIONAL_ENV[program] as readonly string[]) {
    const value = env[key];
    if (value !== undefined && value !== "") out[key] = value;
  }
  return out as ProgramEnv<P>;
}
