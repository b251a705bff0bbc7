/**
 * Assertions shared by the test-instance and production stacks: the docs/spec/broker.md §2 resource table
 * row by row, triggers, function environments and identities, IAM, no public access.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { componentSlice, ENV, PROGRAM_ENV, type ComponentId } from "@pgb/broker-utils/instance";
import { COMPONENT_TYPES } from "../../../infra/src/broker.js";
import {
  named,
  ofType,
  PROJECT,
  PROJECT_NUMBER,
  runStack,
  stackConfig,
  startupScriptOf,
  STORAGE_AGENT,
  T,
  type Run,
} from "./harness.js";

type Row = [kind: string, type: string, field: string, name: string];

/** docs/spec/broker.md §2 for survey ztf, project my-proj and the given testid (null = production). */
export function specTable(testid: string | null): Row[] {
  const t = testid === null ? "" : `-${testid}`;
  const d = testid === null ? "" : `_${testid}`;
  const fns = [
    "upload-bytes-to-bucket",
    "bq-sink",
    "value-added",
    "cue-night-conductor",
    "check-cue-response",
  ];
  const dataTopics = ["alerts", "alert_avros", "alerts_pure", "exgalac_trans", "salt2"];
  return [
    ...[...dataTopics, "cue_night_conductor"].map((s): Row => [
      "topic",
      T.topic,
      "name",
      `ztf-${s}${t}`,
    ]),
    ...fns.map((f): Row => ["dead-letter topic", T.topic, "name", `ztf-${f}-deadletter${t}`]),
    ["reservoir subscription", T.subscription, "name", `ztf-alerts-reservoir${t}`],
    ...dataTopics.map((s): Row => [
      "counter subscription",
      T.subscription,
      "name",
      `ztf-${s}-counter${t}`,
    ]),
    ["processing subscription", T.subscription, "name", `ztf-alerts-upload-bytes-to-bucket${t}`],
    // bq-sink and value-added are fed the bucket notification of the stored alert
    ...["bq-sink", "value-added"].map((f): Row => [
      "processing subscription",
      T.subscription,
      "name",
      `ztf-alert_avros-${f}${t}`,
    ]),
    ...["cue-night-conductor", "check-cue-response"].map((f): Row => [
      "processing subscription",
      T.subscription,
      "name",
      `ztf-cue_night_conductor-${f}${t}`,
    ]),
    ...fns.map((f): Row => [
      "dead-letter reservoir",
      T.subscription,
      "name",
      `ztf-${f}-deadletter-reservoir${t}`,
    ]),
    ...["alert_avros", "sncosmo", "broker_files"].map((b): Row => [
      "bucket",
      T.bucket,
      "name",
      `${PROJECT}-ztf-${b}${t}`,
    ]),
    ["dataset", T.dataset, "datasetId", `ztf_alerts${d}`],
    ...["alerts", "DIASource", "salt2", "metadata"].map((x): Row => [
      "table",
      T.table,
      "tableId",
      x,
    ]),
    ...fns.map((f): Row => ["function", T.function, "name", `ztf-${f}${t}`]),
    ...["consumer", "night-conductor"].map((v): Row => ["VM", T.vm, "name", `ztf-${v}${t}`]),
    ...["START", "END"].map((c): Row => [
      "scheduler job",
      T.job,
      "name",
      `ztf-cue_night_conductor_${c}${t}`,
    ]),
    ...["cons", "nc", "up", "bq", "va", "cue", "chk", "push"].map((r): Row => [
      "service account",
      T.account,
      "accountId",
      `ztf-${r}${t}`,
    ]),
    ...["vmOperator", "vmReader", "rowWriter"].map((r): Row => [
      "custom role",
      T.customRole,
      "roleId",
      `ztf_${r}${d}`,
    ]),
    ["secret", T.secret, "secretId", `ztf-kafka-credentials${t}`],
    ["alert policy", T.alertPolicy, "displayName", `ztf-cue-critical${t}`],
    ["alert policy", T.alertPolicy, "displayName", `ztf-vm-boot-failed${t}`],
    ["log-based metric", T.logMetric, "name", `ztf-salt2-skipped${t}`],
  ];
}

