/**
 * Throughput of the storage functions against the local servers (fake-gcs-server, bqemulator), in
 * alerts per second of wall time, for the real ZTF alerts of test/data that fit the tables
 * (3.3, 4.01, 4.02; ~57–91 KB):
 * - each handler called directly (decode, schema fix or rows + validation, the client calls);
 * - each function as its local process (the deployment bundle under the functions framework),
 *   sent push envelopes over HTTP, as the Pub/Sub emulator does;
 * - each handler with the client calls stubbed (its own CPU per alert);
 * - a baseline in the same run: the bare client calls the handler makes for the same alerts
 *   (`uploadIfAbsent` of the same fixed bytes and metadata; the read of the stored alert and
 *   `insertRows` of the same two rows), and the read alone.
 * bq-sink is pushed the bucket notification of an alert stored beforehand and reads it.
 * Each at concurrency 1 (one delivery at a time: a Cloud Run instance with concurrency 1) and 8
 * (several instances). The rounds are interleaved so that a change in machine load affects every
 * measurement alike; the median round is printed. The numbers measure the emulators as much as
 * the functions: on GCP the BigQuery and Cloud Storage calls have other costs.
 *
 * bqemulator takes ~50 ms per pair of streaming inserts (more on a busy machine), so bq-sink is
 * measured on fewer alerts.
 *
 * Run: npx tsx --conditions=source bench/storage/bench.ts [alerts per upload measurement, default
 *      48] [alerts per bq-sink measurement, default 12] [rounds, default 3]. Uses running local
 *      servers (`pgb services up`) or starts them, and stops only what it started.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Alert, bigQueryRow, bigQueryTableSchema, type AlertTable } from "@pgb/broker-utils/alerts";
import { fixZtfSchema } from "@pgb/broker-utils/avro";
import type { SchemaField } from "@pgb/broker-utils/bigquery";
import {
  bigqueryClient,
  downloadIfExists,
  insertRows,
  storageClient,
  TableMetadataCache,
  uploadIfAbsent,
} from "@pgb/broker-utils/gcp";
import { instanceModel, modelFunction } from "@pgb/broker-utils/instance";
import { createLogger } from "@pgb/broker-utils/log";
import { FUNCTION } from "@pgb/broker-utils/naming";
import { bucketAlertSource, type Handler, type PubSubMessage } from "@pgb/function-runtime";
import {
  ensureServices,
  notificationMessage,
  serviceEnv,
  servicesDown,
  startFunction,
  stopFunction,
  type FunctionProcess,
} from "@pgb/local";
import { createBqSinkHandler } from "@pgb/fn-bq-sink/handler";
import { createUploadHandler, objectMetadata } from "@pgb/fn-upload-bytes-to-bucket/handler";
import { dataPath } from "@pgb/test-data";

const UPLOAD_COUNT = Number(process.argv[2] ?? 48);
const BQ_COUNT = Number(process.argv[3] ?? 12);
const ROUNDS = Number(process.argv[4] ?? 3);
const CONCURRENCY = [1, 8];
const PROJECT = "pgb-bench";
const DATA = dataPath("ztf/alerts");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : name.endsWith(".avro") ? [path] : [];
  });
}

const kit = files(DATA)
  .filter((f) => /\/v(3\.3|4\.01|4\.02)\//.test(f))
  .map((f) => readFileSync(f));

/** Runs `task(i)` for i < n with at most `concurrency` at once; resolves with the seconds taken. */
async function timed(
  n: number,
  concurrency: number,
  task: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await task(next++);
    }),
  );
  return (performance.now() - t0) / 1000;
}

const progress = (m: string) => process.stderr.write(`[bench] ${m}\n`);
const { endpoints, started } = await ensureServices({
  services: ["pubsub", "storage", "bigquery"],
  progress,
});
Object.assign(process.env, serviceEnv(endpoints), { GOOGLE_CLOUD_PROJECT: PROJECT });

const model = instanceModel({
  survey: "ztf",
  testid: `bench${Date.now().toString(36)}`,
  project: PROJECT,
  region: "us-central1",
  tableSchemas: bigQueryTableSchema,
});
const uploadSpec = modelFunction(model, FUNCTION.upload);
const bqSpec = modelFunction(model, FUNCTION.bqSink);
const bucket = uploadSpec.env["ALERT_AVROS_BUCKET"]!;
const dataset = bqSpec.env["BQ_DATASET"]!;
const tables: Record<AlertTable, string> = {
  alerts: bqSpec.env["BQ_ALERTS_TABLE"]!,
  DIASource: bqSpec.env["BQ_DIASOURCE_TABLE"]!,
};
const storage = storageClient(PROJECT);
const bigquery = bigqueryClient(PROJECT);
await storage.createBucket(bucket);
await bigquery.createDataset(dataset);
for (const table of ["alerts", "DIASource"] as const) {
  await bigquery.dataset(dataset).createTable(tables[table], {
    schema: { fields: bigQueryTableSchema("ztf", table) },
  });
}

