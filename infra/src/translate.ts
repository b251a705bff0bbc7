/**
 * Translation of the instance model into GCP resources, one method per kind. It decides nothing
 * the model already decides (names, settings, grants): it maps each plain-data entry to its Pulumi
 * resource, resolves references by final name, and sets resource options (protection, ignored
 * drift, dependencies). The BrokerInstance component calls the methods in dependency order.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type {
  ComponentId,
  IamGrant,
  IamMember,
  InstanceModel,
  ProgramId,
  VmNetwork,
} from "@pgb/broker-utils/instance";
import { BUCKET, codeObject, type ServiceAccountRole } from "@pgb/broker-utils/naming";
import { brokerFileAsset, type BrokerFile } from "./broker-file.js";
import { dashboardJson } from "./dashboard.js";
import type { Bundle } from "./packaging.js";
import { VM_METADATA } from "./startup-script.js";
import { modelBucket } from "@pgb/broker-utils/instance";

/** Options of a resource of `component`, with extra ones (dependencies are added to the APIs). */
export type ChildOptions = (
  component: ComponentId,
  extra?: pulumi.CustomResourceOptions,
) => pulumi.CustomResourceOptions;

export type { BrokerFile } from "./broker-file.js";

export interface BrokerOutputs {
  /** Topic stub → `projects/P/topics/NAME`. */
  topics: Record<string, pulumi.Output<string>>;
  buckets: Record<string, pulumi.Output<string>>;
  datasetId: pulumi.Output<string>;
  functions: Record<string, pulumi.Output<string>>;
  functionUrls: Record<string, pulumi.Output<string>>;
  vms: Record<string, pulumi.Output<string>>;
}

const seconds = (s: number) => `${s}s`;
const protection = (protect: boolean) => ({ protect, retainOnDelete: protect });

/** A name → resource registry that fails loudly on a reference the model does not define. */
class Registry<K, V> {
  private readonly items = new Map<K, V>();
  constructor(private readonly what: string) {}
  set(key: K, value: V): V {
    this.items.set(key, value);
    return value;
  }
  get(key: K): V {
    const value = this.items.get(key);
    if (value === undefined) {
      throw new Error(`instance model refers to unknown ${this.what} ${String(key)}`);
    }
    return value;
  }
}

export class ModelTranslator {
  private readonly project: string;
  private readonly labels: Record<string, string>;
  private readonly sas = new Registry<ServiceAccountRole, gcp.serviceaccount.Account>(
    "service account",
  );
  private readonly roles = new Map<string, gcp.projects.IAMCustomRole>();
  private readonly topics = new Registry<string, gcp.pubsub.Topic>("topic");
  private readonly subs = new Registry<string, gcp.pubsub.Subscription>("subscription");
  private readonly buckets = new Registry<string, gcp.storage.Bucket>("bucket");
  private readonly tables = new Registry<string, gcp.bigquery.Table>("table");
  private readonly secrets = new Registry<string, gcp.secretmanager.Secret>("secret");
  private readonly code = new Registry<ProgramId, gcp.storage.BucketObject>("code bundle");
  private readonly functions = new Registry<string, gcp.cloudfunctionsv2.Function>("function");
  private readonly vms = new Registry<string, gcp.compute.Instance>("VM");
  private readonly grants: { grant: IamGrant; resource: pulumi.CustomResource }[] = [];
  private dataset: gcp.bigquery.Dataset | undefined;
  private storageAgent: pulumi.Output<string> | undefined;
  private readonly metrics: gcp.logging.Metric[] = [];

  constructor(
    private readonly m: InstanceModel,
    private readonly opts: ChildOptions,
  ) {
    this.project = m.keywords.project;
    this.labels = m.labels;
  }

  private get brokerFiles(): gcp.storage.Bucket {
    return this.buckets.get(modelBucket(this.m, BUCKET.brokerFiles).name);
  }

  serviceAccounts(): void {
    for (const a of this.m.serviceAccounts) {
      this.sas.set(
        a.role,
        new gcp.serviceaccount.Account(
          a.accountId,
          {
            project: this.project,
            accountId: a.accountId,
            displayName: a.displayName,
            description: a.description,
          },
          this.opts(a.component),
        ),
      );
    }
  }

