/**
 * The instance model's plain-data types: what one broker instance is made of, with final names.
 * Resources refer to each other by final name; the Pulumi program and the local instance both
 * resolve those references to what they created.
 */
import type { TableField } from "../bigquery/schema.js";
import type {
  AlertPolicyStub,
  BucketStub,
  CustomRoleStub,
  DashboardStub,
  LogMetricStub,
  FunctionStub,
  SchedulerJobStub,
  SecretStub,
  ServiceAccountRole,
  TableStub,
  TopicStub,
  VmStub,
} from "../naming/catalogue.js";
import type { InstanceKeywords } from "../naming/keywords.js";
import type { ServiceAgents } from "../naming/names.js";
import type { ProgramId } from "./env.js";
import type { TableLayout } from "./tables.js";

/**
 * The seed's components (each one Pulumi ComponentResource), plus `instance` for what they share:
 * the enabled APIs and the push-subscription identity.
 */
export type ComponentId =
  | "instance"
  | "consumer"
  | "avroStorage"
  | "bigQueryStorage"
  | "valueAdded"
  | "nightConductor"
  | "brokerFiles";

export interface ServiceAccountSpec {
  role: ServiceAccountRole;
  accountId: string;
  email: string;
  displayName: string;
  description: string;
  component: ComponentId;
}

export interface TopicSpec {
  /** A topic stub, or `{fn}-deadletter` for a dead-letter topic. */
  stub: TopicStub | `${string}-deadletter`;
  name: string;
  component: ComponentId;
  /** Set on dead-letter topics: the function whose failed deliveries land here. */
  deadLetterOf?: FunctionStub;
}

export type SubscriptionPurpose =
  /** Pushes to a function; retried with backoff, dead-lettered after the last attempt. */
  | "processing"
  /** Pulled by the night conductor at END to count a night's messages, then seeked to now. */
  | "counter"
  /** Never acknowledged: the simulator replays from it. */
  | "reservoir"
  /** Keeps a function's dead letters for inspection and replay. */
  | "deadLetterReservoir";

export interface SubscriptionSpec {
  stub: string;
  name: string;
  component: ComponentId;
  purpose: SubscriptionPurpose;
  topic: string;
  ackDeadlineSeconds: number;
  messageRetentionSeconds: number;
  retainAckedMessages: boolean;
  /** Always true: idle subscriptions would otherwise expire after 31 days. */
  neverExpires: true;
  push?: { function: string; oidcServiceAccount: ServiceAccountRole };
  deadLetter?: { topic: string; maxDeliveryAttempts: number };
  retry?: { minimumBackoffSeconds: number; maximumBackoffSeconds: number };
  /** Holds data nothing else keeps (the reservoir, dead letters): protected in production. */
  protect: boolean;
}

export interface BucketSpec {
  stub: BucketStub;
  name: string;
  component: ComponentId;
  location: string;
  uniformBucketLevelAccess: true;
  publicAccessPrevention: "enforced";
  /** Production data: protected from deletion and retained if removed from the program. */
  protect: boolean;
}

export interface NotificationSpec {
  bucket: string;
  topic: string;
  eventTypes: ["OBJECT_FINALIZE"];
  payloadFormat: "JSON_API_V1";
  component: ComponentId;
}

export interface DatasetSpec {
  name: string;
  component: ComponentId;
  location: string;
  protect: boolean;
}

export interface TableSpec extends TableLayout {
  stub: TableStub;
  name: string;
  dataset: string;
  component: ComponentId;
  schema: TableField[];
  protect: boolean;
}

export interface ViewSpec {
  name: string;
  dataset: string;
  /** The table it de-duplicates. */
  table: string;
  query: string;
  component: ComponentId;
}

export interface SecretSpec {
  stub: SecretStub;
  name: string;
  component: ComponentId;
  /** Production credentials: protected from deletion and retained if removed from the program. */
  protect: boolean;
}

