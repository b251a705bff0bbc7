/**
 * Derivation of every resource name of an instance (docs/spec/broker.md §1). Each name is checked against
 * its kind's GCP rule as it is derived, so an invalid survey/testid/project combination throws
 * before anything is created.
 */
import {
  ALERT_POLICY,
  BUCKET,
  CUSTOM_ROLE,
  DASHBOARD,
  DATA_TOPICS,
  DATASET,
  DEDUP_VIEW_SUFFIX,
  FUNCTION_TRIGGER,
  FUNCTIONS,
  LOG_METRIC,
  SCHEDULER_JOB,
  SECRET,
  SERVICE_ACCOUNT_ROLES,
  SUBSCRIPTION_SUFFIX,
  TABLE,
  TOPIC,
  VM,
  type AlertPolicyStub,
  type BucketStub,
  type CustomRoleStub,
  type DashboardStub,
  type FunctionStub,
  type LogMetricStub,
  type SchedulerJobStub,
  type SecretStub,
  type ServiceAccountRole,
  type TableStub,
  type TopicStub,
  type VmStub,
} from "./catalogue.js";
import { NamingError } from "./errors.js";
import { instanceKeywords, type InstanceKeywords } from "./keywords.js";
import { checkName, maxTestidFor, NAME_RULES, type NameKind } from "./rules.js";

/** One derived name: what it names, the stub it came from and the final name. */
export interface ResourceName {
  kind: NameKind;
  stub: string;
  name: string;
}

/** A function stub in the form gen2 accepts (`_` is illegal there). */
export function functionId(stub: FunctionStub): string {
  return stub.replaceAll("_", "-");
}

export class InstanceNamer {
  readonly keywords: InstanceKeywords;
  /** When false, names are derived without their rule checks (used to measure headroom). */
  private readonly validate: boolean;

  constructor(
    keywords: { survey: string; testid?: string | null; project: string },
    validate = true,
  ) {
    this.keywords = instanceKeywords(keywords);
    this.validate = validate;
  }

  private make(kind: NameKind, stub: string, base: string): string {
    const { testid } = this.keywords;
    const name = testid === null ? base : `${base}${NAME_RULES[kind].separator}${testid}`;
    if (this.validate) checkName(kind, stub, name, testid);
    return name;
  }

  private get s(): string {
    return this.keywords.survey;
  }

  topic(stub: TopicStub): string {
    return this.make("topic", stub, `${this.s}-${stub}`);
  }

  /** `S-{topicStub}-{suffix}[-T]`: the testid goes after the suffix. */
  subscription(topicStub: string, suffix: string): string {
    return this.make("subscription", `${topicStub}-${suffix}`, `${this.s}-${topicStub}-${suffix}`);
  }

  /** The push subscription that feeds a function from its trigger topic. */
  processingSubscription(fn: FunctionStub): string {
    return this.subscription(FUNCTION_TRIGGER[fn], functionId(fn));
  }

  counterSubscription(topic: TopicStub): string {
    return this.subscription(topic, SUBSCRIPTION_SUFFIX.counter);
  }

  /** The never-acknowledged subscription on `alerts` that the simulator replays from. */
  reservoirSubscription(): string {
    return this.subscription(TOPIC.alerts, SUBSCRIPTION_SUFFIX.reservoir);
  }

  deadLetterTopic(fn: FunctionStub): string {
    const stub = `${functionId(fn)}-deadletter`;
    return this.make("deadLetterTopic", stub, `${this.s}-${stub}`);
  }

  deadLetterReservoir(fn: FunctionStub): string {
    return this.subscription(`${functionId(fn)}-deadletter`, SUBSCRIPTION_SUFFIX.reservoir);
  }

  bucket(stub: BucketStub): string {
    return this.make("bucket", stub, `${this.keywords.project}-${this.s}-${stub}`);
  }

  dataset(): string {
    return this.make("dataset", DATASET, `${this.s}_${DATASET}`);
  }

  /** Tables live in the instance's dataset, so their names carry no testid. */
  table(stub: TableStub): string {
    if (this.validate) checkName("table", stub, stub, null);
    return stub;
  }

  dedupView(stub: TableStub): string {
    const name = `${stub}${DEDUP_VIEW_SUFFIX}`;
    if (this.validate) checkName("table", name, name, null);
    return name;
  }

  vm(stub: VmStub): string {
    return this.make("vm", stub, `${this.s}-${stub}`);
  }

  function(stub: FunctionStub): string {
    return this.make("function", stub, `${this.s}-${functionId(stub)}`);
  }

  schedulerJob(stub: SchedulerJobStub): string {
    return this.make("schedulerJob", stub, `${this.s}-${stub}`);
  }

  serviceAccount(role: ServiceAccountRole): string {
    return this.make("serviceAccount", role, `${this.s}-${role}`);
  }

  serviceAccountEmail(role: ServiceAccountRole): string {
    return `${this.serviceAccount(role)}@${this.keywords.project}.iam.gserviceaccount.com`;
  }

  /** `S_{stub}[_T]`: role ids allow no `-`; a custom role is per instance, in the project. */
  customRole(stub: CustomRoleStub): string {
    return this.make("customRole", stub, `${this.s}_${stub}`);
  }

