/**
 * The fault drill: a night of a local instance under faults, run by the CI-sized test
 * (test/e2e/faults.test.ts) and the longer bench (bench/e2e/faults.ts). During a replay of distinct alerts (the samples, then copies
 * with fresh ids) it kills -9 each alert function and the consumer several times, each restarted at
 * once as Cloud Run or systemd would, and restarts the Pub/Sub emulator once. Then it checks that
 * every alert is in Cloud Storage exactly once and in the de-duplicating views exactly once.
 *
 * The Pub/Sub emulator keeps nothing across a restart (topics, subscriptions and accepted but
 * undelivered messages are lost; real Pub/Sub loses nothing in an outage). So after the restart the
 * scenario does what an operator does after a Pub/Sub data loss: re-create the resources from the
 * model and re-drive the night from Kafka, the consumer group reset to the start of the replay
 * (`LocalInstance.redriveFromKafka`, `pgb local redrive`). The outputs are idempotent (objects
 * uploaded if absent, rows with insertIds read through the `*_dedup` views), so the re-drive adds
 * no duplicate where it counts.
 */
import { join } from "node:path";
import { FUNCTION, type FunctionStub } from "@pgb/broker-utils/naming";
import { SAMPLES_DIR } from "./config.js";
import type { LocalInstance } from "./instance.js";
import { nightStart } from "./night.js";
import {
  deadLetters,
  topicEnds,
  waitForOutputs,
  type KafkaRange,
  type SettleResult,
} from "./outputs.js";
import { ensureNightTopic, replay } from "./replay.js";

export interface FaultPlan {
  /** Distinct alerts to replay (≥ the 32 samples; the rest are copies). */
  count: number;
  /** Replay rate, e.g. `10/sec`: the faults are spread over the replay. */
  rate: string;
  /** kill -9 and restart of each alert function, this many times. */
  functionKills: number;
  /** kill -9 and restart of the consumer, this many times. */
  consumerKills: number;
  /** How long to wait for every alert to be processed after the replay. */
  settleTimeoutMs: number;
  /** Restarts the Pub/Sub emulator (private servers: the shared ones serve other runs). */
  restartPubsub: () => Promise<void>;
  log?: (line: string) => void;
}

export interface FaultEvent {
  /** Seconds after the replay started. */
  at: number;
  what: string;
}

export interface FaultReport {
  topic: string;
  replayed: number;
  events: FaultEvent[];
  settle: SettleResult;
  objects: { expected: number; found: number; missing: string[]; unexpected: string[] };
  views: Record<
    "alerts" | "DIASource" | "salt2",
    { expected: number; rows: number; distinct: number; duplicates: number; missing: number }
  >;
  /** Rows of the base tables: duplicates there come from redeliveries and the re-drive. */
  tableRows: Record<"alerts" | "DIASource" | "salt2", number>;
  deadLetters: number;
  failedAnswers: Record<string, number>;
  seconds: { replay: number; settle: number; total: number };
}

const ALERT_FUNCTIONS: FunctionStub[] = [FUNCTION.upload, FUNCTION.bqSink, FUNCTION.valueAdded];
/** objectIds of the ZTF samples that get a SALT2 fit (extragalactic, passing the cuts). */
const FITTED_SAMPLES = new Set([
  "ZTF18aawmdot",
  "ZTF18abiyatb",
  "ZTF18ablpgeh",
  "ZTF18abmsrfx",
  "ZTF18aboetso",
  "ZTF19aatvxcs",
  "ZTF21aavuqzr",
  "ZTF21abngbrl",
  "ZTF21abpiosb",
  "ZTF21abprzfg",
  "ZTF21abvawaj",
  "ZTF21abvicne",
]);

async function query(instance: LocalInstance, sql: string): Promise<Record<string, unknown>[]> {
  const [rows] = await instance.clients().bigquery.query({
    query: sql,
    useLegacySql: false,
    wrapIntegers: { integerTypeCastFunction: (v: string) => v },
  });
  return rows as Record<string, unknown>[];
}

