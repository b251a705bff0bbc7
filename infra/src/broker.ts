/**
 * The BrokerInstance component: translates the instance model into GCP resources. It decides
 * nothing the model already decides (names, settings, grants); it only maps each plain-data entry
 * to its Pulumi resource, resolves references by final name, and sets resource options (parent
 * component, dependencies, protection, ignored drift).
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type {
  ComponentId,
  FunctionSpec,
  IamGrant,
  IamMember,
  InstanceModel,
  ProgramId,
  SubscriptionSpec,
  VmSpec,
} from "@pgb/broker-utils/instance";
import { BUCKET, type ServiceAccountRole } from "@pgb/broker-utils/naming";
import type { Bundle } from "./packaging.js";
import { VM_METADATA } from "./startup-script.js";

/** Pulumi type tokens of the seed's components. */
export const COMPONENT_TYPES: Readonly<Record<Exclude<ComponentId, "instance">, string>> = {
  consumer: "pgb:broker:Consumer",
  avroStorage: "pgb:broker:AvroStorage",
  bigQueryStorage: "pgb:broker:BigQueryStorage",
  valueAdded: "pgb:broker:ValueAdded",
  nightConductor: "pgb:broker:NightConductor",
  brokerFiles: "pgb:broker:BrokerFiles",
};
export const BROKER_INSTANCE_TYPE = "pgb:broker:BrokerInstance";

/** One of the seed's components; a grouping node in the resource tree. */
class SeedComponent extends pulumi.ComponentResource {
  constructor(type: string, name: string, opts: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    this.registerOutputs({});
  }
}

export interface BrokerFile {
  content: string;
  contentType: string;
}

export interface BrokerInstanceArgs {
  model: InstanceModel;
  /** The packaged code of every program of `model.code`. */
  bundles: ReadonlyMap<ProgramId, Bundle>;
  /** Content of every object of `model.brokerFiles`, by object name. */
  files: ReadonlyMap<string, BrokerFile>;
  kafkaCredentials?: pulumi.Input<string> | undefined;
  buildServiceAccount?: string | undefined;
}

export interface BrokerOutputs {
  /** Topic stub → `projects/P/topics/NAME`. */
  topics: Record<string, pulumi.Output<string>>;
  buckets: Record<string, pulumi.Output<string>>;
  datasetId: pulumi.Output<string>;
  functions: Record<string, pulumi.Output<string>>;
  functionUrls: Record<string, pulumi.Output<string>>;
  vms: Record<string, pulumi.Output<string>>;
}

function get<K, V>(map: ReadonlyMap<K, V>, key: K, what: string): V {
  const value = map.get(key);
  if (value === undefined)
    throw new Error(`instance model refers to unknown ${what} ${String(key)}`);
  return value;
}

const seconds = (s: number) => `${s}s`;

export class BrokerInstance extends pulumi.ComponentResource {
  readonly outputs: BrokerOutputs;

