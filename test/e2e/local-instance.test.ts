/**
 * The whole broker on one machine, end to end (`pgb local start`, docs/local-instance.md): for ZTF
 * and LSST, a local instance comes up on the shared local servers (functions as processes behind
 * the push front, resources from the instance model), a START cue starts the night conductor and
 * the consumer, the shipped sample alerts are replayed into Kafka, every output is awaited, an END
 * cue drains and counts, and the summary is checked: counts per stream, bucket and table, exact ids
 * and object names, a SALT2 row against the fit computed here, a metadata row, latencies, no dead
 * letter; then `down` leaves no process behind.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Alert } from "@pgb/broker-utils/alerts";
import { lightCurve } from "@pgb/broker-utils/photometry";
import { fitSalt2, PRODUCT_FIT_CONFIG, salt2Row, type Salt2Row } from "@pgb/salt2";
import {
  instanceStatus,
  localStart,
  replay,
  requireRunningConsumer,
  SAMPLES_DIR,
  topicEnds,
  waitForOutputs,
  type LocalInstance,
  type RunSummary,
} from "../../local/src/instance/index.js";
import { servers } from "../support/services.js";
import { alive, queryRows, testInstanceOptions } from "./support.js";

/** objectId/candid of the 12 ZTF samples that are extragalactic and pass the SALT2 cuts. */
const ZTF_FITS = [
  "ZTF18aawmdot/1704269301615015026",
  "ZTF18abiyatb/1704255124815015005",
  "ZTF18ablpgeh/1704168636115015025",
  "ZTF18abmsrfx/1704189471615015091",
  "ZTF18aboetso/1704167675315015038",
  "ZTF19aatvxcs/1704167674515015003",
  "ZTF21aavuqzr/1704237176015015021",
  "ZTF21abngbrl/1704376211815015000",
  "ZTF21abpiosb/1704227924715015016",
  "ZTF21abprzfg/1704377621415015002",
  "ZTF21abvawaj/1704264473315015001",
  "ZTF21abvicne/1704287286115015016",
];

function sampleFiles(survey: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith(".avro")) out.push(join(dir, e.name));
    }
  };
  walk(join(SAMPLES_DIR, survey));
  return out.sort();
}

/** A salt2 row as the BigQuery emulator returns it: INTEGER columns as strings. */
const asQueried = (row: Salt2Row) =>
  Object.fromEntries(
    Object.entries(row).map(([k, v]) =>
      ["success", "ncall", "ndof"].includes(k) ? [k, String(v)] : [k, v],
    ),
  );

const objects = (s: RunSummary, stub: string) => s.buckets.find((b) => b.stub === stub)?.objects;
const rows = (s: RunSummary, table: string) => {
  const t = s.tables.find((r) => r.table === table);
  return t === undefined ? undefined : [t.rows, t.distinct];
};

