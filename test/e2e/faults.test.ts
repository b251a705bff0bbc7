/**
 * The local instance under faults, CI-sized (the fault drill of @pgb/local; the longer run is
 * bench/e2e/faults.ts): during a replay of distinct alerts, each alert function and the consumer
 * are killed -9 twice (restarted at once, as Cloud Run and systemd would), and the Pub/Sub emulator
 * is restarted once, after which the resources are re-created and the night re-driven from Kafka
 * (the emulator loses everything; see the scenario). At the end every alert is in Cloud Storage
 * exactly once and in the de-duplicating views exactly once, with no dead letter.
 *
 * It runs on private copies of the Pub/Sub and Cloud Storage emulators (the storage emulator
 * publishes its notifications to the Pub/Sub emulator it was started with), so restarting Pub/Sub
 * does not disturb other test runs; Kafka and BigQuery are the shared servers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalInstance } from "../../local/src/instance/index.js";
import { privateServers, type PrivateServers } from "../support/private-servers.js";
import { runFaultScenario, type FaultReport } from "@pgb/local";
import { testInstanceOptions } from "./support.js";

/** Enough alerts for six kills, two consumer crashes and the emulator restart to land mid-stream. */
const COUNT = 96;
const RATE = "3/sec";

describe("a local night under faults", () => {
  let own: PrivateServers;
  let instance: LocalInstance;
  let report: FaultReport;

  beforeAll(async () => {
    own = await privateServers(["pubsub", "storage"]);
    const { kafkaTopic: _topic, ...options } = await testInstanceOptions(
      "ztf",
      own.endpoints,
      "e2efault",
    );
    instance = await LocalInstance.up({
      ...options,
      // a consumer killed without leaving its group holds its partition this long
      env: { CONSUMER_SESSION_TIMEOUT_SECONDS: "6" },
    });
    report = await runFaultScenario(instance, {
      count: COUNT,
      rate: RATE,
      functionKills: 2,
      consumerKills: 2,
      settleTimeoutMs: 240_000,
      restartPubsub: () => own.restart("pubsub"),
      log: (line) => process.stderr.write(`[faults] ${line}\n`),
    });
    process.stderr.write(`[faults] report ${JSON.stringify({ ...report, settle: undefined })}\n`);
  });

  afterAll(async () => {
    await instance?.down({ purge: true });
    await own?.close();
  });

  it("did every fault while the alerts streamed", () => {
    expect(report.replayed).toBe(COUNT);
    const what = report.events.map((e) => e.what.split(",")[0] ?? "");
    expect(what.filter((w) => w.startsWith("kill -9")).sort()).toEqual(
      [
        "kill -9 bq-sink",
        "kill -9 consumer",
        "kill -9 upload_bytes_to_bucket",
        "kill -9 value-added",
      ].flatMap((w) => [w, w]),
    );
    expect(what.filter((w) => w.startsWith("Pub/Sub emulator restarted"))).toHaveLength(1);
    expect(report.events.at(-1)!.at).toBeLessThan(report.seconds.replay);
  });

  it("processed every alert in the end, with nothing dead-lettered", () => {
    expect(report.settle).toMatchObject({ settled: true, expected: COUNT, lag: 0 });
    for (const stage of report.settle.stages) expect(stage.exhausted).toBe(0);
    expect(report.deadLetters).toBe(0);
  });

  it("stored every alert in Cloud Storage exactly once", () => {
    expect(report.objects).toEqual({
      expected: COUNT,
      found: COUNT,
      missing: [],
      unexpected: [],
    });
  });

  it("has every alert exactly once in the de-duplicating views", () => {
    for (const table of ["alerts", "DIASource", "salt2"] as const) {
      const v = report.views[table];
      expect(v, table).toMatchObject({
        rows: v.expected,
        distinct: v.expected,
        duplicates: 0,
        missing: 0,
      });
      // the base tables keep what redeliveries and the re-drive inserted again
      expect(report.tableRows[table]).toBeGreaterThanOrEqual(v.expected);
    }
    expect(report.views.alerts.expected).toBe(COUNT);
    expect(report.views.salt2.expected).toBe(36);
  });
});
