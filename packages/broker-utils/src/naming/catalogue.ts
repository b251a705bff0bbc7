/**
 * The stubs of every named resource of an instance and the relations that shape names (which
 * function a topic triggers, which topics are counted). docs/spec/broker.md §2 is the source; the instance
 * model builds its resources from these constants, so a stub is spelled once.
 */

export const TOPIC = {
  alerts: "alerts",
  alertAvros: "alert_avros",
  alertsPure: "alerts_pure",
  exgalacTrans: "exgalac_trans",
  salt2: "salt2",
  cue: "cue_night_conductor",
} as const;
export type TopicStub = (typeof TOPIC)[keyof typeof TOPIC];

/** The data streams: each has a counter subscription the night conductor drains at END. */
export const DATA_TOPICS = [
  TOPIC.alerts,
  TOPIC.alertAvros,
  TOPIC.alertsPure,
  TOPIC.exgalacTrans,
  TOPIC.salt2,
] as const satisfies readonly TopicStub[];

export const FUNCTION = {
  upload: "upload_bytes_to_bucket",
  bqSink: "bq-sink",
  valueAdded: "value-added",
  cue: "cue_night_conductor",
  check: "check_cue_response",
} as const;
export type FunctionStub = (typeof FUNCTION)[keyof typeof FUNCTION];
export const FUNCTIONS: readonly FunctionStub[] = Object.values(FUNCTION);

/**
 * The topic whose processing subscription pushes to each function. Only upload-bytes-to-bucket is
 * pushed the whole alert; bq-sink and value-added are pushed the bucket notification of the stored
 * Avro file (~1 KB) and read the file, which saves two full-alert deliveries per alert
 * (docs/cost.md).
 */
export const FUNCTION_TRIGGER: Readonly<Record<FunctionStub, TopicStub>> = {
  [FUNCTION.upload]: TOPIC.alerts,
  [FUNCTION.bqSink]: TOPIC.alertAvros,
  [FUNCTION.valueAdded]: TOPIC.alertAvros,
  [FUNCTION.cue]: TOPIC.cue,
  [FUNCTION.check]: TOPIC.cue,
};

/** The functions every alert passes through: those fed by a data stream (not the cue). */
export const STREAM_FUNCTIONS: readonly FunctionStub[] = FUNCTIONS.filter((fn) =>
  (DATA_TOPICS as readonly TopicStub[]).includes(FUNCTION_TRIGGER[fn]),
);

export const SUBSCRIPTION_SUFFIX = { counter: "counter", reservoir: "reservoir" } as const;

export const BUCKET = {
  alertAvros: "alert_avros",
  sncosmo: "sncosmo",
  brokerFiles: "broker_files",
} as const;
export type BucketStub = (typeof BUCKET)[keyof typeof BUCKET];

export const DATASET = "alerts";

export const TABLE = {
  alerts: "alerts",
  diaSource: "DIASource",
  salt2: "salt2",
  metadata: "metadata",
} as const;
export type TableStub = (typeof TABLE)[keyof typeof TABLE];
/** Suffix of the view that keeps the latest row per key of a table. */
export const DEDUP_VIEW_SUFFIX = "_dedup";

export const VM = { consumer: "consumer", nightConductor: "night-conductor" } as const;
export type VmStub = (typeof VM)[keyof typeof VM];

export const SCHEDULER_JOB = {
  start: "cue_night_conductor_START",
  end: "cue_night_conductor_END",
} as const;
export type SchedulerJobStub = (typeof SCHEDULER_JOB)[keyof typeof SCHEDULER_JOB];

/**
 * Service-account roles, kept short because ids are limited to 30 characters: `cons` consumer VM,
 * `nc` night-conductor VM, `up` upload, `bq` bq-sink, `va` value-added, `cue` cue-night-conductor,
 * `chk` check-cue-response (reads VM states only, so not the cue account), `push` the identity of
 * the push subscriptions.
 */
export const SERVICE_ACCOUNT_ROLES = [
  "cons",
  "nc",
  "up",
  "bq",
  "va",
  "cue",
  "chk",
  "push",
] as const;
export type ServiceAccountRole = (typeof SERVICE_ACCOUNT_ROLES)[number];

/**
 * Custom IAM roles, where every predefined role is broader than what an account does: start, stop,
 * read and set metadata of a VM (instanceAdmin also deletes); read a VM; insert rows (dataEditor
 * also deletes and alters tables).
 */
export const CUSTOM_ROLE = {
  vmOperator: "vmOperator",
  vmReader: "vmReader",
  rowWriter: "rowWriter",
} as const;
export type CustomRoleStub = (typeof CUSTOM_ROLE)[keyof typeof CUSTOM_ROLE];

export const SECRET = { kafka: "kafka-credentials" } as const;
export type SecretStub = (typeof SECRET)[keyof typeof SECRET];

/**
 * Alert policies. The spec's single `cue-critical` policy is two here: GCP allows only one
 * condition in a policy that has a log-match condition, so the dead-letter backlog gets its own.
 */
export const ALERT_POLICY = {
  cueCritical: "cue-critical",
  deadLetterBacklog: "deadletter-backlog",
  vmBootFailed: "vm-boot-failed",
} as const;
export type AlertPolicyStub = (typeof ALERT_POLICY)[keyof typeof ALERT_POLICY];

/** The instance's Cloud Monitoring dashboard. */
export const DASHBOARD = { broker: "broker" } as const;
export type DashboardStub = (typeof DASHBOARD)[keyof typeof DASHBOARD];

/**
 * Log-based metrics: counts of log lines the programs write with a stable `event` field, and the
 * consumer's Kafka lag from its stats line (Kafka outside GCP has no Cloud Monitoring metric).
 */
export const LOG_METRIC = { salt2Skipped: "salt2-skipped", kafkaLag: "kafka-lag" } as const;
export type LogMetricStub = (typeof LOG_METRIC)[keyof typeof LOG_METRIC];
