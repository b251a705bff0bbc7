import { describe, expect, it } from "vitest";
import { bigQueryTableSchema } from "@pgb/broker-utils/alerts";
import type { TableField } from "@pgb/broker-utils/bigquery";
import {
  ENV,
  MissingEnvError,
  PROGRAM_ENV,
  PROGRAM_OPTIONAL_ENV,
  instanceModel,
  listResources,
  readEnv,
  type InstanceInput,
  type InstanceModel,
  type TableSchemaProvider,
} from "@pgb/broker-utils/instance";
import { instanceNames } from "@pgb/broker-utils/naming";

const schemas: TableSchemaProvider = (survey, table) =>
  (survey === "lsst"
    ? table === "alerts"
      ? ["diaSourceId"]
      : ["diaObjectId", "diaSourceId"]
    : ["objectId", "candid"]
  ).map((name): TableField => ({ name, type: "STRING", mode: "REQUIRED" }));

const input: InstanceInput = {
  survey: "ztf",
  testid: "mytestid",
  project: "my-proj",
  region: "us-central1",
  projectNumber: "123456789012",
  tableSchemas: schemas,
  kafka: { bootstrapServers: "kafka.example.org:9092" },
};
const test = instanceModel(input);
const production = instanceModel({ ...input, testid: "False" });

describe("instance model", () => {
  it("is plain data: it survives a JSON round trip unchanged", () => {
    expect(JSON.parse(JSON.stringify(test))).toEqual(test);
  });

  it("names exactly what naming derives for the instance", () => {
    for (const model of [test, production]) {
      const fromModel = listResources(model)
        .filter((r) => r.kind !== "notification")
        .map((r) => `${r.kind === "view" ? "table" : r.kind} ${r.name}`);
      const fromNaming = instanceNames(model.keywords).map((r) => `${r.kind} ${r.name}`);
      expect(fromModel.sort()).toEqual(fromNaming.sort());
    }
  });

  it("holds production as null and derives the stack name", () => {
    expect(production.keywords.testid).toBeNull();
    expect(production.stack).toBe("ztf");
    expect(test.stack).toBe("ztf-mytestid");
    expect(test.zone).toBe("us-central1-a");
  });

  it("configures each subscription by purpose", () => {
    const by = (purpose: string) => test.subscriptions.filter((s) => s.purpose === purpose);
    expect(by("processing")).toHaveLength(5);
    for (const s of by("processing")) {
      expect(s).toMatchObject({
        messageRetentionSeconds: 7 * 86400,
        neverExpires: true,
        deadLetter: { maxDeliveryAttempts: 5 },
        retry: { minimumBackoffSeconds: 10, maximumBackoffSeconds: 600 },
        push: { oidcServiceAccount: "push" },
      });
      const fn = test.functions.find((f) => f.trigger.subscription === s.name);
      expect(s.ackDeadlineSeconds).toBeGreaterThanOrEqual((fn?.timeoutSeconds ?? 0) + 30);
      expect(s.ackDeadlineSeconds).toBeLessThanOrEqual(
        Math.min((fn?.timeoutSeconds ?? 0) + 60, 600),
      );
    }
    expect(by("counter").map((s) => s.topic)).toEqual(
      ["alerts", "alert_avros", "alerts_pure", "exgalac_trans", "salt2"].map(
        (t) => `ztf-${t}-mytestid`,
      ),
    );
    expect(by("reservoir")).toMatchObject([
      { name: "ztf-alerts-reservoir-mytestid", messageRetentionSeconds: 7 * 86400 },
    ]);
    for (const s of by("deadLetterReservoir")) expect(s.messageRetentionSeconds).toBe(31 * 86400);
    for (const s of test.subscriptions) expect(s.neverExpires).toBe(true);
  });

  it("pauses the scheduler only for test instances", () => {
    expect(test.schedulerJobs.map((j) => [j.schedule, j.data, j.paused])).toEqual([
      ["0 4 * * *", "START", true],
      ["55 13 * * *", "END", true],
    ]);
    expect(production.schedulerJobs.every((j) => !j.paused)).toBe(true);
  });

  it("protects production data only", () => {
    for (const m of [test, production]) {
      const p = m === production;
      expect(
        m.buckets.every((b) => b.protect === p && b.publicAccessPrevention === "enforced"),
      ).toBe(true);
      expect(m.dataset.protect).toBe(p);
      expect(m.tables.every((t) => t.protect === p)).toBe(true);
    }
  });
});

