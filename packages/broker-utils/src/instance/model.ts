/**
 * `instanceModel`: one broker instance as plain data (docs/spec/broker.md §2). It is the only place that
 * decides which resources exist and how they are configured; names come from `naming`. The Pulumi
 * program and the local instance both consume it.
 */
import {
  BUCKET,
  DATA_TOPICS,
  FUNCTION,
  FUNCTION_TRIGGER,
  FUNCTIONS,
  SCHEDULER_JOB,
  SECRET,
  STREAM_FUNCTIONS,
  TABLE,
  TOPIC,
  VM,
  type BucketStub,
  type FunctionStub,
  type ServiceAccountRole,
  type TableStub,
  type TopicStub,
  type VmStub,
} from "../naming/catalogue.js";
import { functionId, InstanceNamer, serviceAgentEmails } from "../naming/names.js";
import { codeObjectPrefix, schemaMapObject, startupScriptObject } from "../naming/objects.js";
import { ENV, RUNTIME_METADATA, type ProgramId } from "./env.js";
import { instanceCustomRoles, instanceGrants } from "./iam.js";
import { instanceDashboard } from "./dashboard.js";
import { instanceAlertPolicies, instanceLogMetrics } from "./monitoring.js";
import {
  checkLayout,
  dedupViewQuery,
  metadataTableSchema,
  salt2TableSchema,
  tableLayout,
  type TableSchemaProvider,
} from "./tables.js";
import { vmZone } from "./zones.js";
import type {
  BrokerFileSpec,
  BucketSpec,
  CodeSpec,
  ComponentId,
  FunctionSpec,
  InstanceModel,
  SchedulerJobSpec,
  ServiceAccountSpec,
  SubscriptionSpec,
  TableSpec,
  TopicSpec,
  ViewSpec,
  VmNetwork,
  VmSpec,
} from "./types.js";

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

const DAY = 24 * 3600;
/** Processing: Pub/Sub retries with backoff, then dead-letters (docs/spec/broker.md §2). */
const RETRY = { maxDeliveryAttempts: 5, minimumBackoffSeconds: 10, maximumBackoffSeconds: 600 };
/** Time a push delivery may take beyond the function timeout before Pub/Sub redelivers. */
const ACK_MARGIN_SECONDS = 60;
const MAX_ACK_DEADLINE_SECONDS = 600;

/** Per-function runtime settings (timeouts from docs/spec/broker.md §2). */
const FUNCTION_SETTINGS: Readonly<
  Record<
    FunctionStub,
    {
      component: ComponentId;
      role: ServiceAccountRole;
      entryPoint: string;
      memory: string;
      cpu: string;
      timeoutSeconds: number;
      /** The cue functions handle one cue at a time. */
      singleInstance: boolean;
    }
  >
> = {
  [FUNCTION.upload]: {
    component: "avroStorage",
    role: "up",
    entryPoint: "uploadBytesToBucket",
    memory: "512Mi",
    cpu: "1",
    timeoutSeconds: 60,
    singleInstance: false,
  },
  [FUNCTION.bqSink]: {
    component: "bigQueryStorage",
    role: "bq",
    entryPoint: "bqSink",
    memory: "512Mi",
    cpu: "1",
    timeoutSeconds: 60,
    singleInstance: false,
  },
  [FUNCTION.valueAdded]: {
    component: "valueAdded",
    role: "va",
    entryPoint: "valueAdded",
    memory: "2Gi",
    cpu: "1",
    timeoutSeconds: 300,
    singleInstance: false,
  },
  [FUNCTION.cue]: {
    component: "nightConductor",
    role: "cue",
    entryPoint: "cueNightConductor",
    memory: "256Mi",
    cpu: "1",
    timeoutSeconds: 300,
    singleInstance: true,
  },
  [FUNCTION.check]: {
    component: "nightConductor",
    role: "chk",
    entryPoint: "checkCueResponse",
    memory: "256Mi",
    cpu: "1",
    timeoutSeconds: 540,
    singleInstance: true,
  },
};

/** The Cloud Functions entry point each function's adapter registers with the Functions Framework. */
export const FUNCTION_ENTRY_POINT: Readonly<Record<FunctionStub, string>> = Object.fromEntries(
  FUNCTIONS.map((fn) => [fn, FUNCTION_SETTINGS[fn].entryPoint]),
) as Record<FunctionStub, string>;

