/**
 * The night-conductor VM program: reads its environment (the instance model's variables and its
 * metadata NIGHT and KAFKA_TOPIC), runs the night, and exits; on Compute Engine the VM then powers
 * off (startup script), locally the process ends and the VM reads TERMINATED. Exit code 0 when the
 * night ran (budget overruns are ERROR logs, not failures), 1 after an unexpected failure, which
 * is logged CRITICAL for the stack's alert policy.
 */
import {
  bigqueryClient,
  insertRows,
  isLocalEnvironment,
  Puller,
  pubsubClient,
  storageClient,
} from "@pgb/broker-utils/gcp";
import { ENV, RUNTIME_METADATA, readEnv } from "@pgb/broker-utils/instance";
import { createLogger } from "@pgb/broker-utils/log";
import { VM } from "@pgb/broker-utils/naming";
import { readNightTimings } from "@pgb/night";
import { computeFromEnv, localHarness, systemClock, type BacklogPort } from "@pgb/compute";
import { MonitoringBacklog } from "./backlog.js";
import { runNightConductor } from "./conductor.js";

async function main(): Promise<number> {
  const log = createLogger({ program: VM.nightConductor });
  let env;
  try {
    env = readEnv(VM.nightConductor);
  } catch (err) {
    log.critical((err as Error).message);
    return 1;
  }
  const project = env[ENV.project];
  const timings = readNightTimings();
  const compute = computeFromEnv({ project, zone: env[ENV.zone] });
  const harness = localHarness();
  const backlog: BacklogPort = harness
    ? harness.backlog(process.env, timings.drainPollMs)
    : new MonitoringBacklog(project);
  const pubsub = pubsubClient(project);
  const bigquery = bigqueryClient(project);
  const storage = storageClient(project);
  const pullers: Puller[] = [];
  const nightLog = log.child({ night: env[RUNTIME_METADATA.night] ?? null });
  try {
    await runNightConductor({
      env,
      compute,
      backlog,
      counter: (subscription) => {
        const puller = new Puller(pubsub, subscription);
        pullers.push(puller);
        return puller;
      },
      insertRows: (dataset, table, rows) => insertRows(bigquery, dataset, table, rows),
      writeJson: async (bucket, object, value) => {
        await storage
          .bucket(bucket)
          .file(object)
          .save(JSON.stringify(value, null, 2) + "\n", {
            resumable: false,
            contentType: "application/json",
          });
      },
      resetCounter: async (subscription) => {
        // The Pub/Sub emulator answers Seek with success and changes nothing (emulator 0.8.20);
        // there the pull-and-ack of the count is what empties the counter.
        if (isLocalEnvironment()) return "emptied-by-pull";
        await pubsub.subscription(subscription).seek(new Date());
        return "seeked";
      },
      timings,
      clock: systemClock,
      log: nightLog,
    });
    nightLog.info("night conductor done");
    return 0;
  } catch (err) {
    nightLog.critical(`night conductor failed: ${(err as Error).message}`, { err });
    return 1;
  } finally {
    await Promise.allSettled([
      ...pullers.map((p) => p.close()),
      pubsub.close(),
      compute.close(),
      backlog.close(),
    ]);
  }
}

// Google clients keep handles open; the program is one run, so it ends explicitly.
process.exit(await main());
