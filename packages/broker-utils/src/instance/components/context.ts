/**
 * What every component planner needs to know about the instance: its namer, where it runs, and
 * the inputs, validated once. Built from the InstanceInput by `planContext`.
 */
import type { InstanceKeywords } from "../../naming/keywords.js";
import { InstanceNamer, serviceAgentEmails, type ServiceAgents } from "../../naming/names.js";
import { BUCKET } from "../../naming/catalogue.js";
import { ENV } from "../env.js";
import type { TableSchemaProvider } from "../tables.js";
import type { VmNetwork } from "../types.js";
import { vmZone } from "../zones.js";

export interface KafkaConfig {
  /** `host:port[,host:port…]`; unset leaves the consumer unable to start until it is set. */
  bootstrapServers?: string;
  securityProtocol?: "PLAINTEXT" | "SASL_PLAINTEXT" | "SASL_SSL" | "SSL";
  saslMechanism?: "" | "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512";
  /** Prepended to the consumer group id, for surveys that require one. */
  groupIdPrefix?: string;
  /** Overrides the schema map's TOPIC_SYNTAX. */
  topicSyntax?: string;
  /** The consumer's Kafka client; unset = the consumer's default (kafkajs). */
  client?: "" | "kafkajs" | "platformatic";
}

export interface InstanceInput {
  survey: string;
  /** Absent, null, "" or "False" = production. */
  testid?: string | null;
  project: string;
  region: string;
  /** Zone of the VMs, one of the region's (zones.ts); default the region's first zone. */
  zone?: string;
  /** Network of the VMs; default `default`. */
  network?: string;
  /** Subnetwork of the VMs; required when `network` is a custom-mode network. */
  subnetwork?: string;
  /** An external IP on the VMs; without one, the subnetwork needs Cloud NAT. Default true. */
  externalIp?: boolean;
  /** Numeric project id, for the grants to Google's service agents; unknown locally. */
  projectNumber?: string;
  /** Location of buckets and dataset; default the region. */
  dataLocation?: string;
  /** Schemas of the `alerts` and `DIASource` tables (the alerts module's `bigQueryTableSchema`). */
  tableSchemas: TableSchemaProvider;
  /** Survey schema version the alert tables are generated from; default the provider's. */
  schemaVersion?: string;
  logLevel?: string;
  kafka?: KafkaConfig;
  /** Upper bound of instances of each alert-processing function. */
  maxInstances?: number;
  machineType?: string;
  vmImage?: string;
  /** Node.js version the VM startup script installs. */
  nodeVersion?: string;
  drainTimeoutMinutes?: number;
  /** Monitoring notification channels (`projects/P/notificationChannels/N`) of the alert policies. */
  notificationChannels?: string[];
}

export const DEFAULTS = {
  logLevel: "INFO",
  maxInstances: 100,
  machineType: "e2-standard-2",
  vmImage: "debian-cloud/debian-12",
  bootDiskGb: 20,
  network: "default",
  externalIp: true,
  nodeVersion: "22.12.0",
  drainTimeoutMinutes: 60,
  kafkaSecurityProtocol: "PLAINTEXT",
} as const;

/** Retention periods are set in days. */
export const DAY = 24 * 3600;

export interface PlanContext {
  n: InstanceNamer;
  keywords: InstanceKeywords;
  /** No testid: data is protected, scheduler jobs run, alert policies are on. */
  production: boolean;
  /** The Pulumi stack name: `survey` or `survey-testid`. */
  stack: string;
  region: string;
  zone: string;
  network: VmNetwork;
  dataLocation: string;
  /** Google's service agents, or null when the project number is unknown (local instance). */
  serviceAgents: ServiceAgents | null;
  kafka: KafkaConfig;
  maxInstances: number;
  /** The environment every program gets. */
  commonEnv: Record<string, string>;
  input: InstanceInput;
}

export function planContext(input: InstanceInput): PlanContext {
  const n = new InstanceNamer(input);
  const { survey, testid, project } = n.keywords;
  const production = testid === null;
  const zone = vmZone(input.region, input.zone);
  const serviceAgents =
    input.projectNumber === undefined ? null : serviceAgentEmails(input.projectNumber);
  const maxInstances = input.maxInstances ?? DEFAULTS.maxInstances;
  if (!Number.isInteger(maxInstances) || maxInstances < 1) {
    throw new Error(`maxInstances must be a positive integer, got ${maxInstances}`);
  }
  return {
    n,
    keywords: n.keywords,
    production,
    stack: production ? survey : `${survey}-${testid}`,
    region: input.region,
    zone,
    network: {
      network: input.network ?? DEFAULTS.network,
      ...(input.subnetwork === undefined ? {} : { subnetwork: input.subnetwork }),
      externalIp: input.externalIp ?? DEFAULTS.externalIp,
    },
    dataLocation: input.dataLocation ?? input.region,
    serviceAgents,
    kafka: input.kafka ?? {},
    maxInstances,
    commonEnv: {
      [ENV.survey]: survey,
      [ENV.testid]: testid ?? "",
      [ENV.project]: project,
      [ENV.logLevel]: input.logLevel ?? DEFAULTS.logLevel,
      [ENV.brokerFilesBucket]: n.bucket(BUCKET.brokerFiles),
    },
    input,
  };
}