const SERVICE_ACCOUNTS: Readonly<
  Record<ServiceAccountRole, { component: ComponentId; description: string }>
> = {
  cons: { component: "consumer", description: "consumer VM: Kafka → alerts topic" },
  nc: {
    component: "nightConductor",
    description: "night-conductor VM: starts/stops the consumer, counts the night",
  },
  up: { component: "avroStorage", description: "function upload-bytes-to-bucket" },
  bq: { component: "bigQueryStorage", description: "function bq-sink" },
  va: { component: "valueAdded", description: "function value-added" },
  cue: { component: "nightConductor", description: "function cue-night-conductor" },
  chk: { component: "nightConductor", description: "function check-cue-response (reads only)" },
  push: { component: "instance", description: "OIDC identity of the push subscriptions" },
};

const TOPIC_COMPONENT: Readonly<Record<TopicStub, ComponentId>> = {
  [TOPIC.alerts]: "consumer",
  [TOPIC.alertAvros]: "avroStorage",
  [TOPIC.alertsPure]: "valueAdded",
  [TOPIC.exgalacTrans]: "valueAdded",
  [TOPIC.salt2]: "valueAdded",
  [TOPIC.cue]: "nightConductor",
};

const VM_SETTINGS: Readonly<
  Record<
    VmStub,
    {
      component: ComponentId;
      role: ServiceAccountRole;
      onExit: VmSpec["onExit"];
      runtime: string[];
    }
  >
> = {
  [VM.consumer]: {
    component: "consumer",
    role: "cons",
    onExit: "restart",
    runtime: [RUNTIME_METADATA.kafkaTopic],
  },
  [VM.nightConductor]: {
    component: "nightConductor",
    role: "nc",
    onExit: "poweroff",
    runtime: [RUNTIME_METADATA.night, RUNTIME_METADATA.kafkaTopic],
  },
};

/** APIs the instance uses. serviceusage and cloudresourcemanager must be enabled by hand first. */
const APIS = [
  "artifactregistry.googleapis.com",
  "bigquery.googleapis.com",
  "bigquerystorage.googleapis.com",
  "cloudbuild.googleapis.com",
  "cloudfunctions.googleapis.com",
  "cloudscheduler.googleapis.com",
  "compute.googleapis.com",
  "iam.googleapis.com",
  "logging.googleapis.com",
  "monitoring.googleapis.com",
  "pubsub.googleapis.com",
  "run.googleapis.com",
  "secretmanager.googleapis.com",
  "storage.googleapis.com",
];