/** A program to bundle and upload to `broker_files` (a function's source or a VM program). */
export interface CodeSpec {
  program: ProgramId;
  kind: "function" | "vm";
  /** Workspace folder, relative to the repository root. */
  sourceDir: string;
  /** Entry file, relative to `sourceDir`. */
  entry: string;
  /** Object-name prefix in `broker_files`; `codeObject` names each archive under it by content hash. */
  objectPrefix: string;
  component: ComponentId;
}

/** A file uploaded to `broker_files` as is. */
export interface BrokerFileSpec {
  object: string;
  source:
    | { kind: "schemaMap"; survey: string }
    | { kind: "startupScript"; vm: VmStub }
    | { kind: "nodeRuntime"; version: string };
  component: ComponentId;
}

export interface FunctionSpec {
  stub: FunctionStub;
  name: string;
  component: ComponentId;
  sourceDir: string;
  entryPoint: string;
  runtime: "nodejs22";
  memory: string;
  cpu: string;
  timeoutSeconds: number;
  maxInstances: number;
  concurrency: number;
  env: Record<string, string>;
  serviceAccount: ServiceAccountRole;
  /** Processing subscription on `topic` that pushes to the function. */
  trigger: { topic: string; subscription: string };
  deadLetterTopic: string;
  retry: {
    maxDeliveryAttempts: number;
    minimumBackoffSeconds: number;
    maximumBackoffSeconds: number;
  };
}

/**
 * Where a VM's network interface is. Without an external IP the VM reaches Kafka, nodejs.org and
 * npm only through Cloud NAT on its subnetwork (Private Google Access reaches Google APIs only).
 */
export interface VmNetwork {
  /** Network name or self link; `default` unless configured. */
  network: string;
  /** Subnetwork name or self link; required in custom-mode networks. */
  subnetwork?: string;
  /** An ephemeral external address for outbound connections. */
  externalIp: boolean;
}

export interface VmSpec {
  stub: VmStub;
  name: string;
  component: ComponentId;
  zone: string;
  network: VmNetwork;
  machineType: string;
  /** Boot image, `project/family`. */
  image: string;
  bootDiskGb: number;
  sourceDir: string;
  serviceAccount: ServiceAccountRole;
  /** The program's environment, written into the VM's startup script by the deployment. */
  env: Record<string, string>;
  /**
   * The only environment keys read from the VM's metadata, which the cue function and the night
   * conductor write at run time. The deployment sets no metadata that changes, so a deploy never
   * rewrites the metadata and cannot drop these keys.
   */
  runtimeMetadataKeys: string[];
  /** Object in `broker_files` the VM runs at every boot. */
  startupScriptObject: string;
  /** After the program exits: restart it (a service) or power the VM off (a one-shot job). */
  onExit: "restart" | "poweroff";
  nodeVersion: string;
  /** Object in `broker_files` holding the Node.js runtime the startup script installs. */
  nodeRuntimeObject: string;
}

export interface SchedulerJobSpec {
  stub: SchedulerJobStub;
  name: string;
  component: ComponentId;
  region: string;
  schedule: string;
  timeZone: "UTC";
  topic: string;
  data: "START" | "END";
  /** Test instances are created paused (later edits of `paused` are left alone). */
  paused: boolean;
}

export type IamMember =
  | { kind: "serviceAccount"; role: ServiceAccountRole; email: string }
  | { kind: "serviceAgent"; agent: keyof ServiceAgents; email: string }
  /** Cloud Storage's agent: created lazily by Google, so looked up (and thereby created) at deploy. */
  | { kind: "storageAgent" };

export type IamTarget =
  | { kind: "project"; project: string }
  | { kind: "topic"; name: string }
  | { kind: "subscription"; name: string }
  | { kind: "bucket"; name: string }
  | { kind: "table"; dataset: string; name: string }
  | { kind: "serviceAccount"; role: ServiceAccountRole }
  | { kind: "secret"; name: string }
  | { kind: "vm"; name: string; zone: string }
  | { kind: "function"; name: string; region: string };

