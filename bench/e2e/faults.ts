/**
 * The fault scenario of test/e2e/faults.test.ts at length (docs/performance.md): 5,000 distinct
 * alerts replayed at 20/s (about 4 minutes) while each alert function and the consumer are killed
 * -9 and restarted several times and the Pub/Sub emulator is restarted once (followed by the
 * re-drive from Kafka an operator does after a Pub/Sub data loss). Prints the faults done, whether
 * every alert is in Cloud Storage and in the de-duplicating views exactly once, what the base
 * tables hold, the failed deliveries and the dead letters.
 *
 *   npx tsx --conditions=source bench/e2e/faults.ts [--count 5000] [--rate 20/sec] [--kills 4]
 *
 * On a private set of the four servers (own state folder, free ports, stopped at the end).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import {
  consoleReporter,
  freeServerPorts,
  LocalInstance,
  restartService,
  SERVICE_NAMES,
} from "@pgb/local";
import { runFaultScenario } from "@pgb/local";

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const count = Number(flag("count", "5000"));
const rate = flag("rate", "20/sec");
const kills = Number(flag("kills", "4"));
console.log(
  JSON.stringify({
    bench: "local instance under faults",
    count,
    rate,
    kills,
    date: new Date().toISOString(),
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? "?"}`,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverageAtStart: loadavg()
      .map((l) => l.toFixed(1))
      .join(" "),
  }),
);

const stateDir = await mkdtemp(join(tmpdir(), "pgb-bench-faults-"));
const runDir = await mkdtemp(join(tmpdir(), "pgb-bench-faults-run-"));
const servers = { stateDir, ports: await freeServerPorts(SERVICE_NAMES) };
const instance = await LocalInstance.up({
  testid: `faults${Date.now().toString(36)}`,
  runDir,
  servers,
  reporter: await consoleReporter(),
  // a consumer killed without leaving its group holds its partition this long
  env: { CONSUMER_SESSION_TIMEOUT_SECONDS: "6" },
});
try {
  const report = await runFaultScenario(instance, {
    count,
    rate,
    functionKills: kills,
    consumerKills: kills,
    settleTimeoutMs: 4 * 3600_000,
    restartPubsub: () => restartService("pubsub", { ...servers, progress: () => undefined }),
    log: (line) => console.log(`[faults] ${line}`),
  });
  console.log(
    JSON.stringify(
      {
        ...report,
        objects: {
          ...report.objects,
          missing: report.objects.missing.length,
          unexpected: report.objects.unexpected.length,
        },
        loadAverageAtEnd: loadavg()
          .map((l) => l.toFixed(1))
          .join(" "),
      },
      null,
      2,
    ),
  );
  const once =
    report.objects.missing.length === 0 &&
    report.objects.unexpected.length === 0 &&
    Object.values(report.views).every((v) => v.missing === 0 && v.duplicates === 0);
  console.log(once ? "every alert exactly once in GCS and in the views" : "MISMATCH (above)");
  if (!once) process.exitCode = 1;
} finally {
  await instance.down({ purge: true });
  await rm(stateDir, { recursive: true, force: true });
  await rm(runDir, { recursive: true, force: true });
}