describe("pgb local start: ZTF", () => {
  let instance: LocalInstance;
  let summary: RunSummary;
  let topic: string;
  const samples = sampleFiles("ztf").map((file) =>
    Alert.fromBytes(readFileSync(file), { survey: "ztf", input: file }),
  );

  beforeAll(async () => {
    const options = await testInstanceOptions("ztf", servers(), "e2eztf");
    topic = options.kafkaTopic;
    ({ instance, summary } = await localStart(options));
  });

  let down = false;
  afterAll(async () => {
    if (!down) await instance?.down({ purge: true });
  });

  it("replays the 32 samples into the night's topic and processes every one", () => {
    expect(samples).toHaveLength(32);
    expect(summary.kafkaTopic).toBe(topic);
    expect(summary.replay.published).toBe(32);
    expect(summary.settle).toMatchObject({ settled: true, expected: 32, lag: 0 });
    for (const stage of summary.settle.stages) {
      expect(stage).toMatchObject({ done: 32, exhausted: 0, retrying: 0 });
    }
  });

  it("counts every stream at END: one complete metadata row each", () => {
    expect(summary.streams.map((s) => [s.stream, Number(s.count), s.complete])).toEqual([
      ["alerts", 32, true],
      ["alert_avros", 32, true],
      ["alerts_pure", 20, true],
      ["exgalac_trans", 12, true],
      // the 5 good fits of the 12 (docs/value-added.md, Fit quality)
      ["salt2", 5, true],
    ]);
  });

  it("stores one object per alert, one plot per fit, the schema map and the night's summary", async () => {
    expect(objects(summary, "alert_avros")).toBe(32);
    expect(objects(summary, "sncosmo")).toBe(12);
    expect(objects(summary, "broker_files")).toBe(2);
    const bucket = instance.model.buckets.find((b) => b.stub === "alert_avros")!.name;
    const [files] = await instance.clients().storage.bucket(bucket).getFiles();
    expect(files.map((f) => f.name).sort()).toEqual(
      samples.map((a) => `${topic}/${a.objectId}/${a.sourceId}.avro`).sort(),
    );
    const [metadata] = await instance
      .clients()
      .storage.bucket(bucket)
      .file(`${topic}/ZTF21abprzfg/1704377621415015002.avro`)
      .getMetadata();
    expect(metadata.metadata).toMatchObject({
      objectId: "ZTF21abprzfg",
      sourceId: "1704377621415015002",
      schemaVersion: "3.3",
      "kafka.topic": topic,
    });
  });

  it("writes one row per alert in alerts and DIASource, one per fit in salt2, five metadata rows", async () => {
    expect(rows(summary, "alerts")).toEqual([32, 32]);
    expect(rows(summary, "DIASource")).toEqual([32, 32]);
    expect(rows(summary, "salt2")).toEqual([12, 12]);
    expect(rows(summary, "metadata")).toEqual([5, 5]);
    const alerts = await queryRows(
      instance,
      (t) => `SELECT objectId, candid FROM ${t("alerts_dedup")} ORDER BY candid`,
    );
    expect(alerts.map((r) => `${String(r["objectId"])}/${String(r["candid"])}`)).toEqual(
      [...samples]
        .sort((a, b) => (a.sourceIdBigInt! < b.sourceIdBigInt! ? -1 : 1))
        .map((a) => `${a.objectId}/${a.sourceId}`),
    );
  });

  it("fits SALT2 for the 12 extragalactic samples: rows equal to the fit computed here, plots downloaded", async () => {
    expect(summary.fits.map((f) => `${f.objectId}/${f.candid}`)).toEqual(ZTF_FITS);
    for (const fit of summary.fits) {
      expect(fit.plot).toBe(`salt2/plot_lc/${fit.objectId}.${fit.candid}.png`);
      expect(readFileSync(fit.png!).subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    }
    const alert = samples.find((a) => a.objectId === "ZTF21abprzfg")!;
    const expected = salt2Row(alert, fitSalt2(lightCurve(alert), PRODUCT_FIT_CONFIG));
    const [row] = await queryRows(
      instance,
      (t) => `SELECT * FROM ${t("salt2_dedup")} WHERE candid = 1704377621415015002`,
    );
    expect(row).toEqual(asQueried(expected));
  });

  it("records the night: the alerts row of metadata matches the replay", async () => {
    const [row] = await queryRows(
      instance,
      (t) =>
        `SELECT CAST(night AS STRING) AS night, kafka_topic, stream, count, complete, ` +
        `latency_p50_s, latency_max_s FROM ${t("metadata_dedup")} WHERE stream = 'alerts'`,
    );
    expect(row).toMatchObject({
      night: summary.night,
      kafka_topic: topic,
      stream: "alerts",
      count: "32",
      complete: true,
    });
    expect(Number(row!["latency_p50_s"])).toBeGreaterThan(0);
    expect(Number(row!["latency_max_s"])).toBeGreaterThanOrEqual(Number(row!["latency_p50_s"]));
  });

  it("measures the latency of every stage, and nothing is dead-lettered or retried", () => {
    const n = Object.fromEntries(summary.latency.map((l) => [l.stage, l.n]));
    expect(n).toEqual({
      "alerts topic": 32,
      "GCS object stored": 32,
      "alert_avros notification": 32,
      "BigQuery rows inserted": 32,
      "value-added done": 32,
      "alerts_pure topic": 20,
      "exgalac_trans topic": 12,
      "salt2 topic": 5,
    });
    for (const l of summary.latency) {
      expect(l.p50!).toBeGreaterThan(0);
      expect(l.p50!).toBeLessThanOrEqual(l.p99!);
      expect(l.p99!).toBeLessThanOrEqual(l.max!);
    }
    expect(summary.deadLetters.flatMap((d) => d.entries)).toEqual([]);
    expect(summary.settle.stages.map((s) => s.failedAnswers)).toEqual([0, 0, 0]);
    expect(summary.notes).toEqual([]);
  });

  it("after END, a replay is refused at once and a wait gives up, naming the command that starts the consumer", async () => {
    const consumer = instance.vmName("consumer");
    const command = `npx pgb local night start --testid ${instance.record.testid}`;
    await expect(requireRunningConsumer(instance, topic)).rejects.toThrow(
      `${consumer} is TERMINATED, so nothing reads Kafka topic ${topic} (the night ended, or has ` +
        `not started): start it with \`${command}\``,
    );
    const from = await topicEnds(instance, topic);
    await replay(instance, { alerts: [sampleFiles("ztf")[0]!], topic, rate: "max" });
    const to = await topicEnds(instance, topic);
    await expect(waitForOutputs(instance, { topic, from, to }, 600_000)).rejects.toThrow(
      `1 alert(s) wait in Kafka, but ${consumer} is TERMINATED`,
    );
  });

  it("status shows every process up and every resource present; down stops them all", async () => {
    const status = await instanceStatus(instance);
    expect(status.processes.map((p) => [p.kind, p.state])).toEqual([
      ...instance.model.functions.map(() => ["function", "healthy"]),
      ["front", "running"],
      ["vm", "TERMINATED"],
      ["vm", "TERMINATED"],
    ]);
    for (const r of status.resources) expect(r.present).toBe(r.expected);
    // the alert the test above replayed after END stays unread
    expect(status.kafka).toEqual([{ topic, messages: 33, committed: 32 }]);
    const pids = [...instance.record.functions.map((f) => f.pid), instance.record.front.pid];
    await instance.down({ purge: true });
    down = true;
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(instance.paths.root)).toBe(false);
  });
});