  constructor(name: string, args: BrokerInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super(BROKER_INSTANCE_TYPE, name, {}, opts);
    const m = args.model;
    const project = m.keywords.project;
    const labels = m.labels;

    // APIs first; everything else waits for them. Never disabled on destroy: other instances
    // in the project use them.
    const apis = m.apis.map(
      (service) =>
        new gcp.projects.Service(
          service,
          { project, service, disableOnDestroy: false, disableDependentServices: false },
          { parent: this },
        ),
    );
    const components = new Map<ComponentId, pulumi.ComponentResource>([["instance", this]]);
    for (const [id, type] of Object.entries(COMPONENT_TYPES)) {
      components.set(id as ComponentId, new SeedComponent(type, `${name}-${id}`, { parent: this }));
    }
    const childOpts = (
      component: ComponentId,
      extra: pulumi.CustomResourceOptions = {},
    ): pulumi.CustomResourceOptions => ({
      ...extra,
      parent: get(components, component, "component"),
      dependsOn: [...apis, ...((extra.dependsOn as pulumi.Resource[] | undefined) ?? [])],
    });
    const protection = (protect: boolean) => ({ protect, retainOnDelete: protect });

    const sas = new Map<ServiceAccountRole, gcp.serviceaccount.Account>();
    for (const a of m.serviceAccounts) {
      sas.set(
        a.role,
        new gcp.serviceaccount.Account(
          a.accountId,
          {
            project,
            accountId: a.accountId,
            displayName: a.displayName,
            description: a.description,
          },
          childOpts(a.component),
        ),
      );
    }
    const sa = (role: ServiceAccountRole) => get(sas, role, "service account");

    const topics = new Map<string, gcp.pubsub.Topic>();
    for (const t of m.topics) {
      topics.set(
        t.name,
        new gcp.pubsub.Topic(t.name, { project, name: t.name, labels }, childOpts(t.component)),
      );
    }
    const topic = (n: string) => get(topics, n, "topic");

    const buckets = new Map<string, gcp.storage.Bucket>();
    for (const b of m.buckets) {
      buckets.set(
        b.name,
        new gcp.storage.Bucket(
          b.name,
          {
            project,
            name: b.name,
            location: b.location,
            uniformBucketLevelAccess: b.uniformBucketLevelAccess,
            publicAccessPrevention: b.publicAccessPrevention,
            // A test instance's data goes with it; production's soft-delete default stays.
            forceDestroy: !b.protect,
            ...(b.protect ? {} : { softDeletePolicy: { retentionDurationSeconds: 0 } }),
            labels,
          },
          childOpts(b.component, protection(b.protect)),
        ),
      );
    }
    const bucket = (n: string) => get(buckets, n, "bucket");

    const d = m.dataset;
    const dataset = new gcp.bigquery.Dataset(
      d.name,
      {
        project,
        datasetId: d.name,
        location: d.location,
        deleteContentsOnDestroy: !d.protect,
        labels,
      },
      childOpts(d.component, protection(d.protect)),
    );
    const tables = new Map<string, gcp.bigquery.Table>();
    for (const t of m.tables) {
      tables.set(
        t.name,
        new gcp.bigquery.Table(
          `${d.name}.${t.name}`,
          {
            project,
            datasetId: dataset.datasetId,
            tableId: t.name,
            schema: JSON.stringify(t.schema),
            timePartitioning: t.timePartitioning,
            clusterings: t.clustering,
            deletionProtection: t.protect,
            labels,
          },
          childOpts(t.component, protection(t.protect)),
        ),
      );
    }
    for (const v of m.views) {
      new gcp.bigquery.Table(
        `${d.name}.${v.name}`,
        {
          project,
          datasetId: dataset.datasetId,
          tableId: v.name,
          view: { query: v.query, useLegacySql: false },
          // A view holds no data: it can always be dropped and recreated.
          deletionProtection: false,
          labels,
        },
        childOpts(v.component, { dependsOn: [get(tables, v.table, "table")] }),
      );
    }

    const secrets = new Map<string, gcp.secretmanager.Secret>();
    for (const s of m.secrets) {
      const secret = new gcp.secretmanager.Secret(
        s.name,
        { project, secretId: s.name, replication: { auto: {} }, labels },
        childOpts(s.component),
      );
      secrets.set(s.name, secret);
      if (args.kafkaCredentials !== undefined) {
        new gcp.secretmanager.SecretVersion(
          `${s.name}-version`,
          { secret: secret.id, secretData: pulumi.secret(args.kafkaCredentials) },
          childOpts(s.component),
        );
      }
    }

    const brokerFilesSpec = m.buckets.find((b) => b.stub === BUCKET.brokerFiles);
    if (brokerFilesSpec === undefined) throw new Error("instance model has no broker_files bucket");
    const brokerFiles = bucket(brokerFilesSpec.name);
    const codeObjects = new Map<ProgramId, gcp.storage.BucketObject>();
    for (const c of m.code) {
      const bundle = get(args.bundles, c.program, "bundle of");
      const assets: Record<string, pulumi.asset.Asset | pulumi.asset.Archive> = {};
      for (const [path, text] of Object.entries(bundle.files))
        assets[path] = new pulumi.asset.StringAsset(text);
      for (const [path, dir] of Object.entries(bundle.directories))
        assets[path] = new pulumi.asset.FileArchive(dir);
      const object = `${c.objectPrefix}${bundle.hash}.zip`;
      codeObjects.set(
        c.program,
        new gcp.storage.BucketObject(
          object,
          {
            bucket: brokerFiles.name,
            name: object,
            source: new pulumi.asset.AssetArchive(assets),
            contentType: "application/zip",
          },
          childOpts(c.component),
        ),
      );
    }
    for (const f of m.brokerFiles) {
      const file = get(args.files, f.object, "broker file");
      new gcp.storage.BucketObject(
        f.object,
        {
          bucket: brokerFiles.name,
          name: f.object,
          source: new pulumi.asset.StringAsset(file.content),
          contentType: file.contentType,
        },
        childOpts(f.component),
      );
    }

    const functions = new Map<string, gcp.cloudfunctionsv2.Function>();
    for (const f of m.functions)
      functions.set(
        f.name,
        this.cloudFunction(f, m, args, sa, brokerFiles, codeObjects, childOpts),
      );

    const subscriptions = new Map<string, gcp.pubsub.Subscription>();
    for (const s of m.subscriptions) {
      subscriptions.set(
        s.name,
        this.subscription(s, project, labels, topic, functions, sa, childOpts),
      );
    }

    const vms = new Map<string, gcp.compute.Instance>();
    for (const v of m.vms) {
      vms.set(
        v.name,
        this.vm(
          v,
          project,
          labels,
          sa,
          brokerFiles,
          get(codeObjects, v.stub, "bundle of"),
          childOpts,
        ),
      );
    }

    const grants = m.iam.map((g) => ({
      grant: g,
      resource: this.iamMember(
        g,
        { project, sa, topic, subscriptions, bucket, tables, dataset, secrets, vms, functions },
        childOpts,
      ),
    }));

    for (const x of m.notifications) {
      // The GCS service agent must be allowed to publish before the notification is created.
      const publisherGrants = grants
        .filter(
          (g) =>
            g.grant.member.kind === "serviceAgent" &&
            g.grant.target.kind === "topic" &&
            g.grant.target.name === x.topic,
        )
        .map((g) => g.resource);
      new gcp.storage.Notification(
        `${x.bucket}-notification`,
        {
          bucket: bucket(x.bucket).name,
          topic: topic(x.topic).id,
          payloadFormat: x.payloadFormat,
          eventTypes: x.eventTypes,
        },
        childOpts(x.component, { dependsOn: publisherGrants }),
      );
    }

    for (const j of m.schedulerJobs) {
      new gcp.cloudscheduler.Job(
        j.name,
        {
          project,
          region: j.region,
          name: j.name,
          schedule: j.schedule,
          timeZone: j.timeZone,
          paused: j.paused,
          pubsubTarget: {
            topicName: topic(j.topic).id,
            data: Buffer.from(j.data).toString("base64"),
          },
        },
        // Operators pause and resume jobs by hand (a test instance's are created paused).
        childOpts(j.component, { ignoreChanges: ["paused"] }),
      );
    }

    for (const p of m.alertPolicies) {
      const c = p.condition;
      new gcp.monitoring.AlertPolicy(
        p.displayName,
        {
          project,
          displayName: p.displayName,
          combiner: "OR",
          enabled: true,
          notificationChannels: p.notificationChannels,
          documentation: { content: p.documentation, mimeType: "text/markdown" },
          userLabels: labels,
          conditions: [
            c.kind === "log"
              ? { displayName: c.displayName, conditionMatchedLog: { filter: c.filter } }
              : {
                  displayName: c.displayName,
                  conditionThreshold: {
                    filter: c.filter,
                    comparison: "COMPARISON_GT",
                    thresholdValue: c.above,
                    duration: seconds(c.durationSeconds),
                    aggregations: [
                      {
                        alignmentPeriod: seconds(c.alignmentPeriodSeconds),
                        perSeriesAligner: "ALIGN_MAX",
                      },
                    ],
                  },
                },
          ],
          // Log-match conditions require a notification rate limit.
          ...(c.kind === "log"
            ? { alertStrategy: { notificationRateLimit: { period: "300s" }, autoClose: "1800s" } }
            : {}),
        },
        childOpts(p.component),
      );
    }

    const byStub = <T>(
      entries: readonly { stub: string; name: string }[],
      f: (name: string) => pulumi.Output<T>,
    ) => Object.fromEntries(entries.map((e) => [e.stub, f(e.name)]));
    this.outputs = {
      topics: byStub(m.topics, (n) => topic(n).id),
      buckets: byStub(m.buckets, (n) => bucket(n).name),
      datasetId: dataset.datasetId,
      functions: byStub(m.functions, (n) => get(functions, n, "function").name),
      functionUrls: byStub(m.functions, (n) => get(functions, n, "function").url),
      vms: byStub(m.vms, (n) => get(vms, n, "VM").name),
    };
    this.registerOutputs({ ...this.outputs });
  }

