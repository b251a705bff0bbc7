/**
 * Creates an instance model's resources on the local servers: the same topics, subscriptions
 * (processing subs push to the local function processes, with the model's dead-letter and retry
 * policies), buckets, dataset, tables and de-duplicating views that Pulumi creates in the cloud.
 * Idempotent: what exists is left as is, so `pgb local up` can run again.
 */
import type { BigQuery } from "@google-cloud/bigquery";
import type { PubSub } from "@google-cloud/pubsub";
import type { Storage } from "@google-cloud/storage";
import type { FunctionStub } from "@pgb/broker-utils/naming";
import type { InstanceModel, SubscriptionSpec, TableSpec } from "@pgb/broker-utils/instance";

export interface ProvisionClients {
  pubsub: PubSub;
  storage: Storage;
  bigquery: BigQuery;
}

/** Base URL (`http://127.0.0.1:PORT`) of each function process that processing subs push to. */
export type FunctionUrls = Partial<Record<FunctionStub, string>>;

export interface ProvisionReport {
  created: string[];
  existing: string[];
}

function alreadyExists(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e.code === 6 || e.code === 409 || /already exists/i.test(String(e.message ?? ""));
}

async function ensure(
  report: ProvisionReport,
  label: string,
  create: () => Promise<unknown>,
): Promise<void> {
  try {
    await create();
    report.created.push(label);
  } catch (err) {
    if (!alreadyExists(err)) throw err;
    report.existing.push(label);
  }
}

/**
 * The emulator push path `projects/P/topics/T` lets the functions framework name the event source
 * as Eventarc does.
 */
export function pushEndpoint(base: string, project: string, topic: string): string {
  return `${base.replace(/\/$/, "")}/projects/${project}/topics/${topic}`;
}

/**
 * The emulator refuses subscription retention above 7 days, while Pub/Sub accepts up to 31 (the
 * dead-letter reservoirs): locally they keep 7 days, which no local run comes near.
 */
const EMULATOR_MAX_RETENTION_SECONDS = 7 * 24 * 3600;

/** Delivery attempts of a local push subscription: about 100 s of one-per-second redeliveries. */
const EMULATOR_PUSH_ATTEMPTS = 100;

/** Attempts before the emulator dead-letters a push delivery (see `subscriptionOptions`). */
export function localPushAttempts(modelAttempts: number): number {
  return Math.max(modelAttempts, EMULATOR_PUSH_ATTEMPTS);
}

function subscriptionOptions(
  spec: SubscriptionSpec,
  model: InstanceModel,
  urls: FunctionUrls,
): Record<string, unknown> {
  const { project } = model.keywords;
  const options: Record<string, unknown> = {
    ackDeadlineSeconds: spec.ackDeadlineSeconds,
    messageRetentionDuration: {
      seconds: Math.min(spec.messageRetentionSeconds, EMULATOR_MAX_RETENTION_SECONDS),
    },
    retainAckedMessages: spec.retainAckedMessages,
  };
  // The emulator (0.8.20) strands failed pushes of subscriptions that have a retry policy: after a
  // burst of failures some are not redelivered for minutes (docs/functions.md, "Delivery"). Without
  // one it redelivers about every second, so push subscriptions get no retry policy here and enough
  // attempts to ride out what the cloud's 10–600 s backoff would: a function restarting, a slow or
  // briefly unavailable emulator. Bad input is dead-lettered at once by the functions themselves.
  const emulatorPush = spec.push !== undefined;
  if (spec.deadLetter) {
    options["deadLetterPolicy"] = {
      deadLetterTopic: `projects/${project}/topics/${spec.deadLetter.topic}`,
      maxDeliveryAttempts: emulatorPush
        ? localPushAttempts(spec.deadLetter.maxDeliveryAttempts)
        : spec.deadLetter.maxDeliveryAttempts,
    };
  }
  if (spec.retry && !emulatorPush) {
    options["retryPolicy"] = {
      minimumBackoff: { seconds: spec.retry.minimumBackoffSeconds },
      maximumBackoff: { seconds: spec.retry.maximumBackoffSeconds },
    };
  }
  if (spec.push) {
    const target = spec.push.function;
    const fn = model.functions.find((f) => f.name === target);
    const base = fn === undefined ? undefined : urls[fn.stub];
    if (base === undefined) {
      throw new Error(
        `subscription ${spec.name} pushes to function ${spec.push.function}, which has no local URL; ` +
          "start the function processes before provisioning",
      );
    }
    options["pushConfig"] = { pushEndpoint: pushEndpoint(base, project, spec.topic) };
  }
  return options;
}