export function instanceSuite(stack: string, testid: string | null): () => Run {
  let run: Run;
  // Loading @pulumi/gcp and registering ~150 resources takes seconds on a busy machine.
  beforeAll(async () => {
    run = await runStack(stack, stackConfig(testid));
  }, 120_000);
  const t = testid === null ? "" : `-${testid}`;
  const sa = (role: string) => `ztf-${role}${t}@${PROJECT}.iam.gserviceaccount.com`;

  describe(`${stack}: docs/spec/broker.md §2 resource table`, () => {
    it.each(specTable(testid))("%s %s has %s = %s", (_kind, type, field, name) => {
      const matches = ofType(run, type).filter((r) => r.inputs[field] === name);
      expect(matches, `${type} with ${field}=${name}`).toHaveLength(1);
    });

    it("has the notification from the alert_avros bucket to its topic, as JSON on finalize", () => {
      const [n, ...more] = ofType(run, T.notification);
      expect(more).toHaveLength(0);
      expect(n?.inputs).toMatchObject({
        bucket: `${PROJECT}-ztf-alert_avros${t}`,
        topic: `projects/${PROJECT}/topics/ztf-alert_avros${t}`,
        payloadFormat: "JSON_API_V1",
        eventTypes: ["OBJECT_FINALIZE"],
      });
    });

    it("groups resources in one component per seed component", () => {
      const components = run.resources.filter((r) => r.type.startsWith("pgb:broker:"));
      expect(components.map((c) => c.type).sort()).toEqual(
        [
          "AvroStorage",
          "BigQueryStorage",
          "BrokerFiles",
          "BrokerInstance",
          "Consumer",
          "NightConductor",
          "ValueAdded",
        ].map((c) => `pgb:broker:${c}`),
      );
      const parent = (type: string, name: string) =>
        (run.options.get(`${type}::${name}`)?.parent as { __name?: string } | undefined)?.__name;
      expect(parent(T.function, `ztf-bq-sink${t}`)).toBe(`${stack}-bigQueryStorage`);
      expect(parent(T.vm, `ztf-consumer${t}`)).toBe(`${stack}-consumer`);
      expect(parent(T.bucket, `${PROJECT}-ztf-broker_files${t}`)).toBe(`${stack}-brokerFiles`);
      expect(parent(T.account, `ztf-push${t}`)).toBe(stack);
    });

    it("builds each component's slice of the model, and only it, under that component", () => {
      const parent = (type: string, name: string) =>
        (run.options.get(`${type}::${name}`)?.parent as { __name?: string } | undefined)?.__name;
      const model = run.result.model;
      for (const id of [...Object.keys(COMPONENT_TYPES), "instance"] as ComponentId[]) {
        const slice = componentSlice(model, id);
        const where = id === "instance" ? stack : `${stack}-${id}`;
        const built = [
          ...(slice.topics ?? []).map((x) => [T.topic, x.name]),
          ...(slice.subscriptions ?? []).map((x) => [T.subscription, x.name]),
          ...(slice.buckets ?? []).map((x) => [T.bucket, x.name]),
          ...(slice.functions ?? []).map((x) => [T.function, x.name]),
          ...(slice.vms ?? []).map((x) => [T.vm, x.name]),
          ...(slice.serviceAccounts ?? []).map((x) => [T.account, x.accountId]),
          ...(slice.schedulerJobs ?? []).map((x) => [T.job, x.name]),
          ...(slice.alertPolicies ?? []).map((x) => [T.alertPolicy, x.displayName]),
        ];
        expect(built.length, id).toBeGreaterThan(0);
        for (const [type, name] of built)
          expect(parent(type!, name!), `${type} ${name}`).toBe(where);
      }
      const children = (where: string) =>
        run.resources.filter((r) => parent(r.type, r.name) === where).length;
      expect(children(`${stack}-consumer`)).toBeGreaterThan(0);
      expect(
        Object.keys(COMPONENT_TYPES).reduce((sum, id) => sum + children(`${stack}-${id}`), 0) +
          children(stack),
      ).toBe(run.resources.length - 1);
    });

    it("creates nothing else of those kinds: no firewall, no Dataflow, no extra bucket", () => {
      expect(ofType(run, T.topic)).toHaveLength(11);
      expect(ofType(run, T.subscription)).toHaveLength(16);
      expect(ofType(run, T.bucket)).toHaveLength(3);
      expect(ofType(run, T.function)).toHaveLength(5);
      expect(ofType(run, T.vm)).toHaveLength(2);
      expect(run.resources.filter((r) => /firewall|dataflow/i.test(r.type))).toEqual([]);
    });
  });

  describe(`${stack}: processing subscriptions push to their functions`, () => {
    const cases = [
      ["alerts", "upload-bytes-to-bucket", 120],
      ["alert_avros", "bq-sink", 120],
      ["alert_avros", "value-added", 360],
      ["cue_night_conductor", "cue-night-conductor", 360],
      ["cue_night_conductor", "check-cue-response", 600],
    ] as const;
    it.each(cases)("%s → %s", (topic, fn, ack) => {
      const sub = named(run, T.subscription, `ztf-${topic}-${fn}${t}`);
      expect(sub.inputs).toMatchObject({
        topic: `projects/${PROJECT}/topics/ztf-${topic}${t}`,
        ackDeadlineSeconds: ack,
        messageRetentionDuration: "604800s",
        expirationPolicy: { ttl: "" },
        retryPolicy: { minimumBackoff: "10s", maximumBackoff: "600s" },
        deadLetterPolicy: {
          deadLetterTopic: `projects/${PROJECT}/topics/ztf-${fn}-deadletter${t}`,
          maxDeliveryAttempts: 5,
        },
        pushConfig: {
          pushEndpoint: `https://ztf-${fn}${t}-abc123-uc.a.run.app`,
          oidcToken: { serviceAccountEmail: sa("push") },
        },
      });
    });

    it("keeps the reservoir 7 days and dead letters 31 days, never expiring", () => {
      expect(named(run, T.subscription, `ztf-alerts-reservoir${t}`).inputs).toMatchObject({
        topic: `projects/${PROJECT}/topics/ztf-alerts${t}`,
        messageRetentionDuration: "604800s",
        expirationPolicy: { ttl: "" },
      });
      const dl = named(run, T.subscription, `ztf-bq-sink-deadletter-reservoir${t}`);
      expect(dl.inputs).toMatchObject({
        topic: `projects/${PROJECT}/topics/ztf-bq-sink-deadletter${t}`,
        messageRetentionDuration: "2678400s",
        expirationPolicy: { ttl: "" },
      });
      for (const s of ofType(run, T.subscription).filter(
        (x) => !("deadLetterPolicy" in x.inputs),
      )) {
        expect(s.inputs["pushConfig"], s.name).toBeUndefined();
      }
    });
  });

  describe(`${stack}: functions`, () => {
    const cases = [
      ["upload-bytes-to-bucket", "up", "upload_bytes_to_bucket", "uploadBytesToBucket"],
      ["bq-sink", "bq", "bq-sink", "bqSink"],
      ["value-added", "va", "value-added", "valueAdded"],
      ["cue-night-conductor", "cue", "cue_night_conductor", "cueNightConductor"],
      ["check-cue-response", "chk", "check_cue_response", "checkCueResponse"],
    ] as const;
    it.each(cases)(
      "%s runs as %s with its env contract, internal ingress, no eventTrigger",
      (fn, role, stub, entry) => {
        const f = named(run, T.function, `ztf-${fn}${t}`);
        expect(f.inputs["eventTrigger"]).toBeUndefined();
        expect(f.inputs).toMatchObject({
          location: "us-central1",
          buildConfig: {
            runtime: "nodejs22",
            entryPoint: entry,
            source: {
              storageSource: {
                bucket: `${PROJECT}-ztf-broker_files${t}`,
                object: `functions/${fn}/hash-${fn}.zip`,
              },
            },
          },
          serviceConfig: { serviceAccountEmail: sa(role), ingressSettings: "ALLOW_INTERNAL_ONLY" },
        });
        const env = f.inputs["serviceConfig"].environmentVariables as Record<string, string>;
        for (const key of PROGRAM_ENV[stub]) expect(env, key).toHaveProperty(key);
        expect(env).toMatchObject({
          [ENV.survey]: "ztf",
          [ENV.testid]: testid ?? "",
          [ENV.project]: PROJECT,
          [ENV.deadLetterTopic]: `ztf-${fn}-deadletter${t}`,
        });
      },
    );

    it("serves 8 alerts at once per stream-function instance, one cue at a time", () => {
      const concurrency = (fn: string) =>
        named(run, T.function, `ztf-${fn}${t}`).inputs["serviceConfig"]
          .maxInstanceRequestConcurrency;
      for (const fn of ["upload-bytes-to-bucket", "bq-sink", "value-added"]) {
        expect(concurrency(fn), fn).toBe(8);
      }
      for (const fn of ["cue-night-conductor", "check-cue-response"]) {
        expect(concurrency(fn), fn).toBe(1);
      }
    });

    it("wires value-added's outputs and the alerts bucket bq-sink and value-added read", () => {
      const va = named(run, T.function, `ztf-value-added${t}`).inputs["serviceConfig"]
        .environmentVariables;
      expect(va).toMatchObject({
        ALERTS_PURE_TOPIC: `ztf-alerts_pure${t}`,
        EXGALAC_TRANS_TOPIC: `ztf-exgalac_trans${t}`,
        SALT2_TOPIC: `ztf-salt2${t}`,
        SNCOSMO_BUCKET: `${PROJECT}-ztf-sncosmo${t}`,
        BQ_DATASET: `ztf_alerts${testid === null ? "" : `_${testid}`}`,
        BQ_SALT2_TABLE: "salt2",
      });
      const up = named(run, T.function, `ztf-upload-bytes-to-bucket${t}`).inputs["serviceConfig"]
        .environmentVariables;
      expect(up).toMatchObject({ ALERT_AVROS_BUCKET: `${PROJECT}-ztf-alert_avros${t}` });
      // bq-sink and value-added read the stored alert its notification announces
      for (const fn of ["bq-sink", "value-added"]) {
        const env = named(run, T.function, `ztf-${fn}${t}`).inputs["serviceConfig"]
          .environmentVariables;
        expect(env, fn).toMatchObject({ ALERT_AVROS_BUCKET: `${PROJECT}-ztf-alert_avros${t}` });
      }
    });
  });

  describe(`${stack}: VMs, scheduler, secret`, () => {
    it("runs each VM as its own account with its env and the startup script from broker_files", async () => {
      for (const [vm, role] of [
        ["consumer", "cons"],
        ["night-conductor", "nc"],
      ] as const) {
        const v = named(run, T.vm, `ztf-${vm}${t}`);
        expect(v.inputs).toMatchObject({
          machineType: "e2-standard-2",
          bootDisk: { initializeParams: { image: "debian-cloud/debian-12" } },
          serviceAccount: { email: sa(role) },
        });
        expect(v.inputs["metadataStartupScript"]).toBeUndefined();
        const script = await startupScriptOf(run, vm);
        expect(script).toContain(
          `BUNDLE='gs://${PROJECT}-ztf-broker_files${t}/vm/${vm}/hash-${vm}.zip'`,
        );
        expect(script).toContain("'--setenv=SURVEY=ztf'");
      }
      const consumer = await startupScriptOf(run, "consumer");
      for (const [key, value] of [
        ["ALERTS_TOPIC", `ztf-alerts${t}`],
        ["KAFKA_CREDENTIALS_SECRET", `ztf-kafka-credentials${t}`],
        ["KAFKA_GROUP_ID", `ztf-consumer${t}`],
      ]) {
        expect(consumer).toContain(`'--setenv=${key}=${value}'`);
      }
    });

    it("uploads the VMs' pinned Node.js runtime to broker_files; the startup scripts check its hash", async () => {
      const object = "runtime/node-v22.12.0-linux-x64.tar.xz";
      const [runtime, ...more] = ofType(run, T.object).filter((o) => o.inputs["name"] === object);
      expect(more).toEqual([]);
      expect(runtime?.inputs).toMatchObject({
        bucket: `${PROJECT}-ztf-broker_files${t}`,
        contentType: "application/x-xz",
      });
      // the file the runtime provider found on the deployer's machine
      expect(await (runtime?.inputs["source"] as { path: Promise<string> }).path).toBe(
        "/cache/node-v22.12.0.tar.xz",
      );
      for (const vm of ["consumer", "night-conductor"]) {
        const script = await startupScriptOf(run, vm);
        expect(script).toContain(`NODE_RUNTIME='gs://${PROJECT}-ztf-broker_files${t}/${object}'`);
        expect(script).toContain("NODE_SHA256='sha-of-22.12.0'");
        expect(script).not.toContain("npm install");
      }
    });

    it("sets only constant VM metadata, so a deploy never rewrites the run-time keys", async () => {
      for (const vm of ["consumer", "night-conductor"]) {
        expect(named(run, T.vm, `ztf-${vm}${t}`).inputs["metadata"]).toEqual({
          "enable-oslogin": "TRUE",
          "startup-script-url": `gs://${PROJECT}-ztf-broker_files${t}/vm/${vm}/startup.sh`,
        });
      }
      expect(await startupScriptOf(run, "night-conductor")).toContain(
        "for key in NIGHT KAFKA_TOPIC; do",
      );
      expect(await startupScriptOf(run, "consumer")).toContain("for key in KAFKA_TOPIC; do");
    });

    it("leaves VM state and run-time metadata to the night conductor", () => {
      for (const vm of ["consumer", "night-conductor"]) {
        const o = run.options.get(`${T.vm}::ztf-${vm}${t}`);
        expect(o?.ignoreChanges).toContain("desiredStatus");
        expect(o?.ignoreChanges).toContain("metadata.KAFKA_TOPIC");
      }
    });

    it("schedules the cues at 04:00 and 13:55 UTC, paused iff a test instance, pause edits ignored", () => {
      for (const [cue, cron] of [
        ["START", "0 4 * * *"],
        ["END", "55 13 * * *"],
      ] as const) {
        const name = `ztf-cue_night_conductor_${cue}${t}`;
        const job = named(run, T.job, name);
        expect(job.inputs).toMatchObject({
          schedule: cron,
          timeZone: "UTC",
          paused: testid !== null,
          pubsubTarget: {
            topicName: `projects/${PROJECT}/topics/ztf-cue_night_conductor${t}`,
            data: Buffer.from(cue).toString("base64"),
          },
        });
        expect(run.options.get(`${T.job}::${name}`)?.ignoreChanges).toEqual(["paused"]);
      }
    });

    it("keeps the Kafka secret readable by the consumer only", () => {
      const grants = ofType(run, "gcp:secretmanager/secretIamMember:SecretIamMember");
      expect(grants.map((g) => [g.inputs["role"], g.inputs["member"]])).toEqual([
        ["roles/secretmanager.secretAccessor", `serviceAccount:${sa("cons")}`],
      ]);
    });

    it("enables exactly the APIs the instance uses, without disabling them on destroy", () => {
      const apis = ofType(run, T.api);
      expect(apis.map((a) => a.inputs["service"]).sort()).toEqual(
        [
          "artifactregistry",
          "bigquery",
          "bigquerystorage",
          "cloudbuild",
          "cloudfunctions",
          "cloudscheduler",
          "compute",
          "iam",
          "logging",
          "monitoring",
          "pubsub",
          "run",
          "secretmanager",
          "storage",
        ].map((api) => `${api}.googleapis.com`),
      );
      for (const a of apis) expect(a.inputs["disableOnDestroy"]).toBe(false);
    });
  });

  describe(`${stack}: IAM`, () => {
    const grants = () => run.resources.filter((r) => /IAMMember|IamMember/.test(r.type));
    const has = (type: string, role: string, member: string, target: Record<string, unknown>) =>
      expect(
        grants().filter(
          (g) =>
            g.type === type &&
            g.inputs["role"] === role &&
            g.inputs["member"] === member &&
            Object.entries(target).every(([k, v]) => g.inputs[k] === v),
        ),
        `${member} ${role} on ${JSON.stringify(target)}`,
      ).toHaveLength(1);
    const d = testid === null ? "" : `_${testid}`;
    const agent = (a: string) =>
      `serviceAccount:service-${PROJECT_NUMBER}@${a}.iam.gserviceaccount.com`;

    it("uses additive members only, never a primitive role", () => {
      expect(
        run.resources.filter((r) => /IAMBinding|IAMPolicy|IamBinding|IamPolicy/.test(r.type)),
      ).toEqual([]);
      for (const g of grants()) {
        expect(g.inputs["role"]).toMatch(
          /^(roles\/[a-z]+\.[A-Za-z.0-9]+|projects\/my-proj\/roles\/ztf_[A-Za-z]+(_mytestid)?)$/,
        );
        expect(["roles/owner", "roles/editor", "roles/viewer"]).not.toContain(g.inputs["role"]);
        expect(g.inputs["member"]).toMatch(/^serviceAccount:/);
      }
    });

    it("grants the service agents what gsutil/gcloud granted silently", () => {
      has(
        "gcp:pubsub/topicIAMMember:TopicIAMMember",
        "roles/pubsub.publisher",
        `serviceAccount:${STORAGE_AGENT}`,
        {
          topic: `ztf-alert_avros${t}`,
        },
      );
      for (const fn of [
        "upload-bytes-to-bucket",
        "bq-sink",
        "value-added",
        "cue-night-conductor",
        "check-cue-response",
      ]) {
        has(
          "gcp:pubsub/topicIAMMember:TopicIAMMember",
          "roles/pubsub.publisher",
          agent("gcp-sa-pubsub"),
          {
            topic: `ztf-${fn}-deadletter${t}`,
          },
        );
      }
      for (const sub of [
        "alert_avros-bq-sink",
        "alert_avros-value-added",
        "alerts-upload-bytes-to-bucket",
        "cue_night_conductor-check-cue-response",
      ]) {
        has(
          "gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember",
          "roles/pubsub.subscriber",
          agent("gcp-sa-pubsub"),
          {
            subscription: `ztf-${sub}${t}`,
          },
        );
      }
      has(
        "gcp:serviceaccount/iAMMember:IAMMember",
        "roles/iam.serviceAccountTokenCreator",
        agent("gcp-sa-pubsub"),
        {
          serviceAccountId: `projects/${PROJECT}/serviceAccounts/${sa("push")}`,
        },
      );
      has(
        "gcp:pubsub/topicIAMMember:TopicIAMMember",
        "roles/pubsub.publisher",
        agent("gcp-sa-cloudscheduler"),
        {
          topic: `ztf-cue_night_conductor${t}`,
        },
      );
    });

    it("looks the Cloud Storage agent up (the lookup creates it on a new project)", () => {
      expect(run.invokes).toEqual([
        {
          token: "gcp:storage/getProjectServiceAccount:getProjectServiceAccount",
          inputs: { project: PROJECT },
        },
      ]);
    });

    it("makes the notification wait for the GCS agent's publisher grant", () => {
      const [n] = ofType(run, T.notification);
      const deps = (run.options.get(`${T.notification}::${n?.name}`)?.dependsOn ?? []) as {
        __name?: string;
      }[];
      expect(deps.map((d) => d.__name)).toContain(
        `storage-agent-pubsub.publisher-on-ztf-alert_avros${t}`,
      );
    });

    it.each(Object.keys(expectedGrants(t)))(
      "gives %s exactly the roles it needs, on exactly the resources it uses",
      (role) => {
        expect(accountGrants(run, sa(role))).toEqual(expectedGrants(t)[role]!.sort());
      },
    );

    it("grants each custom role after creating it", () => {
      const deps = (name: string) =>
        ((run.options.get(name)?.dependsOn ?? []) as { __name?: string }[]).map((x) => x.__name);
      expect(
        deps(
          `gcp:compute/instanceIAMMember:InstanceIAMMember::cue-ztf_vmOperator${d}-on-ztf-night-conductor${t}`,
        ),
      ).toContain(`ztf_vmOperator${d}`);
    });

    it("allows no public access", () => {
      for (const g of grants())
        expect(g.inputs["member"]).not.toMatch(/allUsers|allAuthenticatedUsers/);
      for (const b of ofType(run, T.bucket)) {
        expect(b.inputs).toMatchObject({
          publicAccessPrevention: "enforced",
          uniformBucketLevelAccess: true,
        });
      }
      for (const f of ofType(run, T.function)) {
        expect(f.inputs["serviceConfig"].ingressSettings).toBe("ALLOW_INTERNAL_ONLY");
      }
    });
  });

  return () => run;
}

