/**
 * CPU per alert of the value-added handler with its I/O stubbed (publish, insert, upload resolve at
 * once, as bench/storage does for upload and bq-sink), by what the handler does with the alert:
 * - not extragalactic (pure or nothing: decode, filters, maybe a JSON message);
 * - extragalactic, not fitted (the light curve fails the quality cuts): a kit alert re-encoded
 *   with all but its earliest previous detection dropped, since no kit alert is one;
 * - fitted (light curve, fit, plot, row, salt2 message);
 * then the rate on the ZTF kit mix (the 53 real alerts of test/data/ztf/alerts, each once per
 * round), the LSST alerts of test/data/lsst (whatever the handler does with them today), and the
 * stubbed upload and bq-sink handlers on the same ZTF alerts, so the cost model has every stage.
 *
 * CPU is process.cpuUsage (user + system) around each call, after a warm-up pass over every alert;
 * the median round of the mix is printed.
 *
 * Run: nice npx tsx --conditions=source bench/value-added/bench.ts [rounds, default 5]
 */
import { readFileSync } from "node:fs";
import { Alert, bigQueryTableSchema } from "@pgb/broker-utils/alerts";
import { decodeSingleRecordContainer, encodeContainer } from "@pgb/broker-utils/avro";
import { createLogger } from "@pgb/broker-utils/log";
import type { Handler, PubSubMessage } from "@pgb/broker-utils/runtime";
import type { Survey } from "@pgb/broker-utils/schema-maps";
import { fitSalt2, PRODUCT_FIT_CONFIG } from "@pgb/salt2";
import { renderSalt2Plot } from "@pgb/salt2/plot";
import { createBqSinkHandler } from "../../functions/bq-sink/src/handler.js";
import { createUploadHandler } from "../../functions/upload-bytes-to-bucket/src/handler.js";
import {
  createValueAddedHandler,
  type ValueAddedOutcome,
} from "../../functions/value-added/src/handler.js";
import { memoryBucket } from "../../test/support/stored-alerts.js";
import { dataFiles, readData } from "../../test/support/test-data.js";

const ROUNDS = Number(process.argv[2] ?? 5);

/**
 * An extragalactic alert that fails the SALT2 cuts: `bytes` (a single-record container) without
 * its previous detections but the earliest, so it keeps two positive detections a span apart.
 */
function withOneEarlierDetection(bytes: Buffer, path: string): Buffer {
  const { header, schema, record } = decodeSingleRecordContainer(bytes, path);
  const rec = record as Record<string, unknown>;
  const prv = rec["prv_candidates"] as Record<string, unknown>[];
  const detections = prv.filter((p) => p["candid"] !== null);
  const earliest = detections.reduce((a, b) =>
    (a["jd"] as number) <= (b["jd"] as number) ? a : b,
  );
  rec["prv_candidates"] = prv.filter((p) => p["candid"] === null || p === earliest);
  return encodeContainer(header.schemaText, schema, [rec]);
}

let serial = 0;
const kafka = () => ({
  "kafka.topic": "bench",
  "kafka.partition": "0",
  "kafka.offset": String(serial++),
  "kafka.timestamp": "1697148000000",
});
/** What upload-bytes-to-bucket is pushed: the alert. */
const pushed = (data: Buffer): PubSubMessage => ({
  data,
  attributes: kafka(),
  messageId: String(serial),
  publishTime: new Date().toISOString(),
});
// bq-sink and value-added are pushed the notification of the stored alert and read it: here from
// memory, so the CPU measured is the handler's own
const alertsBucket = memoryBucket();
const notified = (data: Buffer): PubSubMessage =>
  alertsBucket.store(`bench/${serial}.avro`, data, kafka());

const log = createLogger({}, { sink: () => {}, level: "WARNING" });
const valueAdded = (survey: Survey) =>
  createValueAddedHandler({
    survey,
    alerts: alertsBucket,
    publish: async () => "1",
    insertSalt2Row: async () => {},
    uploadPlot: async () => ({ status: "written", generation: "1" }),
    fit: (epochs) => fitSalt2(epochs, PRODUCT_FIT_CONFIG),
    render: renderSalt2Plot,
  }) as Handler<ValueAddedOutcome>;