export function instanceModel(input: InstanceInput): InstanceModel {
  const n = new InstanceNamer(input);
  const { survey, testid, project } = n.keywords;
  const production = testid === null;
  const region = input.region;
  const zone = vmZone(region, input.zone);
  const network: VmNetwork = {
    network: input.network ?? DEFAULTS.network,
    ...(input.subnetwork === undefined ? {} : { subnetwork: input.subnetwork }),
    externalIp: input.externalIp ?? DEFAULTS.externalIp,
  };
  const dataLocation = input.dataLocation ?? region;
  const stack = production ? survey : `${survey}-${testid}`;
  const serviceAgents =
    input.projectNumber === undefined ? null : serviceAgentEmails(input.projectNumber);
  const kafka = input.kafka ?? {};
  const maxInstances = input.maxInstances ?? DEFAULTS.maxInstances;
  if (!Number.isInteger(maxInstances) || maxInstances < 1) {
    throw new Error(`maxInstances must be a positive integer, got ${maxInstances}`);
  }

  const brokerFilesBucket = n.bucket(BUCKET.brokerFiles);
  const dataset = n.dataset();
  const topicName = (t: TopicStub) => n.topic(t);
  const common: Record<string, string> = {
    [ENV.survey]: survey,
    [ENV.testid]: testid ?? "",
    [ENV.project]: project,
    [ENV.logLevel]: input.logLevel ?? DEFAULTS.logLevel,
    [ENV.brokerFilesBucket]: brokerFilesBucket,
  };

  // --- service accounts
  const serviceAccounts: ServiceAccountSpec[] = (
    Object.keys(SERVICE_ACCOUNTS) as ServiceAccountRole[]
  ).map((role) => ({
    role,
    accountId: n.serviceAccount(role),
    email: n.serviceAccountEmail(role),
    displayName: `${stack} ${role}`,
    description: `Broker ${stack}: ${SERVICE_ACCOUNTS[role].description}`,
    component: SERVICE_ACCOUNTS[role].component,
  }));

  // --- topics and subscriptions
  const topics: TopicSpec[] = Object.values(TOPIC).map((stub) => ({
    stub,
    name: topicName(stub),
    component: TOPIC_COMPONENT[stub],
  }));
  const subscriptions: SubscriptionSpec[] = [
    {
      stub: `${TOPIC.alerts}-reservoir`,
      name: n.reservoirSubscription(),
      component: "consumer",
      purpose: "reservoir",
      topic: topicName(TOPIC.alerts),
      ackDeadlineSeconds: 60,
      messageRetentionSeconds: 7 * DAY,
      retainAckedMessages: false,
      neverExpires: true,
      protect: production,
    },
    ...DATA_TOPICS.map((t): SubscriptionSpec => ({
      stub: `${t}-counter`,
      name: n.counterSubscription(t),
      component: "nightConductor",
      purpose: "counter",
      topic: topicName(t),
      ackDeadlineSeconds: 60,
      messageRetentionSeconds: 7 * DAY,
      retainAckedMessages: false,
      neverExpires: true,
      protect: false,
    })),
  ];

  // --- functions, each with its processing subscription and dead-letter topic + reservoir
  const functionEnv: Record<FunctionStub, Record<string, string>> = {
    [FUNCTION.upload]: { [ENV.alertAvrosBucket]: n.bucket(BUCKET.alertAvros) },
    [FUNCTION.bqSink]: {
      [ENV.alertAvrosBucket]: n.bucket(BUCKET.alertAvros),
      [ENV.bqDataset]: dataset,
      [ENV.bqAlertsTable]: n.table(TABLE.alerts),
      [ENV.bqDiaSourceTable]: n.table(TABLE.diaSource),
    },
    [FUNCTION.valueAdded]: {
      [ENV.alertAvrosBucket]: n.bucket(BUCKET.alertAvros),
      [ENV.bqDataset]: dataset,
      [ENV.bqSalt2Table]: n.table(TABLE.salt2),
      [ENV.alertsPureTopic]: topicName(TOPIC.alertsPure),
      [ENV.exgalacTransTopic]: topicName(TOPIC.exgalacTrans),
      [ENV.salt2Topic]: topicName(TOPIC.salt2),
      [ENV.sncosmoBucket]: n.bucket(BUCKET.sncosmo),
    },
    [FUNCTION.cue]: {
      [ENV.zone]: zone,
      [ENV.nightConductorVm]: n.vm(VM.nightConductor),
      ...(kafka.topicSyntax ? { [ENV.kafkaTopicSyntax]: kafka.topicSyntax } : {}),
    },
    [FUNCTION.check]: {
      [ENV.zone]: zone,
      [ENV.nightConductorVm]: n.vm(VM.nightConductor),
      [ENV.consumerVm]: n.vm(VM.consumer),
    },
  };
  const functions: FunctionSpec[] = [];
  for (const fn of FUNCTIONS) {
    const s = FUNCTION_SETTINGS[fn];
    const name = n.function(fn);
    const deadLetterTopic = n.deadLetterTopic(fn);
    const trigger = {
      topic: topicName(FUNCTION_TRIGGER[fn]),
      subscription: n.processingSubscription(fn),
    };
    functions.push({
      stub: fn,
      name,
      component: s.component,
      sourceDir: `functions/${functionId(fn)}`,
      entryPoint: s.entryPoint,
      runtime: "nodejs22",
      memory: s.memory,
      cpu: s.cpu,
      timeoutSeconds: s.timeoutSeconds,
      maxInstances: s.singleInstance ? 1 : maxInstances,
      concurrency: 1,
      env: { ...common, [ENV.deadLetterTopic]: deadLetterTopic, ...functionEnv[fn] },
      serviceAccount: s.role,
      trigger,
      deadLetterTopic,
      retry: RETRY,
    });
    topics.push({
      stub: `${functionId(fn)}-deadletter`,
      name: deadLetterTopic,
      component: s.component,
      deadLetterOf: fn,
    });
    subscriptions.push(
      {
        stub: `${FUNCTION_TRIGGER[fn]}-${functionId(fn)}`,
        name: trigger.subscription,
        component: s.component,
        purpose: "processing",
        topic: trigger.topic,
        ackDeadlineSeconds: Math.min(
          s.timeoutSeconds + ACK_MARGIN_SECONDS,
          MAX_ACK_DEADLINE_SECONDS,
        ),
        messageRetentionSeconds: 7 * DAY,
        retainAckedMessages: false,
        neverExpires: true,
        push: { function: name, oidcServiceAccount: "push" },
        deadLetter: { topic: deadLetterTopic, maxDeliveryAttempts: RETRY.maxDeliveryAttempts },
        retry: {
          minimumBackoffSeconds: RETRY.minimumBackoffSeconds,
          maximumBackoffSeconds: RETRY.maximumBackoffSeconds,
        },
        protect: false,
      },
      {
        stub: `${functionId(fn)}-deadletter-reservoir`,
        name: n.deadLetterReservoir(fn),
        component: s.component,
        purpose: "deadLetterReservoir",
        topic: deadLetterTopic,
        ackDeadlineSeconds: 60,
        messageRetentionSeconds: 31 * DAY,
        retainAckedMessages: false,
        neverExpires: true,
        protect: production,
      },
    );
  }

  // --- storage
  const bucketComponent: Record<BucketStub, ComponentId> = {
    [BUCKET.alertAvros]: "avroStorage",
    [BUCKET.sncosmo]: "valueAdded",
    [BUCKET.brokerFiles]: "brokerFiles",
  };
  const buckets: BucketSpec[] = Object.values(BUCKET).map((stub) => ({
    stub,
    name: n.bucket(stub),
    component: bucketComponent[stub],
    location: dataLocation,
    uniformBucketLevelAccess: true,
    publicAccessPrevention: "enforced",
    protect: production,
  }));
  const notifications = [
    {
      bucket: n.bucket(BUCKET.alertAvros),
      topic: topicName(TOPIC.alertAvros),
      eventTypes: ["OBJECT_FINALIZE"] as ["OBJECT_FINALIZE"],
      payloadFormat: "JSON_API_V1" as const,
      component: "avroStorage" as const,
    },
  ];

  // --- BigQuery
  const tableSchema = (stub: TableStub) => {
    switch (stub) {
      case TABLE.alerts:
      case TABLE.diaSource:
        return input.tableSchemas(survey, stub, input.schemaVersion);
      case TABLE.salt2:
        return salt2TableSchema();
      case TABLE.metadata:
        return metadataTableSchema();
    }
  };
  const tables: TableSpec[] = Object.values(TABLE).map((stub) => {
    const name = n.table(stub);
    const schema = tableSchema(stub);
    const layout = tableLayout(survey, stub);
    checkLayout(name, schema, layout);
    return {
      stub,
      name,
      dataset,
      component: "bigQueryStorage",
      schema,
      protect: production,
      ...layout,
    };
  });
  const views: ViewSpec[] = tables.map((t) => ({
    name: n.dedupView(t.stub),
    dataset,
    table: t.name,
    query: dedupViewQuery(project, dataset, t.name, t),
    component: "bigQueryStorage",
  }));

  // --- VMs
  const consumerVm = n.vm(VM.consumer);
  const nightConductorVm = n.vm(VM.nightConductor);
  const vmEnv: Record<VmStub, Record<string, string>> = {
    [VM.consumer]: {
      [ENV.alertsTopic]: topicName(TOPIC.alerts),
      [ENV.kafkaSecurityProtocol]: kafka.securityProtocol ?? DEFAULTS.kafkaSecurityProtocol,
      // Unset rather than empty: the consumer then refuses to start, naming the missing variable.
      ...(kafka.bootstrapServers ? { [ENV.kafkaBootstrapServers]: kafka.bootstrapServers } : {}),
      ...(kafka.saslMechanism ? { [ENV.kafkaSaslMechanism]: kafka.saslMechanism } : {}),
      [ENV.kafkaCredentialsSecret]: n.secret(SECRET.kafka),
      [ENV.kafkaGroupId]: n.kafkaGroupId(kafka.groupIdPrefix),
      ...(kafka.topicSyntax ? { [ENV.kafkaTopicSyntax]: kafka.topicSyntax } : {}),
      ...(kafka.client ? { [ENV.kafkaClient]: kafka.client } : {}),
    },
    [VM.nightConductor]: {
      [ENV.zone]: zone,
      [ENV.consumerVm]: consumerVm,
      [ENV.nightConductorVm]: nightConductorVm,
      [ENV.bqDataset]: dataset,
      [ENV.bqMetadataTable]: n.table(TABLE.metadata),
      [ENV.processingSubscriptions]: STREAM_FUNCTIONS.map((fn) =>
        n.processingSubscription(fn),
      ).join(","),
      [ENV.counterSubscriptions]: JSON.stringify(
        Object.fromEntries(DATA_TOPICS.map((t) => [t, n.counterSubscription(t)])),
      ),
      [ENV.drainTimeoutMinutes]: String(input.drainTimeoutMinutes ?? DEFAULTS.drainTimeoutMinutes),
    },
  };
  const vms: VmSpec[] = Object.values(VM).map((stub) => {
    const s = VM_SETTINGS[stub];
    return {
      stub,
      name: n.vm(stub),
      component: s.component,
      zone,
      network,
      machineType: input.machineType ?? DEFAULTS.machineType,
      image: input.vmImage ?? DEFAULTS.vmImage,
      bootDiskGb: DEFAULTS.bootDiskGb,
      sourceDir: `vm/${stub}`,
      serviceAccount: s.role,
      env: { ...common, ...vmEnv[stub] },
      runtimeMetadataKeys: s.runtime,
      startupScriptObject: startupScriptObject(stub),
      onExit: s.onExit,
      nodeVersion: input.nodeVersion ?? DEFAULTS.nodeVersion,
    };
  });

  // --- code and files in broker_files
  const code: CodeSpec[] = [
    ...functions.map((f): CodeSpec => ({
      program: f.stub as ProgramId,
      kind: "function",
      sourceDir: f.sourceDir,
      entry: "src/index.ts",
      objectPrefix: codeObjectPrefix(f.sourceDir),
      component: "brokerFiles",
    })),
    ...vms.map((v): CodeSpec => ({
      program: v.stub,
      kind: "vm",
      sourceDir: v.sourceDir,
      entry: "src/index.ts",
      objectPrefix: codeObjectPrefix(v.sourceDir),
      component: "brokerFiles",
    })),
  ];
  const brokerFiles: BrokerFileSpec[] = [
    {
      object: schemaMapObject(survey),
      source: { kind: "schemaMap", survey },
      component: "brokerFiles",
    },
    ...vms.map((v): BrokerFileSpec => ({
      object: v.startupScriptObject,
      source: { kind: "startupScript", vm: v.stub },
      component: "brokerFiles",
    })),
  ];

  // --- scheduler
  const schedulerJobs: SchedulerJobSpec[] = [
    [SCHEDULER_JOB.start, "0 4 * * *", "START"] as const,
    [SCHEDULER_JOB.end, "55 13 * * *", "END"] as const,
  ].map(([stub, schedule, data]) => ({
    stub,
    name: n.schedulerJob(stub),
    component: "nightConductor",
    region,
    schedule,
    timeZone: "UTC",
    topic: topicName(TOPIC.cue),
    data,
    paused: !production,
  }));

  const secrets = [
    {
      stub: SECRET.kafka,
      name: n.secret(SECRET.kafka),
      component: "consumer" as const,
      protect: production,
    },
  ];

  const iam = instanceGrants(n, { region, zone, functions, serviceAgents });
  const alertPolicies = instanceAlertPolicies(n, stack, input.notificationChannels ?? []);
  const logMetrics = instanceLogMetrics(n);

  return {
    keywords: n.keywords,
    stack,
    region,
    zone,
    dataLocation,
    labels: { "pgb-survey": survey, "pgb-instance": stack },
    apis: [...APIS],
    serviceAgents,
    serviceAccounts,
    customRoles: instanceCustomRoles(n, stack),
    topics,
    subscriptions,
    buckets,
    notifications,
    dataset: {
      name: dataset,
      component: "bigQueryStorage",
      location: dataLocation,
      protect: production,
    },
    tables,
    views,
    secrets,
    code,
    brokerFiles,
    functions,
    vms,
    schedulerJobs,
    iam,
    alertPolicies,
    logMetrics,
    dashboards: [instanceDashboard(n, logMetrics)],
  };
}