describe("pgb local start: LSST", () => {
  let instance: LocalInstance;
  let summary: RunSummary;
  const samples = sampleFiles("lsst").map((file) =>
    Alert.fromBytes(readFileSync(file), { survey: "lsst", input: file }),
  );
  const simulated = samples.filter((a) => BigInt(a.objectId) >= 7_000_000_000_000_000_000n);

  beforeAll(async () => {
    ({ instance, summary } = await localStart(
      await testInstanceOptions("lsst", servers(), "e2elsst"),
    ));
  });

  afterAll(async () => {
    await instance?.down({ purge: true });
  });

  it("replays the 7 real and 20 simulated samples; every stream and table gets its share", () => {
    expect([samples.length, simulated.length]).toEqual([27, 20]);
    expect(summary.settle).toMatchObject({ settled: true, expected: 27 });
    expect(summary.streams.map((s) => [s.stream, Number(s.count), s.complete])).toEqual([
      ["alerts", 27, true],
      ["alert_avros", 27, true],
      ["alerts_pure", 24, true],
      ["exgalac_trans", 20, true],
      ["salt2", 20, true],
    ]);
    expect(objects(summary, "alert_avros")).toBe(27);
    expect(objects(summary, "sncosmo")).toBe(20);
    expect(rows(summary, "alerts")).toEqual([27, 27]);
    expect(rows(summary, "DIASource")).toEqual([27, 27]);
    expect(rows(summary, "salt2")).toEqual([20, 20]);
    expect(rows(summary, "metadata")).toEqual([5, 5]);
    expect(summary.deadLetters.flatMap((d) => d.entries)).toEqual([]);
    expect(summary.notes).toEqual([]);
  });

  it("fits SALT2 for exactly the simulated SNe Ia: rows equal to the fit computed here, plots downloaded", async () => {
    expect(summary.fits.map((f) => `${f.objectId}/${f.candid}`).sort()).toEqual(
      simulated.map((a) => `${a.objectId}/${a.sourceId}`).sort(),
    );
    for (const fit of summary.fits) {
      expect(fit.plot).toBe(`salt2/plot_lc/${fit.objectId}.${fit.candid}.png`);
      expect(readFileSync(fit.png!).subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    }
    const alert = simulated[0]!;
    const expected = salt2Row(alert, fitSalt2(lightCurve(alert), PRODUCT_FIT_CONFIG));
    const [row] = await queryRows(
      instance,
      (t) => `SELECT * FROM ${t("salt2_dedup")} WHERE candid = ${alert.sourceId}`,
    );
    expect(row).toEqual(asQueried(expected));
  });

  it("keeps ids exact: the solar-system alerts, the wire-format one, the simulated ones", async () => {
    const ids = await queryRows(
      instance,
      (t) =>
        `SELECT CAST(diaSourceId AS STRING) AS id FROM ${t("DIASource_dedup")} ORDER BY diaSourceId`,
    );
    expect(ids.map((r) => r["id"])).toEqual(
      samples
        .map((a) => a.sourceIdBigInt!)
        .sort((a, b) => (a < b ? -1 : 1))
        .map(String),
    );
    expect(ids.map((r) => r["id"])).toContain("169298432645136561");
    expect(ids.map((r) => r["id"])).toContain("7912941781254298");
  });
});