  /** The instance's custom roles, by the name grants use (`projects/P/roles/ID`). */
  customRoles(): void {
    for (const r of this.m.customRoles) {
      this.roles.set(
        r.name,
        new gcp.projects.IAMCustomRole(
          r.roleId,
          {
            project: this.project,
            roleId: r.roleId,
            title: r.title,
            description: r.description,
            permissions: r.permissions,
            stage: "GA",
          },
          this.opts(r.component),
        ),
      );
    }
  }

  pubsubTopics(): void {
    for (const t of this.m.topics) {
      this.topics.set(
        t.name,
        new gcp.pubsub.Topic(
          t.name,
          { project: this.project, name: t.name, labels: this.labels },
          this.opts(t.component),
        ),
      );
    }
  }

  storageBuckets(): void {
    for (const b of this.m.buckets) {
      this.buckets.set(
        b.name,
        new gcp.storage.Bucket(
          b.name,
          {
            project: this.project,
            name: b.name,
            location: b.location,
            uniformBucketLevelAccess: b.uniformBucketLevelAccess,
            publicAccessPrevention: b.publicAccessPrevention,
            // A test instance's data goes with it; production keeps the soft-delete default.
            forceDestroy: !b.protect,
            ...(b.protect ? {} : { softDeletePolicy: { retentionDurationSeconds: 0 } }),
            labels: this.labels,
          },
          this.opts(b.component, protection(b.protect)),
        ),
      );
    }
  }

  bigQuery(): void {
    const d = this.m.dataset;
    const dataset = new gcp.bigquery.Dataset(
      d.name,
      {
        project: this.project,
        datasetId: d.name,
        location: d.location,
        deleteContentsOnDestroy: !d.protect,
        labels: this.labels,
      },
      this.opts(d.component, protection(d.protect)),
    );
    this.dataset = dataset;
    for (const t of this.m.tables) {
      this.tables.set(
        t.name,
        new gcp.bigquery.Table(
          `${d.name}.${t.name}`,
          {
            project: this.project,
            datasetId: dataset.datasetId,
            tableId: t.name,
            schema: JSON.stringify(t.schema),
            timePartitioning: t.timePartitioning,
            clusterings: t.clustering,
            deletionProtection: t.protect,
            labels: this.labels,
          },
          this.opts(t.component, protection(t.protect)),
        ),
      );
    }
    for (const v of this.m.views) {
      new gcp.bigquery.Table(
        `${d.name}.${v.name}`,
        {
          project: this.project,
          datasetId: dataset.datasetId,
          tableId: v.name,
          view: { query: v.query, useLegacySql: false },
          // A view holds no data: it can always be dropped and recreated.
          deletionProtection: false,
          labels: this.labels,
        },
        this.opts(v.component, { dependsOn: [this.tables.get(v.table)] }),
      );
    }
  }

  /** The secrets, with a first version when the value is in the stack's (secret) config. */
  secretManager(kafkaCredentials: pulumi.Input<string> | undefined): void {
    for (const s of this.m.secrets) {
      const secret = this.secrets.set(
        s.name,
        new gcp.secretmanager.Secret(
          s.name,
          {
            project: this.project,
            secretId: s.name,
            replication: { auto: {} },
            labels: this.labels,
          },
          this.opts(s.component, protection(s.protect)),
        ),
      );
      if (kafkaCredentials !== undefined) {
        new gcp.secretmanager.SecretVersion(
          `${s.name}-version`,
          { secret: secret.id, secretData: pulumi.secret(kafkaCredentials) },
          this.opts(s.component, protection(s.protect)),
        );
      }
    }
  }

  /** Code archives (object name = content hash) and the files of `model.brokerFiles`. */
  brokerFileObjects(
    bundles: ReadonlyMap<ProgramId, Bundle>,
    files: ReadonlyMap<string, BrokerFile>,
  ): void {
    const bucket = this.brokerFiles.name;
    for (const c of this.m.code) {
      const bundle = bundles.get(c.program);
      if (bundle === undefined) throw new Error(`no code bundle for ${c.program}`);
      const assets: Record<string, pulumi.asset.Asset | pulumi.asset.Archive> = {};
      for (const [path, text] of Object.entries(bundle.files)) {
        assets[path] = new pulumi.asset.StringAsset(text);
      }
      for (const [path, dir] of Object.entries(bundle.directories)) {
        assets[path] = new pulumi.asset.FileArchive(dir);
      }
      const name = codeObject(c.objectPrefix, bundle.hash);
      this.code.set(
        c.program,
        new gcp.storage.BucketObject(
          name,
          {
            bucket,
            name,
            source: new pulumi.asset.AssetArchive(assets),
            contentType: "application/zip",
          },
          this.opts(c.component),
        ),
      );
    }
    for (const f of this.m.brokerFiles) {
      const file = files.get(f.object);
      if (file === undefined) throw new Error(`no content for broker file ${f.object}`);
      new gcp.storage.BucketObject(
        f.object,
        {
          bucket,
          name: f.object,
          source: brokerFileAsset(file),
          contentType: file.contentType,
        },
        this.opts(f.component),
      );
    }
  }