  private cloudFunction(
    f: FunctionSpec,
    m: InstanceModel,
    args: BrokerInstanceArgs,
    sa: (role: ServiceAccountRole) => gcp.serviceaccount.Account,
    brokerFiles: gcp.storage.Bucket,
    codeObjects: ReadonlyMap<ProgramId, gcp.storage.BucketObject>,
    opts: (c: ComponentId, extra?: pulumi.CustomResourceOptions) => pulumi.CustomResourceOptions,
  ): gcp.cloudfunctionsv2.Function {
    const source = get(codeObjects, f.stub, "bundle of");
    return new gcp.cloudfunctionsv2.Function(
      f.name,
      {
        project: m.keywords.project,
        location: m.region,
        name: f.name,
        description: `Broker ${m.stack}: ${f.stub}`,
        labels: m.labels,
        buildConfig: {
          runtime: f.runtime,
          entryPoint: f.entryPoint,
          // The object name carries the content hash: new code, new object, new revision.
          source: { storageSource: { bucket: brokerFiles.name, object: source.name } },
          ...(args.buildServiceAccount === undefined
            ? {}
            : {
                serviceAccount: `projects/${m.keywords.project}/serviceAccounts/${args.buildServiceAccount}`,
              }),
        },
        serviceConfig: {
          serviceAccountEmail: sa(f.serviceAccount).email,
          availableMemory: f.memory,
          availableCpu: f.cpu,
          timeoutSeconds: f.timeoutSeconds,
          minInstanceCount: 0,
          maxInstanceCount: f.maxInstances,
          maxInstanceRequestConcurrency: f.concurrency,
          environmentVariables: f.env,
          // Pub/Sub push from the same project counts as internal traffic.
          ingressSettings: "ALLOW_INTERNAL_ONLY",
          allTrafficOnLatestRevision: true,
        },
      },
      opts(f.component),
    );
  }

