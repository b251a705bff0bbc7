/**
 * The IAM grants of an instance (docs/spec/broker.md §2 "IAM"): additive member grants only, because
 * instances share projects. Each runtime account gets what it writes or reads, through a custom
 * role where every predefined role is broader; Google's service agents get what `gsutil`/`gcloud`
 * granted silently in the reference broker.
 */
import {
  BUCKET,
  CUSTOM_ROLE,
  DATA_TOPICS,
  SECRET,
  TABLE,
  TOPIC,
  VM,
  type CustomRoleStub,
  type ServiceAccountRole,
  type TableStub,
} from "../naming/catalogue.js";
import type { InstanceNamer, ServiceAgents } from "../naming/names.js";
import { OBJECT_PREFIX } from "../naming/objects.js";
import type {
  ComponentId,
  CustomRoleSpec,
  FunctionSpec,
  IamGrant,
  IamMember,
  IamTarget,
} from "./types.js";

/** What each custom role allows, and the predefined role it replaces. */
const CUSTOM_ROLES: Readonly<
  Record<CustomRoleStub, { title: string; description: string; permissions: string[] }>
> = {
  [CUSTOM_ROLE.vmOperator]: {
    title: "VM operator",
    description: "Read a VM, set its metadata, start and stop it (instanceAdmin.v1 also deletes)",
    permissions: [
      "compute.instances.get",
      "compute.instances.setMetadata",
      "compute.instances.start",
      "compute.instances.stop",
    ],
  },
  [CUSTOM_ROLE.vmReader]: {
    title: "VM reader",
    description: "Read a VM's state and metadata",
    permissions: ["compute.instances.get"],
  },
  [CUSTOM_ROLE.rowWriter]: {
    title: "Row writer",
    description: "Stream rows into a table (dataEditor also deletes and alters tables)",
    permissions: ["bigquery.tables.get", "bigquery.tables.getData", "bigquery.tables.updateData"],
  },
};

export function instanceCustomRoles(n: InstanceNamer, stack: string): CustomRoleSpec[] {
  return Object.values(CUSTOM_ROLE).map((stub) => ({
    stub,
    roleId: n.customRole(stub),
    name: n.customRoleName(stub),
    title: `${stack} ${CUSTOM_ROLES[stub].title}`,
    description: `Broker ${stack}: ${CUSTOM_ROLES[stub].description}`,
    permissions: [...CUSTOM_ROLES[stub].permissions],
    component: "instance",
  }));
}

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
  for (const role of ["bq", "va"] as const) {
    grant(
      sa(role),
      "roles/storage.objectViewer",
      bucketT(n.bucket(BUCKET.alertAvros)),
      "avroStorage",
      "reads each stored alert its bucket notification announces",
    );
  }
  const rowWriter = n.customRoleName(CUSTOM_ROLE.rowWriter);
  for (const t of [TABLE.alerts, TABLE.diaSource] as const) {
    grant(sa("bq"), rowWriter, tableT(t), "bigQueryStorage", `inserts rows into ${t}`);
  }
  grant(sa("va"), rowWriter, tableT(TABLE.salt2), "bigQueryStorage", "inserts SALT2 fits");
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
  grant(sa("nc"), rowWriter, tableT(TABLE.metadata), "bigQueryStorage", "records the night");
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
  const vmOperator = n.customRoleName(CUSTOM_ROLE.vmOperator);
  for (const vm of [consumerVm, nightConductorVm]) {
    grant(
      sa("nc"),
      vmOperator,
      vmT(vm),
      "nightConductor",
      "starts and stops the consumer, sets its topic and clears its own NIGHT",
    );
    grant(
      sa("chk"),
      n.customRoleName(CUSTOM_ROLE.vmReader),
      vmT(vm),
      "nightConductor",
      "checks the VMs' state after a cue",
    );
  }
  grant(
    sa("cue"),
    vmOperator,
    vmT(nightConductorVm),
    "nightConductor",
    "sets the night conductor's NIGHT and KAFKA_TOPIC and starts it",
  );
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
      { kind: "storageAgent" },
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
