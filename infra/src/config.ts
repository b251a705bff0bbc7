/**
 * The stack's configuration: the stack name gives survey and testid; `gcp:*` the project and
 * location; `broker:*` the rest. Every `broker:*` key is listed in BROKER_CONFIG with its default
 * and documented in Pulumi.yaml (a test keeps the two equal).
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULTS, type InstanceInput, type KafkaConfig } from "@pgb/broker-utils/instance";
import { checkStackConfig, parseStack } from "@pgb/broker-utils/naming";

/** `broker:*` keys and their defaults; `undefined` = required, `""` = unset. */
export const BROKER_CONFIG = {
  projectNumber: undefined,
  survey: "",
  testid: "",
  dataLocation: "",
  schemaVersion: "",
  logLevel: DEFAULTS.logLevel,
  maxInstances: DEFAULTS.maxInstances,
  machineType: DEFAULTS.machineType,
  network: DEFAULTS.network,
  subnetwork: "",
  externalIp: DEFAULTS.externalIp as boolean,
  vmImage: DEFAULTS.vmImage,
  nodeVersion: DEFAULTS.nodeVersion,
  drainTimeoutMinutes: DEFAULTS.drainTimeoutMinutes,
  kafkaBootstrapServers: "",
  kafkaSecurityProtocol: DEFAULTS.kafkaSecurityProtocol,
  kafkaSaslMechanism: "",
  kafkaClient: "",
  kafkaGroupIdPrefix: "",
  kafkaTopicSyntax: "",
  kafkaCredentials: "",
  notificationChannels: [] as string[],
  buildServiceAccount: "",
} as const;
export type BrokerConfigKey = keyof typeof BROKER_CONFIG;

export interface StackConfig {
  stack: string;
  /** The instance model's input, without the table-schema provider. */
  input: Omit<InstanceInput, "tableSchemas">;
  /** Kafka credentials (JSON) to store in Secret Manager; otherwise set out of band. */
  kafkaCredentials: pulumi.Output<string> | undefined;
  /** Service account Cloud Build uses to build the functions; default the project's. */
  buildServiceAccount: string | undefined;
}

const SECURITY_PROTOCOLS = ["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL"] as const;
const SASL_MECHANISMS = ["", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] as const;
const KAFKA_CLIENTS = ["", "kafkajs", "platformatic"] as const;

function oneOf<T extends string>(key: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new Error(
      `config broker:${key} is "${value}": use one of ${allowed.map((a) => `"${a}"`).join(", ")}`,
    );
  }
  return value as T;
}

const CHANNEL = /^projects\/[^/]+\/notificationChannels\/[0-9]+$/;

/**
 * The alert policies' notification channels. Production must name one: an alert nobody receives
 * is no alert. A test instance's policies are off without channels.
 */
function notificationChannels(cfg: pulumi.Config, production: boolean): string[] {
  const channels = cfg.getObject<string[]>("notificationChannels") ?? [];
  const bad = channels.filter((c) => typeof c !== "string" || !CHANNEL.test(c));
  if (bad.length > 0) {
    throw new Error(
      `config broker:notificationChannels has ${JSON.stringify(bad)}: each must be ` +
        "projects/PROJECT/notificationChannels/NUMBER (gcloud beta monitoring channels list)",
    );
  }
  if (production && channels.length === 0) {
    throw new Error(
      "config broker:notificationChannels is empty: a production stack's alert policies must " +
        "notify someone. Create a channel (gcloud beta monitoring channels create " +
        "--type=email --channel-labels=email_address=you@example.org --display-name=broker) and " +
        "set it: pulumi config set --path 'broker:notificationChannels[0]' " +
        "projects/PROJECT/notificationChannels/NUMBER",
    );
  }
  return channels;
}

export function readStackConfig(): StackConfig {
  const stack = pulumi.getStack();
  const parsed = parseStack(stack);
  const gcp = new pulumi.Config("gcp");
  const cfg = new pulumi.Config("broker");
  const str = (key: BrokerConfigKey): string | undefined => {
    const value = cfg.get(key);
    return value === undefined || value === "" ? undefined : value;
  };
  const num = (key: "maxInstances" | "drainTimeoutMinutes"): number =>
    cfg.getNumber(key) ?? BROKER_CONFIG[key];
  checkStackConfig(stack, parsed, { survey: str("survey"), testid: str("testid") });
  const kafka: KafkaConfig = {
    bootstrapServers: str("kafkaBootstrapServers") ?? "",
    securityProtocol: oneOf(
      "kafkaSecurityProtocol",
      str("kafkaSecurityProtocol") ?? BROKER_CONFIG.kafkaSecurityProtocol,
      SECURITY_PROTOCOLS,
    ),
    saslMechanism: oneOf("kafkaSaslMechanism", str("kafkaSaslMechanism") ?? "", SASL_MECHANISMS),
    groupIdPrefix: str("kafkaGroupIdPrefix") ?? "",
    client: oneOf("kafkaClient", str("kafkaClient") ?? "", KAFKA_CLIENTS),
    ...(str("kafkaTopicSyntax") === undefined ? {} : { topicSyntax: str("kafkaTopicSyntax") }),
  };
  const optional = <K extends string, V>(key: K, value: V | undefined) =>
    (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;
  const credentials = cfg.getSecret("kafkaCredentials");
  return {
    stack,
    input: {
      survey: parsed.survey,
      testid: parsed.testid,
      project: gcp.require("project"),
      region: gcp.require("region"),
      ...optional("zone", gcp.get("zone")),
      projectNumber: cfg.require("projectNumber"),
      ...optional("dataLocation", str("dataLocation")),
      ...optional("schemaVersion", str("schemaVersion")),
      logLevel: str("logLevel") ?? BROKER_CONFIG.logLevel,
      kafka,
      maxInstances: num("maxInstances"),
      machineType: str("machineType") ?? BROKER_CONFIG.machineType,
      network: str("network") ?? BROKER_CONFIG.network,
      ...optional("subnetwork", str("subnetwork")),
      externalIp: cfg.getBoolean("externalIp") ?? BROKER_CONFIG.externalIp,
      vmImage: str("vmImage") ?? BROKER_CONFIG.vmImage,
      nodeVersion: str("nodeVersion") ?? BROKER_CONFIG.nodeVersion,
      drainTimeoutMinutes: num("drainTimeoutMinutes"),
      notificationChannels: notificationChannels(cfg, parsed.testid === null),
    },
    kafkaCredentials: credentials === undefined ? undefined : credentials,
    buildServiceAccount: str("buildServiceAccount"),
  };
}