  private subscription(
    s: SubscriptionSpec,
    project: string,
    labels: Record<string, string>,
    topic: (name: string) => gcp.pubsub.Topic,
    functions: ReadonlyMap<string, gcp.cloudfunctionsv2.Function>,
    sa: (role: ServiceAccountRole) => gcp.serviceaccount.Account,
    opts: (c: ComponentId, extra?: pulumi.CustomResourceOptions) => pulumi.CustomResourceOptions,
  ): gcp.pubsub.Subscription {
    return new gcp.pubsub.Subscription(
      s.name,
      {
        project,
        name: s.name,
        topic: topic(s.topic).id,
        labels,
        ackDeadlineSeconds: s.ackDeadlineSeconds,
        messageRetentionDuration: seconds(s.messageRetentionSeconds),
        retainAckedMessages: s.retainAckedMessages,
        // An empty ttl = never expire (the default is 31 days without activity).
        expirationPolicy: { ttl: "" },
        ...(s.push === undefined
          ? {}
          : {
              pushConfig: {
                pushEndpoint: get(functions, s.push.function, "function").url,
                oidcToken: { serviceAccountEmail: sa(s.push.oidcServiceAccount).email },
              },
            }),
        ...(s.deadLetter === undefined
          ? {}
          : {
              deadLetterPolicy: {
                deadLetterTopic: topic(s.deadLetter.topic).id,
                maxDeliveryAttempts: s.deadLetter.maxDeliveryAttempts,
              },
            }),
        ...(s.retry === undefined
          ? {}
          : {
              retryPolicy: {
                minimumBackoff: seconds(s.retry.minimumBackoffSeconds),
                maximumBackoff: seconds(s.retry.maximumBackoffSeconds),
              },
            }),
      },
      opts(s.component),
    );
  }