  /** What an IAM binding names: `projects/P/roles/ID`. */
  customRoleName(stub: CustomRoleStub): string {
    return `projects/${this.keywords.project}/roles/${this.customRole(stub)}`;
  }

  secret(stub: SecretStub): string {
    return this.make("secret", stub, `${this.s}-${stub}`);
  }

  alertPolicy(stub: AlertPolicyStub): string {
    return this.make("alertPolicy", stub, `${this.s}-${stub}`);
  }

  dashboard(stub: DashboardStub): string {
    return this.make("dashboard", stub, `${this.s}-${stub}`);
  }

  logMetric(stub: LogMetricStub): string {
    return this.make("logMetric", stub, `${this.s}-${stub}`);
  }

  /** Kafka consumer group: `[prefix]S-consumer[-T]` (some surveys require a prefix). */
  kafkaGroupId(prefix = ""): string {
    return `${prefix}${this.vm(VM.consumer)}`;
  }

  /** Every name of the instance, in the order of docs/spec/broker.md §2. */
  all(): ResourceName[] {
    const out: ResourceName[] = [];
    const add = (kind: NameKind, stub: string, name: string) => out.push({ kind, stub, name });
    for (const t of Object.values(TOPIC)) add("topic", t, this.topic(t));
    for (const fn of FUNCTIONS)
      add("deadLetterTopic", `${functionId(fn)}-deadletter`, this.deadLetterTopic(fn));
    add(
      "subscription",
      `${TOPIC.alerts}-${SUBSCRIPTION_SUFFIX.reservoir}`,
      this.reservoirSubscription(),
    );
    for (const t of DATA_TOPICS)
      add("subscription", `${t}-${SUBSCRIPTION_SUFFIX.counter}`, this.counterSubscription(t));
    for (const fn of FUNCTIONS)
      add(
        "subscription",
        `${FUNCTION_TRIGGER[fn]}-${functionId(fn)}`,
        this.processingSubscription(fn),
      );
    for (const fn of FUNCTIONS)
      add("subscription", `${functionId(fn)}-deadletter-reservoir`, this.deadLetterReservoir(fn));
    for (const b of Object.values(BUCKET)) add("bucket", b, this.bucket(b));
    add("dataset", DATASET, this.dataset());
    for (const t of Object.values(TABLE)) add("table", t, this.table(t));
    for (const t of Object.values(TABLE))
      add("table", `${t}${DEDUP_VIEW_SUFFIX}`, this.dedupView(t));
    for (const fn of FUNCTIONS) add("function", fn, this.function(fn));
    for (const v of Object.values(VM)) add("vm", v, this.vm(v));
    for (const j of Object.values(SCHEDULER_JOB)) add("schedulerJob", j, this.schedulerJob(j));
    for (const r of SERVICE_ACCOUNT_ROLES) add("serviceAccount", r, this.serviceAccount(r));
    for (const r of Object.values(CUSTOM_ROLE)) add("customRole", r, this.customRole(r));
    for (const s of Object.values(SECRET)) add("secret", s, this.secret(s));
    for (const p of Object.values(ALERT_POLICY)) add("alertPolicy", p, this.alertPolicy(p));
    for (const m of Object.values(LOG_METRIC)) add("logMetric", m, this.logMetric(m));
    for (const d of Object.values(DASHBOARD)) add("dashboard", d, this.dashboard(d));
    return out;
  }
}

/** Derives and validates every name of the instance; throws the first violation. */
export function instanceNames(keywords: {
  survey: string;
  testid?: string | null;
  project: string;
}): ResourceName[] {
  return new InstanceNamer(keywords).all();
}

/**
 * The longest testid every name of a `survey` instance in `project` accepts: the minimum over all
 * names of `limit − len(production name) − 1`. Below 1, the survey or project is too long.
 */
export function maxTestidLength(survey: string, project: string): number {
  const production = new InstanceNamer({ survey, testid: null, project }, false).all();
  return Math.min(...production.map((r) => maxTestidFor(r.kind, r.name, null)));
}

/**
 * Google-managed service agents of a project, which the broker grants roles to (spec §2 IAM).
 * Not the Cloud Storage agent: Google creates it lazily, so its address is looked up at deploy
 * time (the lookup creates it), never derived.
 */
export interface ServiceAgents {
  /** Delivers push subscriptions and dead letters. */
  pubsub: string;
  /** Publishes the scheduler's cues. */
  cloudScheduler: string;
}

export function serviceAgentEmails(projectNumber: string): ServiceAgents {
  if (!/^[1-9][0-9]{5,19}$/.test(projectNumber)) {
    throw new NamingError(
      `invalid project number "${projectNumber}": it is the numeric id of the project ` +
        "(gcloud projects describe PROJECT --format='value(projectNumber)')",
    );
  }
  return {
    pubsub: `service-${projectNumber}@gcp-sa-pubsub.iam.gserviceaccount.com`,
    cloudScheduler: `service-${projectNumber}@gcp-sa-cloudscheduler.iam.gserviceaccount.com`,
  };
}