describe("BigQuery layout", () => {
  const table = (m: InstanceModel, name: string) => m.tables.find((t) => t.name === name);

  it("defines salt2 per the spec (§6) with the 25 covariances row-major, then the fit's verdict", () => {
    const fields = table(test, "salt2")?.schema ?? [];
    const p = ["z", "t0", "x0", "x1", "c"];
    expect(fields.map((f) => f.name)).toEqual([
      "objectId",
      "candid",
      "success",
      "ncall",
      "chisq",
      "ndof",
      ...p,
      ...p.map((x) => `${x}_err`),
      ...p.flatMap((a) => p.map((b) => `${a}_${b}_cov`)),
      "quality",
      "quality_reasons",
    ]);
    expect(fields.filter((f) => f.name.endsWith("_cov"))).toHaveLength(25);
    expect(fields.slice(0, 6).map((f) => f.type)).toEqual([
      "STRING",
      "INTEGER",
      "INTEGER",
      "INTEGER",
      "FLOAT",
      "INTEGER",
    ]);
    expect(fields.slice(0, -1).every((f) => f.mode === "NULLABLE")).toBe(true);
    expect(fields.at(-1)).toEqual({ name: "quality_reasons", type: "STRING", mode: "REPEATED" });
  });

  it("defines metadata per docs/spec/broker.md §8, partitioned on night", () => {
    const t = table(test, "metadata");
    expect(t?.schema.map((f) => `${f.name}:${f.type}`)).toEqual([
      "night:DATE",
      "kafka_topic:STRING",
      "stream:STRING",
      "count:INTEGER",
      "complete:BOOLEAN",
      "first_kafka_timestamp:TIMESTAMP",
      "last_kafka_timestamp:TIMESTAMP",
      "first_publish_time:TIMESTAMP",
      "last_publish_time:TIMESTAMP",
      "collected_at:TIMESTAMP",
      "latency_p50_s:FLOAT",
      "latency_p90_s:FLOAT",
      "latency_p99_s:FLOAT",
      "latency_max_s:FLOAT",
    ]);
    expect(t?.timePartitioning).toEqual({ type: "DAY", field: "night" });
  });

  it("partitions alert tables by ingestion day and clusters on the survey's top-level ids", () => {
    expect(table(test, "alerts")).toMatchObject({
      timePartitioning: { type: "DAY" },
      clustering: ["objectId", "candid"],
    });
    expect(table(test, "alerts")?.timePartitioning.field).toBeUndefined();
    const lsst = instanceModel({ ...input, survey: "lsst" });
    expect(table(lsst, "alerts")?.clustering).toEqual(["diaSourceId"]);
    expect(table(lsst, "DIASource")?.clustering).toEqual(["diaObjectId", "diaSourceId"]);
  });

  it("adds a view per table that keeps the latest row per key", () => {
    expect(test.views.map((v) => v.name)).toEqual([
      "alerts_dedup",
      "DIASource_dedup",
      "salt2_dedup",
      "metadata_dedup",
    ]);
    const alerts = test.views[0]?.query ?? "";
    expect(alerts).toContain("FROM `my-proj.ztf_alerts_mytestid.alerts`");
    expect(alerts).toContain("PARTITION BY `candid` ORDER BY _PARTITIONTIME DESC");
    expect(test.views[3]?.query).toContain(
      "PARTITION BY `night`, `stream` ORDER BY collected_at DESC",
    );
  });

  it.each(["ztf", "lsst", "elasticc"])(
    "fits the alerts module's generated %s schemas",
    (survey) => {
      const m = instanceModel({ ...input, survey, tableSchemas: bigQueryTableSchema });
      expect(table(m, "DIASource")?.schema.length).toBeGreaterThan(10);
    },
  );

  it("fails clearly when the schema provider lacks the id columns", () => {
    expect(() => instanceModel({ ...input, tableSchemas: () => [] })).toThrow(
      /BigQuery table "alerts": the schema has no top-level column\(s\) objectId, candid/,
    );
  });
});

