/**
 * CPU per alert of the value-added handler with its I/O stubbed (publish, insert, upload resolve at
 * once, as bench/storage does for upload and bq-sink), by what the handler does with the alert:
 * - not extragalactic (pure or nothing: decode, filters, maybe a JSON message);
 * - extragalactic, not fitted (the light curve fails the quality cuts): a kit alert re-encoded
 *   with all but its earliest previous detection dropped, since no kit alert is one (LSST: the
 *   simulated packet with the fewest sources, likewise, and without its forced photometry);
 * - fitted (light curve, fit, plot, row, salt2 message);
 * then the rate on the ZTF kit mix (the 53 real alerts of test/data/ztf/alerts, each once per
 * round), on the LSST alerts (the real ones of test/data/lsst and the 20 simulated SN Ia packets
 * of local/samples/lsst/simulated, which get fitted) with their CPU per alert by kind next to
 * ZTF's, and the stubbed upload and bq-sink handlers on the same ZTF alerts, so the cost model has
 * every stage.
 *
 * CPU is process.cpuUsage (user + system) around each call, after a warm-up pass over every alert;
 * the median round of the mix is printed.
 *
 * Run: nice npx tsx --conditions=source bench/value-added/bench.ts [rounds, default 5]
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Alert, bigQueryTableSchema } from "@pgb/broker-utils/alerts";
import {
  bundledSchema,
  decodeSingleRecordContainer,
  decodeWireMessage,
  encodeContainer,
  encodeWireMessage,
} from "@pgb/broker-utils/avro";
import { createLogger } from "@pgb/broker-utils/log";
import type { Handler, PubSubMessage } from "@pgb/function-runtime";
import { fitSalt2, PRODUCT_FIT_CONFIG } from "@pgb/salt2";
import { renderSalt2Plot } from "@pgb/salt2/plot";
import { createBqSinkHandler } from "@pgb/fn-bq-sink/handler";
import { createUploadHandler } from "@pgb/fn-upload-bytes-to-bucket/handler";
import { createValueAddedHandler, type ValueAddedOutcome } from "@pgb/fn-value-added/handler";
import { memoryBucket } from "@pgb/local";
import { dataFiles, readData } from "@pgb/test-data";

const ROUNDS = Number(process.argv[2] ?? 5);

type Fields = Record<string, unknown>;

const earliest = (sources: Fields[], time: string): Fields =>
  sources.reduce((a, b) => ((a[time] as number) <= (b[time] as number) ? a : b));

/**
 * An extragalactic alert that fails the SALT2 cuts: `bytes` (a single-record container) without
 * its previous detections but the earliest, so it keeps two positive detections a span apart.
 */
function withOneEarlierDetection(bytes: Buffer, path: string): Buffer {
  const { header, schema, record } = decodeSingleRecordContainer(bytes, path);
  const rec = record as Fields;
  const prv = rec["prv_candidates"] as Fields[];
  const first = earliest(
    prv.filter((p) => p["candid"] !== null),
    "jd",
  );
  rec["prv_candidates"] = prv.filter((p) => p["candid"] === null || p === first);
  return encodeContainer(header.schemaText, schema, [rec]);
}