const processes: FunctionProcess[] = [];
try {
  const env = serviceEnv(endpoints);
  processes.push(
    await startFunction({
      spec: uploadSpec,
      serviceEnv: env,
      env: { LOG_LEVEL: "WARNING" },
      exitWithParent: true,
    }),
    await startFunction({
      spec: bqSpec,
      serviceEnv: env,
      env: { LOG_LEVEL: "WARNING" },
      exitWithParent: true,
    }),
  );
  const [uploadProc, bqProc] = processes as [FunctionProcess, FunctionProcess];
  /** The stored kit alerts by object name, for the handler whose reads are stubbed. */
  const kitObjects = new Map<string, Buffer>();
  const log = createLogger({}, { sink: () => {}, level: "WARNING" });
  const metadata = new TableMetadataCache(bigquery);
  const upload = createUploadHandler({
    survey: "ztf",
    upload: (name, bytes, options) => uploadIfAbsent(storage, bucket, name, bytes, options),
  });
  const bqSink = createBqSinkHandler({
    survey: "ztf",
    alerts: bucketAlertSource(storage, bucket),
    tables,
    schema: async (t) => (await metadata.get(dataset, tables[t])).schema.fields as SchemaField[],
    insert: (t, row) => insertRows(bigquery, dataset, tables[t], [row]),
  });
  // the same handlers with the client calls stubbed: the function's own CPU per alert
  const schemas = {
    alerts: bigQueryTableSchema("ztf", "alerts"),
    DIASource: bigQueryTableSchema("ztf", "DIASource"),
  };
  const uploadCpu = createUploadHandler({
    survey: "ztf",
    upload: async () => ({ status: "written", generation: "1" }),
  });
  const bqSinkCpu = createBqSinkHandler({
    survey: "ztf",
    alerts: { bucket, download: async (name) => kitObjects.get(name) },
    tables,
    schema: async (t) => schemas[t],
    insert: async () => {},
  });

  let serial = 0;
  /** A message for kit alert i whose object name has not been used (the topic is unique). */
  const message = (i: number): PubSubMessage => ({
    data: kit[i % kit.length]!,
    attributes: {
      "kafka.topic": `bench_${serial++}`,
      "kafka.partition": "0",
      "kafka.offset": String(i),
      "kafka.timestamp": "1697148000000",
    },
    messageId: String(serial),
    publishTime: new Date().toISOString(),
  });
  const direct =
    (h: Handler, input = message) =>
    (i: number) =>
      h(input(i), { log });
  const viaHttp =
    (proc: FunctionProcess, input = message) =>
    async (i: number) => {
      const m = input(i);
      const res = await fetch(`${proc.url}/projects/${PROJECT}/topics/bench`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          subscription: `projects/${PROJECT}/subscriptions/bench`,
          message: {
            data: m.data.toString("base64"),
            attributes: m.attributes,
            messageId: m.messageId,
            publishTime: m.publishTime,
          },
        }),
      });
      await res.arrayBuffer();
      if (res.status >= 300) throw new Error(`${proc.name} answered HTTP ${res.status}`);
    };
  // baselines: the same client calls with everything the handler computes done beforehand
  const fixed = kit.map((bytes) => {
    const alert = Alert.fromBytes(bytes, { survey: "ztf" });
    return {
      alert,
      bytes: fixZtfSchema(bytes).bytes,
      metadata: objectMetadata(alert),
      rows: (["alerts", "DIASource"] as const).map((t) => ({
        insertId: alert.sourceId,
        json: bigQueryRow(alert, t),
      })),
    };
  });
  // bq-sink's input: each kit alert stored once, as upload-bytes-to-bucket stores it, and the
  // notification the bucket sends for it
  const notifications = await Promise.all(
    fixed.map(async (f) => {
      const name = `bench_kit/${f.alert.objectId}/${f.alert.sourceId}.avro`;
      const written = await uploadIfAbsent(storage, bucket, name, f.bytes, {
        contentType: "application/avro",
        metadata: f.metadata,
      });
      kitObjects.set(name, f.bytes);
      return notificationMessage(bucket, name, {
        ...(written.generation === undefined ? {} : { generation: written.generation }),
        metadata: f.metadata,
      });
    }),
  );
  const notification = (i: number): PubSubMessage => ({
    ...notifications[i % notifications.length]!,
    messageId: String(serial++),
  });
  const bareRead = async (i: number) => {
    const m = notifications[i % notifications.length]!;
    await downloadIfExists(
      storage,
      bucket,
      m.attributes["objectId"]!,
      m.attributes["objectGeneration"],
    );
  };
  const bareUpload = async (i: number) => {
    const f = fixed[i % fixed.length]!;
    await uploadIfAbsent(
      storage,
      bucket,
      `bench_${serial++}/${f.alert.objectId}/${f.alert.sourceId}.avro`,
      f.bytes,
      {
        contentType: "application/avro",
        metadata: f.metadata,
      },
    );
  };
  const bareInsert = async (i: number) => {
    const f = fixed[i % fixed.length]!;
    await bareRead(i);
    await Promise.all(
      (["alerts", "DIASource"] as const).map((t, k) =>
        insertRows(bigquery, dataset, tables[t], [f.rows[k]!]),
      ),
    );
  };

  const upl = "upload-bytes-to-bucket";
  const measurements = [
    { fn: upl, how: "baseline: bare uploadIfAbsent", task: bareUpload, count: UPLOAD_COUNT },
    {
      fn: upl,
      how: "handler, called directly",
      task: direct(upload as Handler),
      count: UPLOAD_COUNT,
    },
    { fn: upl, how: "function process, HTTP push", task: viaHttp(uploadProc), count: UPLOAD_COUNT },
    {
      fn: upl,
      how: "handler, I/O stubbed (CPU)",
      task: direct(uploadCpu as Handler),
      count: UPLOAD_COUNT,
    },
    {
      fn: "bq-sink",
      how: "baseline: bare read + insertRows ×2",
      task: bareInsert,
      count: BQ_COUNT,
    },
    {
      fn: "bq-sink",
      how: "the read alone (downloadIfExists)",
      task: bareRead,
      count: UPLOAD_COUNT,
    },
    {
      fn: "bq-sink",
      how: "handler, called directly",
      task: direct(bqSink as Handler, notification),
      count: BQ_COUNT,
    },
    {
      fn: "bq-sink",
      how: "function process, HTTP push",
      task: viaHttp(bqProc, notification),
      count: BQ_COUNT,
    },
    {
      fn: "bq-sink",
      how: "handler, I/O stubbed (CPU)",
      task: direct(bqSinkCpu as Handler, notification),
      count: UPLOAD_COUNT,
    },
  ];
  // warm-up: clients, connections, the table-metadata cache, the processes' first event
  for (const m of measurements) await timed(4, 1, m.task);
  const rates = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const concurrency of CONCURRENCY) {
      for (const m of measurements) {
        const rate = m.count / (await timed(m.count, concurrency, m.task));
        const key = `${m.fn}|${m.how}|${concurrency}`;
        rates.set(key, [...(rates.get(key) ?? []), rate]);
        progress(`round ${round + 1}: ${m.fn} ${m.how} ×${concurrency}: ${rate.toFixed(1)}/s`);
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `storage functions on the local servers: ${UPLOAD_COUNT} (upload) and ${BQ_COUNT} (bq-sink) ` +
      `alerts per measurement, median of ${ROUNDS} rounds, Node ${process.version}`,
  );
  console.log("| function | measurement | concurrency | alerts/s | vs baseline |");
  console.log("|---|---|---|---|---|");
  for (const concurrency of CONCURRENCY) {
    for (const m of measurements) {
      const rate = median(rates.get(`${m.fn}|${m.how}|${concurrency}`)!);
      const base = median(
        rates.get(`${m.fn}|${measurements.find((x) => x.fn === m.fn)!.how}|${concurrency}`)!,
      );
      console.log(
        `| ${m.fn} | ${m.how} | ${concurrency} | ${rate.toFixed(1)} | ${(rate / base).toFixed(2)} |`,
      );
    }
  }
} finally {
  for (const p of processes) await stopFunction(p).catch(() => undefined);
  await storage
    .bucket(bucket)
    .deleteFiles({ force: true })
    .catch(() => undefined);
  await storage
    .bucket(bucket)
    .delete()
    .catch(() => undefined);
  await bigquery
    .dataset(dataset)
    .delete({ force: true })
    .catch(() => undefined);
  if (started.length > 0) await servicesDown({ services: started, progress });
}