/** The drill in order (replay, kills, emulator restart and re-drive, wait, checks): one sequence. */
export async function runFaultScenario(
  instance: LocalInstance,
  plan: FaultPlan,
): Promise<FaultReport> {
  const log = plan.log ?? (() => undefined);
  const started = Date.now();
  const topic = `ztf_faults_${instance.record.testid}`;
  await ensureNightTopic(instance, topic);
  await nightStart(instance, { kafkaTopic: topic });
  const from = await topicEnds(instance, topic);

  // the faults, in turn: each function, the consumer, and the emulator restart in the middle
  const actions: { what: string; run: () => Promise<void> }[] = [];
  for (let round = 0; round < Math.max(plan.functionKills, plan.consumerKills); round += 1) {
    if (round < plan.functionKills) {
      for (const stub of ALERT_FUNCTIONS) {
        actions.push({
          what: `kill -9 ${stub}, restarted`,
          run: async () => {
            await instance.killFunction(stub);
            await instance.restartFunction(stub);
          },
        });
      }
    }
    if (round < plan.consumerKills) {
      actions.push({
        what: "kill -9 consumer, restarted",
        run: async () => {
          if (await instance.killVm("consumer")) {
            await instance.compute.start(instance.vmName("consumer"));
          }
        },
      });
    }
  }
  actions.splice(Math.floor(actions.length / 2), 0, {
    what: "Pub/Sub emulator restarted (all its state lost); resources re-created, night re-driven from Kafka",
    run: async () => {
      await plan.restartPubsub();
      await instance.redriveFromKafka(topic, from);
    },
  });

  const replayStart = Date.now();
  const replaying = replay(instance, {
    alerts: [join(SAMPLES_DIR, "ztf")],
    count: plan.count,
    rate: plan.rate,
    topic,
  });
  const events: FaultEvent[] = [];
  const perSecond = Number(/^(\d+)\/sec$/.exec(plan.rate)?.[1] ?? 10);
  const replaySeconds = plan.count / perSecond;
  for (const [i, action] of actions.entries()) {
    const due = replayStart + ((i + 1) * replaySeconds * 1000) / (actions.length + 1);
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    const at = (Date.now() - replayStart) / 1000;
    await action.run();
    events.push({ at: Math.round(at * 10) / 10, what: action.what });
    log(`t=${at.toFixed(1)} s: ${action.what}`);
  }
  const replayed = await replaying;
  const replaySecondsReal = (Date.now() - replayStart) / 1000;
  const range: KafkaRange = { topic, from, to: await topicEnds(instance, topic) };
  const settleStart = Date.now();
  const settle = await waitForOutputs(instance, range, plan.settleTimeoutMs);

  // every alert once in Cloud Storage
  const expectedNames = replayed.alerts.map((a) => `${topic}/${a.objectId}/${a.sourceId}.avro`);
  const bucket = instance.model.buckets.find((b) => b.stub === "alert_avros")!.name;
  const [files] = await instance
    .clients()
    .storage.bucket(bucket)
    .getFiles({ prefix: `${topic}/`, autoPaginate: true });
  const found = new Set(files.map((f) => f.name));
  const wanted = new Set(expectedNames);

  // every alert once in the de-duplicating views (salt2: every copy of a fitted sample; a file's
  // first replay is the sample itself, with its own ids)
  const fittedFiles = new Set<string>();
  for (const a of replayed.alerts) {
    if (a.objectId !== null && FITTED_SAMPLES.has(a.objectId)) fittedFiles.add(a.file);
  }
  const { project } = instance.model.keywords;
  const fq = (name: string) => `\`${project}.${instance.model.dataset.name}.${name}\``;
  const expectedIds = {
    alerts: new Set(replayed.alerts.map((a) => a.sourceId!)),
    DIASource: new Set(replayed.alerts.map((a) => a.sourceId!)),
    salt2: new Set(replayed.alerts.filter((a) => fittedFiles.has(a.file)).map((a) => a.sourceId!)),
  };
  const views = {} as FaultReport["views"];
  const tableRows = {} as FaultReport["tableRows"];
  for (const table of ["alerts", "DIASource", "salt2"] as const) {
    const ids = await query(
      instance,
      `SELECT CAST(candid AS STRING) AS id FROM ${fq(`${table}_dedup`)}`,
    );
    const distinct = new Set(ids.map((r) => String(r["id"])));
    views[table] = {
      expected: expectedIds[table].size,
      rows: ids.length,
      distinct: distinct.size,
      duplicates: ids.length - distinct.size,
      missing: [...expectedIds[table]].filter((id) => !distinct.has(id)).length,
    };
    const [n] = await query(instance, `SELECT COUNT(*) AS n FROM ${fq(table)}`);
    tableRows[table] = Number(n?.["n"] ?? 0);
  }
  const letters = (await deadLetters(instance)).reduce((n, d) => n + d.entries.length, 0);
  return {
    topic,
    replayed: replayed.published,
    events,
    settle,
    objects: {
      expected: wanted.size,
      found: files.length,
      missing: [...wanted].filter((n) => !found.has(n)),
      unexpected: [...found].filter((n) => !wanted.has(n)),
    },
    views,
    tableRows,
    deadLetters: letters,
    failedAnswers: Object.fromEntries(settle.stages.map((s) => [s.stub, s.failedAnswers])),
    seconds: {
      replay: replaySecondsReal,
      settle: (Date.now() - settleStart) / 1000,
      total: (Date.now() - started) / 1000,
    },
  };
}