  /** Gen2 functions without eventTrigger: the processing subscriptions push to their URL. */
  cloudFunctions(buildServiceAccount: string | undefined): void {
    const { m } = this;
    for (const f of m.functions) {
      this.functions.set(
        f.name,
        new gcp.cloudfunctionsv2.Function(
          f.name,
          {
            project: this.project,
            location: m.region,
            name: f.name,
            description: `Broker ${m.stack}: ${f.stub}`,
            labels: this.labels,
            buildConfig: {
              runtime: f.runtime,
              entryPoint: f.entryPoint,
              // The object name carries the content hash: new code, new object, new revision.
              source: {
                storageSource: {
                  bucket: this.brokerFiles.name,
                  object: this.code.get(f.stub).name,
                },
              },
              ...(buildServiceAccount === undefined
                ? {}
                : {
                    serviceAccount: `projects/${this.project}/serviceAccounts/${buildServiceAccount}`,
                  }),
            },
            serviceConfig: {
              serviceAccountEmail: this.sas.get(f.serviceAccount).email,
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
          this.opts(f.component),
        ),
      );
    }
  }

  subscriptions(): void {
    for (const s of this.m.subscriptions) {
      this.subs.set(
        s.name,
        new gcp.pubsub.Subscription(
          s.name,
          {
            project: this.project,
            name: s.name,
            topic: this.topics.get(s.topic).id,
            labels: this.labels,
            ackDeadlineSeconds: s.ackDeadlineSeconds,
            messageRetentionDuration: seconds(s.messageRetentionSeconds),
            retainAckedMessages: s.retainAckedMessages,
            // An empty ttl = never expire (the default is 31 days without activity).
            expirationPolicy: { ttl: "" },
            ...(s.push === undefined
              ? {}
              : {
                  pushConfig: {
                    pushEndpoint: serviceUri(this.functions.get(s.push.function)),
                    oidcToken: {
                      serviceAccountEmail: this.sas.get(s.push.oidcServiceAccount).email,
                    },
                  },
                }),
            ...(s.deadLetter === undefined
              ? {}
              : {
                  deadLetterPolicy: {
                    deadLetterTopic: this.topics.get(s.deadLetter.topic).id,
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
          this.opts(s.component, protection(s.protect)),
        ),
      );
    }
  }

  computeInstances(): void {
    const bucket = this.brokerFiles.name;
    for (const v of this.m.vms) {
      this.vms.set(
        v.name,
        new gcp.compute.Instance(
          v.name,
          {
            project: this.project,
            zone: v.zone,
            name: v.name,
            machineType: v.machineType,
            labels: this.labels,
            bootDisk: {
              autoDelete: true,
              initializeParams: { image: v.image, size: v.bootDiskGb },
            },
            networkInterfaces: [networkInterface(v.network)],
            serviceAccount: {
              email: this.sas.get(v.serviceAccount).email,
              scopes: ["cloud-platform"],
            },
            shieldedInstanceConfig: {
              enableSecureBoot: true,
              enableVtpm: true,
              enableIntegrityMonitoring: true,
            },
            allowStoppingForUpdate: true,
            // Created stopped: the night conductor starts and stops the VMs.
            desiredStatus: "TERMINATED",
            // Constant across deploys (the environment and the bundle are in the startup script),
            // so a deploy never rewrites the metadata the night conductor writes at run time.
            metadata: {
              "enable-oslogin": "TRUE",
              [VM_METADATA.startupScriptUrl]: pulumi.interpolate`gs://${bucket}/${v.startupScriptObject}`,
            },
          },
          this.opts(v.component, {
            // The night conductor starts/stops the VMs and writes the run-time metadata keys;
            // after a `pulumi refresh` the state holds them, and a deploy must not remove them.
            ignoreChanges: ["desiredStatus", ...v.runtimeMetadataKeys.map((k) => `metadata.${k}`)],
          }),
        ),
      );
    }
  }

  iam(): void {
    for (const grant of this.m.iam) this.grants.push({ grant, resource: this.iamMember(grant) });
  }

  /**
   * The Cloud Storage service agent's member. Google creates the agent on first use, so on a new
   * project its derived address does not exist yet and a grant to it fails; the lookup creates it.
   */
  private storageAgentMember(component: ComponentId): pulumi.Output<string> {
    const o = this.opts(component);
    this.storageAgent ??= gcp.storage.getProjectServiceAccountOutput(
      { project: this.project },
      { parent: o.parent, dependsOn: o.dependsOn },
    ).member;
    return this.storageAgent;
  }

  private memberOf(g: IamGrant): pulumi.Input<string> {
    switch (g.member.kind) {
      case "serviceAccount":
        return this.sas.get(g.member.role).member;
      case "serviceAgent":
        return `serviceAccount:${g.member.email}`;
      case "storageAgent":
        return this.storageAgentMember(g.component);
    }
  }

  private iamMember(g: IamGrant): pulumi.CustomResource {
    const { project } = this;
    const member = this.memberOf(g);
    const role = g.role;
    const t = g.target;
    const on = t.kind === "serviceAccount" ? t.role : t.kind === "project" ? "project" : t.name;
    // `roles/x.y` → `x.y`; a custom role `projects/P/roles/ID` → `ID`
    const name = `${memberLabel(g.member)}-${role.split("/").pop() ?? role}-on-${on}`;
    const customRole = this.roles.get(role);
    const o = this.opts(g.component, customRole === undefined ? {} : { dependsOn: [customRole] });
    const condition = g.condition === undefined ? {} : { condition: g.condition };
    switch (t.kind) {
      case "project":
        return new gcp.projects.IAMMember(
          name,
          { project: t.project, role, member, ...condition },
          o,
        );
      case "topic":
        return new gcp.pubsub.TopicIAMMember(
          name,
          { project, topic: this.topics.get(t.name).name, role, member },
          o,
        );
      case "subscription":
        return new gcp.pubsub.SubscriptionIAMMember(
          name,
          { project, subscription: this.subs.get(t.name).name, role, member },
          o,
        );
      case "bucket":
        return new gcp.storage.BucketIAMMember(
          name,
          { bucket: this.buckets.get(t.name).name, role, member, ...condition },
          o,
        );
      case "table": {
        const table = this.tables.get(t.name);
        return new gcp.bigquery.IamMember(
          name,
          { project, datasetId: table.datasetId, tableId: table.tableId, role, member },
          o,
        );
      }
      case "serviceAccount":
        return new gcp.serviceaccount.IAMMember(
          name,
          { serviceAccountId: this.sas.get(t.role).name, role, member },
          o,
        );
      case "secret":
        return new gcp.secretmanager.SecretIamMember(
          name,
          { project, secretId: this.secrets.get(t.name).secretId, role, member },
          o,
        );
      case "vm":
        return new gcp.compute.InstanceIAMMember(
          name,
          { project, zone: t.zone, instanceName: this.vms.get(t.name).name, role, member },
          o,
        );
      case "function":
        // A gen2 function is served by the Cloud Run service of the same name: invoking it is
        // run.invoker on that service.
        return new gcp.cloudrunv2.ServiceIamMember(
          name,
          { project, location: t.region, name: this.functions.get(t.name).name, role, member },
          o,
        );
    }
  }

  /** After `iam()`: a notification needs the GCS agent's publisher grant on its topic first. */
  notifications(): void {
    for (const x of this.m.notifications) {
      const publisherGrants = this.grants
        .filter(
          ({ grant }) =>
            grant.member.kind === "storageAgent" &&
            grant.target.kind === "topic" &&
            grant.target.name === x.topic,
        )
        .map((g) => g.resource);
      new gcp.storage.Notification(
        `${x.bucket}-notification`,
        {
          bucket: this.buckets.get(x.bucket).name,
          topic: this.topics.get(x.topic).id,
          payloadFormat: x.payloadFormat,
          eventTypes: x.eventTypes,
        },
        this.opts(x.component, { dependsOn: publisherGrants }),
      );
    }
  }

  schedulerJobs(): void {
    for (const j of this.m.schedulerJobs) {
      new gcp.cloudscheduler.Job(
        j.name,
        {
          project: this.project,
          region: j.region,
          name: j.name,
          schedule: j.schedule,
          timeZone: j.timeZone,
          paused: j.paused,
          pubsubTarget: {
            topicName: this.topics.get(j.topic).id,
            data: Buffer.from(j.data).toString("base64"),
          },
        },
        // Operators pause and resume jobs by hand (a test instance's are created paused).
        this.opts(j.component, { ignoreChanges: ["paused"] }),
      );
    }
  }

  logMetrics(): void {
    for (const m of this.m.logMetrics) {
      this.metrics.push(
        new gcp.logging.Metric(
          m.name,
          {
            project: this.project,
            name: m.name,
            description: m.description,
            filter: m.filter,
            metricDescriptor: {
              metricKind: "DELTA",
              valueType: m.valueExtractor === undefined ? "INT64" : "DISTRIBUTION",
              unit: "1",
              labels: Object.keys(m.labelExtractors).map((key) => ({ key, valueType: "STRING" })),
            },
            labelExtractors: m.labelExtractors,
            ...(m.valueExtractor === undefined
              ? {}
              : {
                  valueExtractor: m.valueExtractor,
                  // 1, 2, 4 … 2^39 messages
                  bucketOptions: {
                    exponentialBuckets: { numFiniteBuckets: 40, growthFactor: 2, scale: 1 },
                  },
                }),
          },
          this.opts(m.component),
        ),
      );
    }
  }

  alertPolicies(): void {
    for (const p of this.m.alertPolicies) {
      const c = p.condition;
      new gcp.monitoring.AlertPolicy(
        p.displayName,
        {
          project: this.project,
          displayName: p.displayName,
          combiner: "OR",
          enabled: p.enabled,
          notificationChannels: p.notificationChannels,
          documentation: { content: p.documentation, mimeType: "text/markdown" },
          userLabels: this.labels,
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
        this.opts(p.component),
      );
    }
  }

  /** After `logMetrics()`: charts of a log-based metric need it to exist. */
  dashboards(): void {
    for (const d of this.m.dashboards) {
      new gcp.monitoring.Dashboard(
        d.displayName,
        { project: this.project, dashboardJson: dashboardJson(d) },
        this.opts(d.component, { dependsOn: this.metrics }),
      );
    }
  }

  outputs(): BrokerOutputs {
    const { m } = this;
    if (this.dataset === undefined) throw new Error("outputs() before bigQuery()");
    const byStub = <T>(
      entries: readonly { stub: string; name: string }[],
      f: (name: string) => pulumi.Output<T>,
    ) => Object.fromEntries(entries.map((e) => [e.stub, f(e.name)]));
    return {
      topics: byStub(m.topics, (n) => this.topics.get(n).id),
      buckets: byStub(m.buckets, (n) => this.buckets.get(n).name),
      datasetId: this.dataset.datasetId,
      functions: byStub(m.functions, (n) => this.functions.get(n).name),
      functionUrls: byStub(m.functions, (n) => serviceUri(this.functions.get(n))),
      vms: byStub(m.vms, (n) => this.vms.get(n).name),
    };
  }
}

/**
 * The run.app URI of a gen2 function's Cloud Run service: the push endpoint, and by default the
 * OIDC audience, that Cloud Run accepts (the cloudfunctions.net `url` is an alias).
 */
function serviceUri(fn: gcp.cloudfunctionsv2.Function): pulumi.Output<string> {
  return fn.serviceConfig.apply((c) => {
    if (c?.uri === undefined || c.uri === "") {
      throw new Error(`function ${fn.urn} has no serviceConfig.uri`);
    }
    return c.uri;
  });
}

function memberLabel(m: IamMember): string {
  switch (m.kind) {
    case "serviceAccount":
      return m.role;
    case "serviceAgent":
      return `${m.agent}-agent`;
    case "storageAgent":
      return "storage-agent";
  }
}

/**
 * A VM's network interface. `accessConfigs: [{}]` is an ephemeral external address, for outbound
 * connections only (no firewall rule opens anything inbound); without it the VM needs Cloud NAT.
 */
function networkInterface(n: VmNetwork): gcp.types.input.compute.InstanceNetworkInterface {
  return {
    network: n.network,
    ...(n.subnetwork === undefined ? {} : { subnetwork: n.subnetwork }),
    ...(n.externalIp ? { accessConfigs: [{}] } : {}),
  };
}