/** CPU milliseconds of one handler call, and its outcome. */
async function cpuMs<T>(
  handler: Handler<T>,
  data: Buffer,
  feed = notified,
): Promise<{ ms: number; outcome: T }> {
  const m = feed(data);
  const start = process.cpuUsage();
  const outcome = await handler(m, { log });
  const used = process.cpuUsage(start);
  return { ms: (used.user + used.system) / 1000, outcome };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

const ztfFiles = dataFiles("ztf/alerts", ".avro");
const ztf = ztfFiles.map(readData);
// the LSST alerts that are one alert each (container_v7.1 holds ten: not a message)
const lsst = dataFiles("lsst/alerts", ".avro")
  .map(readData)
  .filter((bytes) => {
    try {
      return Alert.fromBytes(bytes, { survey: "lsst" }) !== undefined;
    } catch {
      return false;
    }
  });
const ztfHandler = valueAdded("ztf");
const lsstHandler = valueAdded("lsst");

// the kit alerts that fit the storage tables (bench/storage's set), for upload and bq-sink
const stored = ztfFiles.flatMap((f, i) =>
  /^ztf\/alerts\/v(3\.3|4\.01|4\.02)\//.test(f) ? [ztf[i]!] : [],
);
const upload = createUploadHandler({
  survey: "ztf",
  upload: async () => ({ status: "written", generation: "1" }),
});
const schemas = {
  alerts: bigQueryTableSchema("ztf", "alerts"),
  DIASource: bigQueryTableSchema("ztf", "DIASource"),
};
const bqSink = createBqSinkHandler({
  survey: "ztf",
  alerts: alertsBucket,
  tables: { alerts: "alerts", DIASource: "DIASource" },
  schema: async (t) => schemas[t],
  insert: async () => {},
});

// warm-up (JIT, the SALT2 model, fonts), which also classifies every kit alert
const kinds = new Map<Buffer, string>();
for (const data of ztf) {
  const { outcome } = await cpuMs(ztfHandler, data);
  kinds.set(data, outcome.salt2 === "fit" ? "fitted" : outcome.salt2);
}
const fewest = ztfFiles.find((f) => f.includes("ZTF21abngbrl"))!;
const exgalNotFitted = withOneEarlierDetection(readData(fewest), fewest);
const check = await cpuMs(ztfHandler, exgalNotFitted);
if (check.outcome.salt2 !== "quality-cuts" || !check.outcome.published.includes("exgalac_trans")) {
  throw new Error(`the re-encoded alert is not extragalactic-not-fitted: ${JSON.stringify(check)}`);
}
for (const data of lsst) await cpuMs(lsstHandler, data);
for (const data of stored) {
  await cpuMs(upload, data, pushed);
  await cpuMs(bqSink, data);
}

const perKind = new Map<string, number[]>();
const add = (kind: string, ms: number) => perKind.set(kind, [...(perKind.get(kind) ?? []), ms]);
const mixRates: number[] = [];
const lsstOutcomes = new Map<string, number>();
const stageRates = { upload: [] as number[], "bq-sink": [] as number[], lsst: [] as number[] };
for (let round = 0; round < ROUNDS; round++) {
  const mix: number[] = [];
  for (const data of ztf) {
    const { ms } = await cpuMs(ztfHandler, data);
    mix.push(ms);
    add(kinds.get(data)!, ms);
  }
  mixRates.push((1000 * mix.length) / sum(mix));
  add("extragalactic, not fitted (re-encoded)", (await cpuMs(ztfHandler, exgalNotFitted)).ms);
  const lsstMs: number[] = [];
  for (const data of lsst) {
    const { ms, outcome } = await cpuMs(lsstHandler, data);
    lsstMs.push(ms);
    lsstOutcomes.set(outcome.salt2, (lsstOutcomes.get(outcome.salt2) ?? 0) + 1);
  }
  stageRates.lsst.push((1000 * lsstMs.length) / sum(lsstMs));
  for (const [name, handler, feed] of [
    ["upload", upload, pushed],
    ["bq-sink", bqSink, notified],
  ] as const) {
    const ms: number[] = [];
    for (const data of stored) ms.push((await cpuMs(handler as Handler, data, feed)).ms);
    stageRates[name].push((1000 * ms.length) / sum(ms));
  }
  process.stderr.write(`[bench] round ${round + 1}: mix ${mixRates.at(-1)!.toFixed(1)}/CPU-s\n`);
}

const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
console.log(
  `value-added, I/O stubbed: ${ROUNDS} rounds, Node ${process.version}, ` +
    `${new Date().toISOString()}, load ${load}`,
);
console.log("| alerts | n per round | CPU ms/alert: median | mean | alerts/CPU-s (mean) |");
console.log("|---|---:|---:|---:|---:|");
for (const [kind, ms] of [...perKind].sort()) {
  const mean = sum(ms) / ms.length;
  console.log(
    `| ZTF ${kind} | ${ms.length / ROUNDS} | ${median(ms).toFixed(2)} | ${mean.toFixed(2)} | ${(1000 / mean).toFixed(0)} |`,
  );
}
const rateLine = (what: string, n: number, rates: number[]) =>
  console.log(
    `| ${what} | ${n} | ${(1000 / median(rates)).toFixed(2)} (median round) | | **${median(rates).toFixed(0)}** (range ${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)}) |`,
  );
rateLine("ZTF kit mix (value-added)", ztf.length, mixRates);
rateLine(
  `LSST (value-added: ${[...lsstOutcomes].map(([k, v]) => `${k} ×${v / ROUNDS}`).join(", ")})`,
  lsst.length,
  stageRates.lsst,
);
rateLine("ZTF upload-bytes-to-bucket", stored.length, stageRates.upload);
rateLine("ZTF bq-sink", stored.length, stageRates["bq-sink"]);
