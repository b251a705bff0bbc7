/**
 * The IAM grants of an instance (docs/spec/broker.md §2 "IAM"): additive member grants only, because
 * instances share projects. Each runtime account gets what it writes or reads; Google's service
 * agents get what `gsutil`/`gcloud` granted silently in the reference broker.
 */
import {
  BUCKET,
  DATA_TOPICS,
  SECRET,
  TABLE,
  TOPIC,
  VM,
  type ServiceAccountRole,
  type TableStub,
} from "../naming/catalogue.js";
import type { InstanceNamer, ServiceAgents } from "../naming/names.js";
import { OBJECT_PREFIX } from "../naming/objects.js";
import type { ComponentId, FunctionSpec, IamGrant, IamMember, IamTarget } from "./types.js";

export function instanceGrants(
  n: InstanceNamer,
  ctx: {
    region: string;
    zone: string;
    functions: readonly FunctionSpec[];
    serviceAgents: ServiceAgents | null;
  },
): IamGrant[] {
  const { region, zone, functions, serviceAgents } = ctx;
  const { project } = n.keywords;
  const dataset = n.dataset();
  const brokerFilesBucket = n.bucket(BUCKET.brokerFiles);
  const consumerVm = n.vm(VM.consumer);
  const nightConductorVm = n.vm(VM.nightConductor);
  const topicName = (t: (typeof TOPIC)[keyof typeof TOPIC]) => n.topic(t);
  const sa = (role: ServiceAccountRole): IamMember => ({
    kind: "serviceAccount",
    role,
    email: n.serviceAccountEmail(role),
  });
  const iam: IamGrant[] = [];
  const grant = (
    member: IamMember,
    role: string,
    target: IamTarget,
    component: ComponentId,
    reason: string,
    condition?: IamGrant["condition"],
  ) => iam.push({ member, role, target, component, reason, ...(condition ? { condition } : {}) });
  const topicT = (t: string): IamTarget => ({ kind: "topic", name: t });
  const bucketT = (b: string): IamTarget => ({ kind: "bucket", name: b });
  const tableT = (t: TableStub): IamTarget => ({ kind: "table", dataset, name: n.table(t) });
  const vmT = (v: string): IamTarget => ({ kind: "vm", name: v, zone });
  const projectT: IamTarget = { kind: "project", project };

  for (const role of ["cons", "nc", "up", "bq", "va", "cue"] as const) {
    grant(
      sa(role),
      "roles/storage.objectViewer",
      bucketT(brokerFilesBucket),
      "brokerFiles",
      "reads bundles, startup scripts and schema maps",
    );
  }
  grant(
    sa("cons"),
    "roles/pubsub.publisher",
    topicT(topicName(TOPIC.alerts)),
    "consumer",
    "publishes the survey's alerts",
  );
  grant(
    sa("cons"),
    "roles/secretmanager.secretAccessor",
    { kind: "secret", name: n.secret(SECRET.kafka) },
    "consumer",
    "reads the Kafka credentials",
  );
  grant(
    sa("cons"),
    "roles/storage.objectCreator",
    bucketT(brokerFilesBucket),
    "brokerFiles",
    `stores oversized Kafka messages under ${OBJECT_PREFIX.rejectedConsumer}`,
    {
      title: "rejected-consumer-only",
      expression: `resource.name.startsWith("projects/_/buckets/${brokerFilesBucket}/objects/${OBJECT_PREFIX.rejectedConsumer}")`,
    },
  );
  for (const role of ["cons", "nc"] as const) {
    grant(
      sa(role),
      "roles/logging.logWriter",
      projectT,
      "instance",
      "a VM writes its program's logs",
    );
  }
  grant(
    sa("up"),
    "roles/storage.objectCreator",
    bucketT(n.bucket(BUCKET.alertAvros)),
    "avroStorage",
    "stores each alert's Avro file (create only, never overwrite)",
  );
  for (const t of [TABLE.alerts, TABLE.diaSource] as const) {
    grant(
      sa("bq"),
      "roles/bigquery.dataEditor",
      tableT(t),
      "bigQueryStorage",
      `inserts rows into ${t}`,
    );
  }
  grant(
    sa("va"),
    "roles/bigquery.dataEditor",
    tableT(TABLE.salt2),
    "bigQueryStorage",
    "inserts SALT2 fits",
  );
  for (const t of [TOPIC.alertsPure, TOPIC.exgalacTrans, TOPIC.salt2] as const) {
    grant(sa("va"), "roles/pubsub.publisher", topicT(topicName(t)), "valueAdded", `publishes ${t}`);
  }
  grant(
    sa("va"),
    "roles/storage.objectCreator",
    bucketT(n.bucket(BUCKET.sncosmo)),
    "valueAdded",
    "stores SALT2 plots",
  );
  for (const t of DATA_TOPICS) {
    grant(
      sa("nc"),
      "roles/pubsub.subscriber",
      { kind: "subscription", name: n.counterSubscription(t) },
      "nightConductor",
      "pulls, acknowledges and seeks the counter",
    );
  }
  grant(
    sa("nc"),
    "roles/monitoring.viewer",
    projectT,
    "instance",
    "reads the processing subscriptions' backlog",
  );
  grant(
    sa("nc"),
    "roles/bigquery.dataEditor",
    tableT(TABLE.metadata),
    "bigQueryStorage",
    "records the night",
  );
  grant(
    sa("nc"),
    "roles/storage.objectUser",
    bucketT(brokerFilesBucket),
    "nightConductor",
    "writes (and on a rerun overwrites) the night's summary",
    {
      title: "night-summaries-only",
      expression: `resource.name.startsWith("projects/_/buckets/${brokerFilesBucket}/objects/${OBJECT_PREFIX.nightSummaries}")`,
    },
  );
  for (const role of ["nc", "cue"] as const) {
    for (const vm of [consumerVm, nightConductorVm]) {
      grant(
        sa(role),
        "roles/compute.instanceAdmin.v1",
        vmT(vm),
        "nightConductor",
        "reads the VM's state, sets its metadata, starts and stops it",
      );
    }
  }
  grant(
    sa("nc"),
    "roles/iam.serviceAccountUser",
    { kind: "serviceAccount", role: "cons" },
    "nightConductor",
    "starts the consumer VM, which runs as cons",
  );
  grant(
    sa("cue"),
    "roles/iam.serviceAccountUser",
    { kind: "serviceAccount", role: "nc" },
    "nightConductor",
    "starts the night-conductor VM, which runs as nc",
  );
  for (const f of functions) {
    grant(
      sa("push"),
      "roles/run.invoker",
      { kind: "function", name: f.name, region },
      f.component,
      "push subscriptions call the function with an OIDC token of push",
    );
  }
  for (const f of functions) {
    grant(
      sa(f.serviceAccount),
      "roles/pubsub.publisher",
      topicT(f.deadLetterTopic),
      f.component,
      "dead-letters bad input at once, with the reason",
    );
  }
  if (serviceAgents !== null) {
    const agent = (a: keyof typeof serviceAgents): IamMember => ({
      kind: "serviceAgent",
      agent: a,
      email: serviceAgents[a],
    });
    grant(
      agent("storage"),
      "roles/pubsub.publisher",
      topicT(topicName(TOPIC.alertAvros)),
      "avroStorage",
      "publishes the alert_avros bucket notifications",
    );
    for (const f of functions) {
      grant(
        agent("pubsub"),
        "roles/pubsub.publisher",
        topicT(f.deadLetterTopic),
        f.component,
        "forwards undeliverable messages to the dead-letter topic",
      );
      grant(
        agent("pubsub"),
        "roles/pubsub.subscriber",
        { kind: "subscription", name: f.trigger.subscription },
        f.component,
        "acknowledges dead-lettered messages on the processing subscription",
      );
    }
    grant(
      agent("pubsub"),
      "roles/iam.serviceAccountTokenCreator",
      { kind: "serviceAccount", role: "push" },
      "instance",
      "mints the push subscriptions' OIDC tokens",
    );
    grant(
      agent("cloudScheduler"),
      "roles/pubsub.publisher",
      topicT(topicName(TOPIC.cue)),
      "nightConductor",
      "publishes the scheduled cues",
    );
  }

  return iam;
}