  private vm(
    v: VmSpec,
    project: string,
    labels: Record<string, string>,
    sa: (role: ServiceAccountRole) => gcp.serviceaccount.Account,
    brokerFiles: gcp.storage.Bucket,
    bundle: gcp.storage.BucketObject,
    opts: (c: ComponentId, extra?: pulumi.CustomResourceOptions) => pulumi.CustomResourceOptions,
  ): gcp.compute.Instance {
    return new gcp.compute.Instance(
      v.name,
      {
        project,
        zone: v.zone,
        name: v.name,
        machineType: v.machineType,
        labels,
        bootDisk: { autoDelete: true, initializeParams: { image: v.image, size: v.bootDiskGb } },
        // An ephemeral external address for the consumer's outbound Kafka connection; no firewall
        // rule opens anything inbound.
        networkInterfaces: [{ network: "default", accessConfigs: [{}] }],
        serviceAccount: { email: sa(v.serviceAccount).email, scopes: ["cloud-platform"] },
        shieldedInstanceConfig: {
          enableSecureBoot: true,
          enableVtpm: true,
          enableIntegrityMonitoring: true,
        },
        allowStoppingForUpdate: true,
        // Created stopped: the night conductor starts and stops the VMs.
        desiredStatus: "TERMINATED",
        metadata: {
          ...v.env,
          "enable-oslogin": "TRUE",
          [VM_METADATA.nodeVersion]: v.nodeVersion,
          [VM_METADATA.startupScriptUrl]: pulumi.interpolate`gs://${brokerFiles.name}/${v.startupScriptObject}`,
          [VM_METADATA.bundle]: pulumi.interpolate`gs://${brokerFiles.name}/${bundle.name}`,
        },
      },
      opts(v.component, {
        // The night conductor starts/stops the VMs and writes the run-time metadata keys; a
        // deployment must not undo either.
        ignoreChanges: ["desiredStatus", ...v.runtimeMetadataKeys.map((k) => `metadata.${k}`)],
      }),
    );
  }

  private iamMember(
    g: IamGrant,
    r: {
      project: string;
      sa: (role: ServiceAccountRole) => gcp.serviceaccount.Account;
      topic: (name: string) => gcp.pubsub.Topic;
      subscriptions: ReadonlyMap<string, gcp.pubsub.Subscription>;
      bucket: (name: string) => gcp.storage.Bucket;
      tables: ReadonlyMap<string, gcp.bigquery.Table>;
      dataset: gcp.bigquery.Dataset;
      secrets: ReadonlyMap<string, gcp.secretmanager.Secret>;
      vms: ReadonlyMap<string, gcp.compute.Instance>;
      functions: ReadonlyMap<string, gcp.cloudfunctionsv2.Function>;
    },
    opts: (c: ComponentId, extra?: pulumi.CustomResourceOptions) => pulumi.CustomResourceOptions,
  ): pulumi.CustomResource {
    const member: pulumi.Input<string> =
      g.member.kind === "serviceAccount"
        ? r.sa(g.member.role).member
        : `serviceAccount:${g.member.email}`;
    const role = g.role;
    const t = g.target;
    const name = `${memberLabel(g.member)}-${role.replace(/^roles\//, "")}-on-${t.kind === "serviceAccount" ? t.role : t.kind === "project" ? "project" : t.name}`;
    const o = opts(g.component);
    const condition = g.condition;
    const project = r.project;
    switch (t.kind) {
      case "project":
        return new gcp.projects.IAMMember(
          name,
          { project: t.project, role, member, ...(condition ? { condition } : {}) },
          o,
        );
      case "topic":
        return new gcp.pubsub.TopicIAMMember(
          name,
          { project, topic: r.topic(t.name).name, role, member },
          o,
        );
      case "subscription":
        return new gcp.pubsub.SubscriptionIAMMember(
          name,
          {
            project,
            subscription: get(r.subscriptions, t.name, "subscription").name,
            role,
            member,
          },
          o,
        );
      case "bucket":
        return new gcp.storage.BucketIAMMember(
          name,
          { bucket: r.bucket(t.name).name, role, member, ...(condition ? { condition } : {}) },
          o,
        );
      case "table":
        return new gcp.bigquery.IamMember(
          name,
          {
            project,
            datasetId: r.dataset.datasetId,
            tableId: get(r.tables, t.name, "table").tableId,
            role,
            member,
          },
          o,
        );
      case "serviceAccount":
        return new gcp.serviceaccount.IAMMember(
          name,
          { serviceAccountId: r.sa(t.role).name, role, member },
          o,
        );
      case "secret":
        return new gcp.secretmanager.SecretIamMember(
          name,
          { project, secretId: get(r.secrets, t.name, "secret").secretId, role, member },
          o,
        );
      case "vm":
        return new gcp.compute.InstanceIAMMember(
          name,
          { project, zone: t.zone, instanceName: get(r.vms, t.name, "VM").name, role, member },
          o,
        );
      case "function":
        // A gen2 function is served by the Cloud Run service of the same name: invoking it is
        // run.invoker on that service.
        return new gcp.cloudrunv2.ServiceIamMember(
          name,
          {
            project,
            location: t.region,
            name: get(r.functions, t.name, "function").name,
            role,
            member,
          },
          o,
        );
    }
  }
}

function memberLabel(m: IamMember): string {
  return m.kind === "serviceAccount" ? m.role : `${m.agent}-agent`;
}