describe("IAM", () => {
  it("grants predefined or instance custom roles only, to the instance's accounts and Google's agents", () => {
    const emails = new Set(test.serviceAccounts.map((a) => a.email));
    const custom = new Set(test.customRoles.map((r) => r.name));
    for (const g of test.iam) {
      if (!custom.has(g.role)) expect(g.role).toMatch(/^roles\/[a-z]+\.[A-Za-z.0-9]+$/);
      expect(["roles/owner", "roles/editor", "roles/viewer"]).not.toContain(g.role);
      if (g.member.kind === "serviceAccount") expect(emails.has(g.member.email)).toBe(true);
      else if (g.member.kind === "serviceAgent") {
        expect(g.member.email).toMatch(/^service-123456789012@/);
      }
    }
  });

  it("names the custom roles per instance and lets them do no more than they say", () => {
    expect(test.customRoles.map((r) => [r.roleId, r.permissions])).toEqual([
      [
        "ztf_vmOperator_mytestid",
        [
          "compute.instances.get",
          "compute.instances.setMetadata",
          "compute.instances.start",
          "compute.instances.stop",
        ],
      ],
      ["ztf_vmReader_mytestid", ["compute.instances.get"]],
      [
        "ztf_rowWriter_mytestid",
        ["bigquery.tables.get", "bigquery.tables.getData", "bigquery.tables.updateData"],
      ],
    ]);
    expect(test.customRoles[0]?.name).toBe("projects/my-proj/roles/ztf_vmOperator_mytestid");
  });

  it("limits the consumer's bucket writes to rejected/consumer/", () => {
    const g = test.iam.find(
      (x) =>
        x.role === "roles/storage.objectCreator" &&
        x.member.kind === "serviceAccount" &&
        x.member.role === "cons",
    );
    expect(g?.condition?.expression).toBe(
      'resource.name.startsWith("projects/_/buckets/my-proj-ztf-broker_files-mytestid/objects/rejected/consumer/")',
    );
  });

  it("omits the service-agent grants when the project number is unknown (local instance)", () => {
    const local = instanceModel({ ...input, projectNumber: undefined });
    expect(local.serviceAgents).toBeNull();
    expect(local.iam.some((g) => g.member.kind !== "serviceAccount")).toBe(false);
  });
});

describe("environment contract", () => {
  const programs = [
    ...test.functions.map((f) => [f.stub, f.env] as const),
    ...test.vms.map((v) => [v.stub, v.env] as const),
  ];

  it.each(programs)("%s gets exactly its declared variables", (program, env) => {
    const allowed = new Set<string>([...PROGRAM_ENV[program], ...PROGRAM_OPTIONAL_ENV[program]]);
    for (const key of PROGRAM_ENV[program]) expect(env, key).toHaveProperty(key);
    for (const key of Object.keys(env)) expect(allowed.has(key), key).toBe(true);
    expect(readEnv(program, env)).toMatchObject({ [ENV.survey]: "ztf", [ENV.testid]: "mytestid" });
  });

  it("gives the consumer KAFKA_CLIENT only when the Kafka client is configured", () => {
    const consumerEnv = (kafka: InstanceInput["kafka"]) =>
      instanceModel({ ...input, kafka }).vms.find((v) => v.stub === "consumer")?.env ?? {};
    expect(consumerEnv({ ...input.kafka, client: "platformatic" })).toMatchObject({
      KAFKA_CLIENT: "platformatic",
    });
    expect(consumerEnv({ ...input.kafka, client: "" })).not.toHaveProperty("KAFKA_CLIENT");
    expect(consumerEnv(input.kafka)).not.toHaveProperty("KAFKA_CLIENT");
  });

  it("accepts an empty TESTID (production) and lists every missing variable", () => {
    const env = production.functions.find((f) => f.stub === "bq-sink")?.env ?? {};
    expect(readEnv("bq-sink", env)[ENV.testid]).toBe("");
    expect(() => readEnv("bq-sink", { ...env, BQ_DATASET: "", GCP_PROJECT: undefined })).toThrow(
      new MissingEnvError(
        "bq-sink: missing environment variable(s) GCP_PROJECT, BQ_DATASET; they are set by the instance model " +
          "(Pulumi for a cloud instance, `pgb local` for a local one)",
      ),
    );
  });

  it("hands the night conductor its streams and subscriptions", () => {
    const env = test.vms.find((v) => v.stub === "night-conductor")?.env ?? {};
    // upload is fed the alerts, bq-sink and value-added the notification of the stored alert
    expect(env[ENV.processingSubscriptions]?.split(",")).toEqual([
      "ztf-alerts-upload-bytes-to-bucket-mytestid",
      "ztf-alert_avros-bq-sink-mytestid",
      "ztf-alert_avros-value-added-mytestid",
    ]);
    expect(JSON.parse(env[ENV.counterSubscriptions] ?? "{}")).toMatchObject({
      alert_avros: "ztf-alert_avros-counter-mytestid",
    });
  });
});
