/**
 * Load on a whole local instance (docs/performance.md, "The local instance under load"). Distinct
 * alerts (the ZTF samples, then copies with fresh ids) are produced into the night's Kafka topic
 * and every output is awaited; per stage, the latency from each alert's Kafka timestamp to that
 * output (p50, p99, max), how many were done, and when the last one came:
 *   alerts topic               Pub/Sub publish time − kafka.timestamp (night conductor, metadata row)
 *   GCS object                 upload-bytes-to-bucket answered 2xx (push front delivery log)
 *   alert_avros notification  publish time of the bucket notification (metadata row)
 *   BigQuery rows              bq-sink answered 2xx (both rows inserted)
 *   value-added                value-added answered 2xx (derived messages published, fit stored)
 *   alerts_pure, exgalac_trans, salt2 topics   publish time (metadata rows)
 *
 *   npx tsx --conditions=source bench/e2e/load.ts burst       # 10,000 alerts as fast as Kafka takes them
 *   npx tsx --conditions=source bench/e2e/load.ts sustained   # 200 alerts/s for 2 minutes
 *   … [--count N] [--rate R] [--observe-minutes M]
 *
 * A stage still busy `--observe-minutes` after the replay (default: burst 180, sustained 15) is
 * reported as far as it got, with its throughput; the night is then ended with a short drain
 * budget, so the counts of the unfinished streams are `complete=false`. It runs on a private set of
 * the four servers (own state folder and free ports, stopped at the end): the Pub/Sub emulator
 * keeps every message in memory, and BigQuery is the slowest stage, so a shared set would slow
 * other runs down.
 */
import { cpus, freemem, loadavg, tmpdir, totalmem } from "node:os";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { readFileSync } from "node:fs";
import {
  consoleReporter,
  ensureNightTopic,
  freeServerPorts,
  LocalInstance,
  nightEnd,
  nightStart,
  replay,
  SAMPLES_DIR,
  SERVICE_NAMES,
  stageLatencies,
  topicEnds,
  waitForOutputs,
  type KafkaRange,
} from "@pgb/local";

const MODES = {
  burst: { count: 10_000, rate: "max", observeMinutes: 180 },
  sustained: { count: 24_000, rate: "200/sec", observeMinutes: 15 },
} as const;

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const mode = (process.argv[2] ?? "burst") as keyof typeof MODES;
if (!(mode in MODES)) throw new Error(`mode ${mode}: use burst or sustained`);
const count = Number(flag("count") ?? MODES[mode].count);
const rate = flag("rate") ?? MODES[mode].rate;
const observeMs = Number(flag("observe-minutes") ?? MODES[mode].observeMinutes) * 60_000;

/** Resident memory of the Pub/Sub emulator (it keeps every message in memory). */
function pubsubRssMb(instance: LocalInstance): number | undefined {
  const stateDir = instance.record.servers.options.stateDir;
  if (stateDir === undefined) return undefined;
  try {
    const record = JSON.parse(readFileSync(join(stateDir, "pubsub.json"), "utf8")) as {
      processes: { pid: number }[];
    };
    const status = readFileSync(`/proc/${record.processes[0]!.pid}/status`, "utf8");
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return undefined;
  }
}

const machine = {
  date: new Date().toISOString(),
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? "?"}`,
  memoryGb: Math.round(totalmem() / 2 ** 30),
  freeMemoryGb: Math.round(freemem() / 2 ** 30),
  node: process.version,
  loadAverageAtStart: loadavg()
    .map((l) => l.toFixed(1))
    .join(" "),
};
console.log(JSON.stringify({ bench: "local instance under load", mode, count, rate, machine }));

const stateDir = await mkdtemp(join(tmpdir(), "pgb-bench-e2e-"));
const runDir = await mkdtemp(join(tmpdir(), "pgb-bench-e2e-run-"));
const reporter = await consoleReporter();
const instance = await LocalInstance.up({
  testid: `bench${Date.now().toString(36)}`,
  runDir,
  servers: { stateDir, ports: await freeServerPorts(SERVICE_NAMES) },
  reporter,
  // the END after a cut-off run counts what is there instead of waiting an hour for the drain, and
  // stops counting the derived streams, which the still-busy functions keep feeding, after 2 minutes
  env: { DRAIN_TIMEOUT_MINUTES: "1", PGB_COUNTER_BUDGET_SECONDS: "120" },
});
try {
  const topic = `ztf_bench_${instance.record.testid}`;
  await ensureNightTopic(instance, topic);
  await nightStart(instance, { kafkaTopic: topic });
  const from = await topicEnds(instance, topic);
  let peakRss = 0;
  const watch = setInterval(() => {
    peakRss = Math.max(peakRss, pubsubRssMb(instance) ?? 0);
  }, 2000);
  const replayed = await replay(instance, {
    alerts: [join(SAMPLES_DIR, "ztf")],
    count,
    rate,
    topic,
  });
  const range: KafkaRange = { topic, from, to: await topicEnds(instance, topic) };
  const settle = await waitForOutputs(instance, range, observeMs);
  clearInterval(watch);
  const night = await nightEnd(instance);
  const stages = await stageLatencies(instance, night.streams, range);
  const t0 = replayed.startedAt.getTime();
  const rows = stages.map((s) => ({
    stage: s.stage,
    measuredAs: s.measuredAs,
    done: s.n,
    p50: s.p50,
    p99: s.p99,
    max: s.max,
    lastOutputAfterReplayStartS: s.lastAt === null ? null : (s.lastAt - t0) / 1000,
    throughputPerS:
      s.lastAt === null || s.n === 0
        ? null
        : Math.round((s.n / ((s.lastAt - t0) / 1000)) * 10) / 10,
  }));
  console.log(
    JSON.stringify(
      {
        mode,
        replay: {
          published: replayed.published,
          seconds: replayed.elapsedSeconds,
          alertsPerSecond: Math.round((replayed.published / replayed.elapsedSeconds) * 10) / 10,
        },
        settled: settle.settled,
        waitedAfterReplayS: settle.waitedSeconds,
        functions: settle.stages,
        stages: rows,
        streams: night.streams.map((s) => ({
          stream: s.stream,
          count: s.count,
          complete: s.complete,
        })),
        pubsubEmulatorPeakRssMb: peakRss,
        loadAverageAtEnd: loadavg()
          .map((l) => l.toFixed(1))
          .join(" "),
      },
      null,
      2,
    ),
  );
  console.log(
    ["STAGE", "DONE", "P50 s", "P99 s", "MAX s", "LAST s", "PER s"].join("\t") +
      "\n" +
      rows
        .map((r) =>
          [
            r.stage,
            `${r.done}/${count}`,
            r.p50?.toFixed(2) ?? "-",
            r.p99?.toFixed(2) ?? "-",
            r.max?.toFixed(2) ?? "-",
            r.lastOutputAfterReplayStartS?.toFixed(1) ?? "-",
            r.throughputPerS ?? "-",
          ].join("\t"),
        )
        .join("\n"),
  );
} finally {
  await instance.down({ purge: true });
  await sleep(500);
  await rm(stateDir, { recursive: true, force: true });
  await rm(runDir, { recursive: true, force: true });
}