/** The same for an LSST wire packet: the earliest previous DIA source, no forced photometry. */
function lsstWithOneEarlierDetection(bytes: Buffer, path: string): Buffer {
  const { schemaId, schemaVersion, record } = decodeWireMessage(bytes, "lsst", path);
  const rec = record as Fields;
  rec["prvDiaSources"] = [earliest(rec["prvDiaSources"] as Fields[], "midpointMjdTai")];
  rec["prvDiaForcedSources"] = [];
  return encodeWireMessage(rec, bundledSchema("lsst", schemaVersion), schemaId);
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
/** CPU ms of each SALT2 fit and plot in the measured rounds, per survey: where fitted CPU goes. */
const steps: Record<"ztf" | "lsst", { fit: number[]; plot: number[] }> = {
  ztf: { fit: [], plot: [] },
  lsst: { fit: [], plot: [] },
};
let measuring = false;
const cpuSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

const valueAdded = (survey: "ztf" | "lsst") =>
  createValueAddedHandler({
    survey,
    alerts: alertsBucket,
    publish: async () => "1",
    insertSalt2Row: async () => {},
    uploadPlot: async () => ({ status: "written", generation: "1" }),
    fit: (epochs) => {
      const start = process.cpuUsage();
      const fit = fitSalt2(epochs, PRODUCT_FIT_CONFIG);
      if (measuring) steps[survey].fit.push(cpuSince(start));
      return fit;
    },
    render: async (input) => {
      const start = process.cpuUsage();
      const plot = await renderSalt2Plot(input);
      if (measuring) steps[survey].plot.push(cpuSince(start));
      return plot;
    },
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
  return { ms: cpuSince(start), outcome };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

const ztfFiles = dataFiles("ztf/alerts", ".avro");
const ztf = ztfFiles.map(readData);
// the real LSST alerts that are one alert each (container_v7.1 holds ten: not a message)
const lsstReal = dataFiles("lsst/alerts", ".avro")
  .map(readData)
  .filter((bytes) => {
    try {
      return Alert.fromBytes(bytes, { survey: "lsst" }) !== undefined;
    } catch {
      return false;
    }
  });
const SIMULATED = fileURLToPath(new URL("../../local/samples/lsst/simulated/", import.meta.url));
const lsstSimulated = readdirSync(SIMULATED)
  .filter((name) => name.endsWith(".avro"))
  .map((name) => readFileSync(`${SIMULATED}${name}`));
const lsst = [...lsstReal, ...lsstSimulated];
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

// warm-up (JIT, the SALT2 model, fonts), which also classifies every alert
const kinds = new Map<Buffer, string>();
for (const [survey, handler, alerts] of [
  ["ZTF", ztfHandler, ztf],
  ["LSST", lsstHandler, lsst],
] as const) {
  for (const data of alerts) {
    const { outcome } = await cpuMs(handler, data);
    kinds.set(data, `${survey} ${outcome.salt2 === "fit" ? "fitted" : outcome.salt2}`);
  }
}
const fewest = ztfFiles.find((f) => f.includes("ZTF21abngbrl"))!;
const exgalNotFitted = withOneEarlierDetection(readData(fewest), fewest);
// the simulated packet with the fewest previous sources
const lsstFewest = lsstSimulated.reduce((a, b) => (a.length <= b.length ? a : b));
const lsstExgalNotFitted = lsstWithOneEarlierDetection(lsstFewest, "simulated");
for (const [handler, data] of [
  [ztfHandler, exgalNotFitted],
  [lsstHandler, lsstExgalNotFitted],
] as const) {
  const check = await cpuMs(handler, data);
  if (
    check.outcome.salt2 !== "quality-cuts" ||
    !check.outcome.published.includes("exgalac_trans")
  ) {
    throw new Error(`a re-encoded alert is not extragalactic-not-fitted: ${JSON.stringify(check)}`);
  }
}
for (const data of stored) {
  await cpuMs(upload, data, pushed);
  await cpuMs(bqSink, data);
}

const perKind = new Map<string, number[]>();
const add = (kind: string, ms: number) => perKind.set(kind, [...(perKind.get(kind) ?? []), ms]);
const mixRates: number[] = [];
const lsstOutcomes = new Map<string, number>();
const stageRates = { upload: [] as number[], "bq-sink": [] as number[], lsst: [] as number[] };
measuring = true;
for (let round = 0; round < ROUNDS; round++) {
  const mix: number[] = [];
  for (const data of ztf) {
    const { ms } = await cpuMs(ztfHandler, data);
    mix.push(ms);
    add(kinds.get(data)!, ms);
  }
  mixRates.push((1000 * mix.length) / sum(mix));
  add("ZTF extragalactic, not fitted (re-encoded)", (await cpuMs(ztfHandler, exgalNotFitted)).ms);
  add(
    "LSST extragalactic, not fitted (re-encoded)",
    (await cpuMs(lsstHandler, lsstExgalNotFitted)).ms,
  );
  const lsstMs: number[] = [];
  for (const data of lsst) {
    const { ms, outcome } = await cpuMs(lsstHandler, data);
    lsstMs.push(ms);
    add(kinds.get(data)!, ms);
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
    `| ${kind} | ${ms.length / ROUNDS} | ${median(ms).toFixed(2)} | ${mean.toFixed(2)} | ${(1000 / mean).toFixed(0)} |`,
  );
}
const rateLine = (what: string, n: number, rates: number[]) =>
  console.log(
    `| ${what} | ${n} | ${(1000 / median(rates)).toFixed(2)} (median round) | | **${median(rates).toFixed(0)}** (range ${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)}) |`,
  );
rateLine("ZTF kit mix (value-added)", ztf.length, mixRates);
rateLine(
  `LSST, ${lsstReal.length} real + ${lsstSimulated.length} simulated (value-added: ${[...lsstOutcomes].map(([k, v]) => `${k} ×${v / ROUNDS}`).join(", ")})`,
  lsst.length,
  stageRates.lsst,
);
rateLine("ZTF upload-bytes-to-bucket", stored.length, stageRates.upload);
rateLine("ZTF bq-sink", stored.length, stageRates["bq-sink"]);

/** LSST's CPU per alert over ZTF's, kind by kind (medians), where both surveys have the kind. */
const ratios = [...perKind.keys()]
  .filter((kind) => kind.startsWith("LSST ") && perKind.has(`ZTF ${kind.slice(5)}`))
  .map((kind) => {
    const ratio = median(perKind.get(kind)!) / median(perKind.get(`ZTF ${kind.slice(5)}`)!);
    return `${kind.slice(5)} ${ratio.toFixed(2)}`;
  });
console.log(`\nLSST / ZTF CPU per alert (medians): ${ratios.join("; ") || "no kind in common"}`);
console.log(
  "fitted alerts, CPU ms of the SALT2 fit / the plot (medians): " +
    (["ztf", "lsst"] as const)
      .map(
        (survey) =>
          `${survey} ${median(steps[survey].fit).toFixed(1)} / ${median(steps[survey].plot).toFixed(1)}`,
      )
      .join("; "),
);