export interface IamGrant {
  member: IamMember;
  /** Predefined role `roles/...` (never a primitive one), or a custom role's `projects/P/roles/ID`. */
  role: string;
  target: IamTarget;
  /** IAM condition narrowing the grant (e.g. to an object prefix). */
  condition?: { title: string; expression: string };
  component: ComponentId;
  /** Why the member needs it. */
  reason: string;
}

/** A project-level custom role of the instance, granted on resources like a predefined one. */
export interface CustomRoleSpec {
  stub: CustomRoleStub;
  roleId: string;
  /** `projects/P/roles/ID`, what grants name. */
  name: string;
  title: string;
  description: string;
  permissions: string[];
  component: ComponentId;
}

export type AlertCondition =
  | { displayName: string; kind: "log"; filter: string }
  | {
      displayName: string;
      kind: "threshold";
      filter: string;
      /** Fires when the aligned value is greater than this for `durationSeconds`. */
      above: number;
      durationSeconds: number;
      alignmentPeriodSeconds: number;
    };

export interface AlertPolicySpec {
  stub: AlertPolicyStub;
  displayName: string;
  component: ComponentId;
  condition: AlertCondition;
  notificationChannels: string[];
  /** On in production; in a test instance only when it has notification channels. */
  enabled: boolean;
  documentation: string;
}

/**
 * A log-based metric: a DELTA INT64 count of matching lines, or, with `valueExtractor`, a DELTA
 * distribution of a number the lines carry; labels extracted from the lines.
 */
export interface LogMetricSpec {
  stub: LogMetricStub;
  name: string;
  component: ComponentId;
  description: string;
  filter: string;
  /** Metric label → extractor expression (`EXTRACT(jsonPayload.reason)`). */
  labelExtractors: Record<string, string>;
  /** Makes it a distribution of this field (`EXTRACT(jsonPayload.lagTotal)`). */
  valueExtractor?: string;
}

/**
 * One chart of a dashboard: a time series per group, aligned per minute. Fields are Cloud
 * Monitoring's (`perSeriesAligner`, `crossSeriesReducer`, `groupByFields`).
 */
export interface DashboardChart {
  title: string;
  filter: string;
  perSeriesAligner: string;
  crossSeriesReducer?: string;
  groupByFields?: string[];
}

export interface DashboardSpec {
  stub: DashboardStub;
  displayName: string;
  component: ComponentId;
  charts: DashboardChart[];
}

export interface InstanceModel {
  keywords: InstanceKeywords;
  /** The Pulumi stack name of the instance. */
  stack: string;
  region: string;
  zone: string;
  /** Location of the buckets and the dataset. */
  dataLocation: string;
  /** Labels for every resource that takes them. */
  labels: Record<string, string>;
  /** APIs (`*.googleapis.com`) the instance needs enabled. */
  apis: string[];
  /** Google's service agents, or null when the project number is unknown (local instance). */
  serviceAgents: ServiceAgents | null;
  serviceAccounts: ServiceAccountSpec[];
  customRoles: CustomRoleSpec[];
  topics: TopicSpec[];
  subscriptions: SubscriptionSpec[];
  buckets: BucketSpec[];
  notifications: NotificationSpec[];
  dataset: DatasetSpec;
  tables: TableSpec[];
  views: ViewSpec[];
  secrets: SecretSpec[];
  code: CodeSpec[];
  brokerFiles: BrokerFileSpec[];
  functions: FunctionSpec[];
  vms: VmSpec[];
  schedulerJobs: SchedulerJobSpec[];
  iam: IamGrant[];
  alertPolicies: AlertPolicySpec[];
  logMetrics: LogMetricSpec[];
  dashboards: DashboardSpec[];
}