function tableOptions(table: TableSpec): Record<string, unknown> {
  return {
    schema: { fields: table.schema },
    timePartitioning: table.timePartitioning,
    clustering: { fields: table.clustering },
  };
}

export async function provisionInstance(
  model: InstanceModel,
  clients: ProvisionClients,
  functionUrls: FunctionUrls,
): Promise<ProvisionReport> {
  const report: ProvisionReport = { created: [], existing: [] };
  const { project } = model.keywords;
  const { pubsub, storage, bigquery } = clients;

  for (const topic of model.topics) {
    await ensure(report, `topic ${topic.name}`, () => pubsub.createTopic(topic.name));
  }
  for (const sub of model.subscriptions) {
    const options = subscriptionOptions(sub, model, functionUrls);
    await ensure(report, `subscription ${sub.name}`, () =>
      pubsub.topic(sub.topic).createSubscription(sub.name, options),
    );
  }
  for (const bucket of model.buckets) {
    await ensure(report, `bucket ${bucket.name}`, () => storage.createBucket(bucket.name));
  }
  for (const n of model.notifications) {
    const bucket = storage.bucket(n.bucket);
    const [existing] = await bucket.getNotifications();
    const topicPath = `projects/${project}/topics/${n.topic}`;
    // the emulator returns the topic as `//pubsub.googleapis.com/projects/P/topics/T`
    if (existing.some((c) => String(c.metadata.topic ?? "").endsWith(topicPath))) {
      report.existing.push(`notification ${n.bucket} → ${n.topic}`);
      continue;
    }
    await bucket.createNotification(topicPath, {
      eventTypes: n.eventTypes,
      payloadFormat: n.payloadFormat,
    });
    report.created.push(`notification ${n.bucket} → ${n.topic}`);
  }
  await ensure(report, `dataset ${model.dataset.name}`, () =>
    bigquery.createDataset(model.dataset.name),
  );
  const dataset = bigquery.dataset(model.dataset.name);
  for (const table of model.tables) {
    await ensure(report, `table ${table.name}`, () =>
      dataset.createTable(table.name, tableOptions(table)),
    );
  }
  for (const view of model.views) {
    await ensure(report, `view ${view.name}`, () =>
      dataset.createTable(view.name, { view: { query: view.query, useLegacySql: false } }),
    );
  }
  return report;
}

/** Deletes everything `provisionInstance` created (a test instance's cleanup). */
export async function deprovisionInstance(
  model: InstanceModel,
  clients: ProvisionClients,
): Promise<void> {
  const { pubsub, storage, bigquery } = clients;
  const ignoreMissing = (err: unknown) => {
    const code = (err as { code?: unknown }).code;
    if (code !== 5 && code !== 404) throw err;
  };
  for (const sub of model.subscriptions) {
    await pubsub.subscription(sub.name).delete().catch(ignoreMissing);
  }
  for (const topic of model.topics) {
    await pubsub.topic(topic.name).delete().catch(ignoreMissing);
  }
  for (const bucket of model.buckets) {
    const b = storage.bucket(bucket.name);
    await b.deleteFiles({ force: true }).catch(ignoreMissing);
    await b.delete().catch(ignoreMissing);
  }
  await bigquery.dataset(model.dataset.name).delete({ force: true }).catch(ignoreMissing);
}
