/**
 * `pgb local status`: the servers, every process of the instance (PID, port, state), which of the
 * model's resources exist on the emulators, and what they hold.
 */
import { functionHealthy } from "../functions/index.js";
import { serviceEnv, servicesStatus } from "../services/index.js";
import { isOurProcess } from "../services/process.js";
import { DeliveryLog } from "./deliveries.js";
import type { LocalInstance } from "./instance.js";
import {
  bucketCounts,
  deadLetters,
  tableCounts,
  topicEnds,
  type BucketCount,
  type DeadLetters,
  type TableCount,
} from "./outputs.js";

export interface ProcessStatus {
  name: string;
  kind: "function" | "front" | "vm";
  state: string;
  pid: number | null;
  port: number | null;
  log: string;
}

export interface InstanceStatus {
  stack: string;
  folder: string;
  servers: { name: string; state: string; pids: number[]; endpoint: string }[];
  processes: ProcessStatus[];
  resources: { kind: string; expected: number; present: number }[];
  kafka: { topic: string; messages: number; committed: number }[];
  buckets: BucketCount[];
  tables: TableCount[];
  deliveries: { stub: string; answers: number; failedAnswers: number; messages: number }[];
  deadLetters: DeadLetters[];
  env: Record<string, string>;
}

async function resourcesPresent(instance: LocalInstance): Promise<InstanceStatus["resources"]> {
  const { pubsub, storage, bigquery } = instance.clients();
  const { model } = instance;
  const names = async (list: Promise<[{ name?: string | null }[], ...unknown[]]>) =>
    new Set(
      (await list)[0].map((r) =>
        String(r.name ?? "")
          .split("/")
          .pop(),
      ),
    );
  const topics = await names(pubsub.getTopics());
  const subs = await names(pubsub.getSubscriptions());
  const present = async (bucket: string) => (await storage.bucket(bucket).exists())[0];
  const dataset = bigquery.dataset(model.dataset.name);
  const [datasetExists] = await dataset.exists();
  const tables = datasetExists
    ? new Set((await dataset.getTables())[0].map((t) => t.id ?? ""))
    : new Set<string>();
  let buckets = 0;
  for (const b of model.buckets) if (await present(b.name)) buckets += 1;
  return [
    {
      kind: "topics",
      expected: model.topics.length,
      present: model.topics.filter((t) => topics.has(t.name)).length,
    },
    {
      kind: "subscriptions",
      expected: model.subscriptions.length,
      present: model.subscriptions.filter((s) => subs.has(s.name)).length,
    },
    { kind: "buckets", expected: model.buckets.length, present: buckets },
    { kind: "dataset", expected: 1, present: datasetExists ? 1 : 0 },
    {
      kind: "tables and views",
      expected: model.tables.length + model.views.length,
      present: [...model.tables, ...model.views].filter((t) => tables.has(t.name)).length,
    },
  ];
}

/** What `pgb local status` shows, gathered section by section (hence its length). */
export async function instanceStatus(instance: LocalInstance): Promise<InstanceStatus> {
  const { record, paths } = instance;
  const processes: ProcessStatus[] = [];
  for (const f of record.functions) {
    processes.push({
      name: f.name,
      kind: "function",
      state: (await functionHealthy(f))
        ? "healthy"
        : isOurProcess(f.pid, f.marker)
          ? "unhealthy"
          : "gone",
      pid: f.pid,
      port: f.port,
      log: f.log,
    });
  }
  processes.push({
    name: "push front",
    kind: "front",
    state: isOurProcess(record.front.pid, record.front.marker) ? "running" : "gone",
    pid: record.front.pid,
    port: record.front.port,
    log: record.front.log,
  });
  for (const vm of instance.model.vms) {
    const status = await instance.compute.status(vm.name);
    processes.push({
      name: vm.name,
      kind: "vm",
      state: status,
      pid: (await instance.vmPid(vm.stub)) ?? null,
      port: null,
      log: instance.compute.logPath(vm.name),
    });
  }
  const servers = record.servers.managed
    ? (await servicesStatus(record.servers.options)).map((s) => ({
        name: s.name,
        state: s.state,
        pids: s.pids,
        endpoint: s.endpoint,
      }))
    : Object.entries(serviceEnv(record.endpoints))
        .filter(([k]) => k.endsWith("_HOST") || k.startsWith("KAFKA"))
        .map(([k, v]) => ({ name: k, state: "run by the caller", pids: [], endpoint: v }));

  const kafka: InstanceStatus["kafka"] = [];
  const admin = instance.kafka().admin();
  await admin.connect();
  try {
    for (const topic of record.kafkaTopics) {
      const ends = await topicEnds(instance, topic);
      const [committed] = await admin.fetchOffsets({
        groupId: instance.consumerGroup,
        topics: [topic],
      });
      kafka.push({
        topic,
        messages: Object.values(ends).reduce((a, b) => a + b, 0),
        committed: (committed?.partitions ?? []).reduce(
          (n, p) => n + Math.max(0, Number(p.offset)),
          0,
        ),
      });
    }
  } finally {
    await admin.disconnect();
  }

  const deliveries: InstanceStatus["deliveries"] = [];
  for (const f of instance.model.functions) {
    const state = await DeliveryLog.of(paths.deliveries, f.stub).read();
    deliveries.push({
      stub: f.stub,
      answers: state.answers,
      failedAnswers: state.failedAnswers,
      messages: state.messages.size,
    });
  }

  return {
    stack: instance.stack,
    folder: paths.root,
    servers,
    processes,
    resources: await resourcesPresent(instance),
    kafka,
    // after `down --purge` or an emulator restart the resources may be gone: nothing to count
    buckets: await bucketCounts(instance),
    tables: await tableCounts(instance).catch(() => []),
    deliveries,
    deadLetters: await deadLetters(instance),
    env: { ...serviceEnv(record.endpoints), GOOGLE_CLOUD_PROJECT: record.project },
  };
}