/** `role on target` of every grant to `email`; custom roles as `custom:<stub>`. */
function accountGrants(run: Run, email: string): string[] {
  return run.resources
    .filter(
      (r) => /IAMMember|IamMember/.test(r.type) && r.inputs["member"] === `serviceAccount:${email}`,
    )
    .map((g) => {
      const i = g.inputs;
      const role = String(i["role"]).replace(
        /^projects\/[^/]+\/roles\/ztf_([A-Za-z]+).*$/,
        "custom:$1",
      );
      const target =
        i["topic"] ??
        i["subscription"] ??
        i["bucket"] ??
        i["tableId"] ??
        i["instanceName"] ??
        i["secretId"] ??
        (i["serviceAccountId"] as string | undefined)?.replace(
          /^.*\/serviceAccounts\/([^@]+)@.*$/,
          "$1",
        ) ??
        (i["name"] as string | undefined) ??
        "project";
      const condition = i["condition"] === undefined ? "" : ` if ${String(i["condition"].title)}`;
      return `${role.replace(/^roles\//, "")} on ${String(target)}${condition}`;
    })
    .sort();
}

/** Every runtime account's grants (docs/deploy.md "IAM"), for the testid suffix `t`. */
function expectedGrants(t: string): Record<string, string[]> {
  const files = `${PROJECT}-ztf-broker_files${t}`;
  const viewer = `storage.objectViewer on ${files}`;
  const deadLetter = (fn: string) => `pubsub.publisher on ztf-${fn}-deadletter${t}`;
  const vms = ["consumer", "night-conductor"].map((v) => `ztf-${v}${t}`);
  return {
    cons: [
      viewer,
      `pubsub.publisher on ztf-alerts${t}`,
      `secretmanager.secretAccessor on ztf-kafka-credentials${t}`,
      `storage.objectCreator on ${files} if rejected-consumer-only`,
      "logging.logWriter on project",
    ],
    nc: [
      viewer,
      "logging.logWriter on project",
      "monitoring.viewer on project",
      ...["alerts", "alert_avros", "alerts_pure", "exgalac_trans", "salt2"].map(
        (s) => `pubsub.subscriber on ztf-${s}-counter${t}`,
      ),
      "custom:rowWriter on metadata",
      `storage.objectUser on ${files} if night-summaries-only`,
      ...vms.map((v) => `custom:vmOperator on ${v}`),
      `iam.serviceAccountUser on ztf-cons${t}`,
    ],
    up: [
      viewer,
      `storage.objectCreator on ${PROJECT}-ztf-alert_avros${t}`,
      deadLetter("upload-bytes-to-bucket"),
    ],
    bq: [
      viewer,
      `storage.objectViewer on ${PROJECT}-ztf-alert_avros${t}`,
      "custom:rowWriter on alerts",
      "custom:rowWriter on DIASource",
      deadLetter("bq-sink"),
    ],
    va: [
      viewer,
      `storage.objectViewer on ${PROJECT}-ztf-alert_avros${t}`,
      "custom:rowWriter on salt2",
      ...["alerts_pure", "exgalac_trans", "salt2"].map((s) => `pubsub.publisher on ztf-${s}${t}`),
      `storage.objectCreator on ${PROJECT}-ztf-sncosmo${t}`,
      deadLetter("value-added"),
    ],
    cue: [
      viewer,
      `custom:vmOperator on ztf-night-conductor${t}`,
      `iam.serviceAccountUser on ztf-nc${t}`,
      deadLetter("cue-night-conductor"),
    ],
    chk: [...vms.map((v) => `custom:vmReader on ${v}`), deadLetter("check-cue-response")],
    push: [
      "upload-bytes-to-bucket",
      "bq-sink",
      "value-added",
      "cue-night-conductor",
      "check-cue-response",
    ].map((fn) => `run.invoker on ztf-${fn}${t}`),
  };
}
