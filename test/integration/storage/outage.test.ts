/**
 * Faults while alerts arrive: an outage of Cloud Storage and BigQuery, and a bq-sink process killed
 * with -9 (bq-sink is fed the bucket notification of each stored alert). The functions fail the deliveries (transient, WARNING; or the connection is refused),
 * Pub/Sub redelivers them, and every alert ends stored once, with nothing dead-lettered.
 *
 * The outage is staged on a private copy of the storage and BigQuery emulators (another state
 * directory and ports, docs/local-servers.md), so engineers testing against the shared servers at
 * the same time are not disturbed; Pub/Sub is the shared emulator.
 *
 * Redelivery. With a retry policy (the model's 10–600 s, or 2–5 s) the emulator stranded some of
 * the failed pushes: after a burst of failures, 3 of 6 messages were not redelivered within 200 s
 * (docs/functions.md). The instance here therefore has no retry policy on its processing
 * subscriptions, which makes the emulator redeliver about every second, and 100 delivery
 * attempts; the faults last less than ~10 s (the servers' stop and start included). The BigQuery
 * client also retries a refused connection for ~15 s itself before the function gives up.
 */
import { mkdtemp, rm, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  alertAttributesOf,
  bigqueryClient,
  pubsubClient,
  storageClient,
} from "@pgb/broker-utils/gcp";
import {
  freePortPair,
  INTERNAL_PORT_OFFSET,
  serviceEnv,
  servicesDown,
  startService,
  stopService,
  type ServicesOptions,
} from "@pgb/local";
import {
  functionHealthy,
  killFunction,
  restartFunction,
} from "../../../local/src/functions/index.js";
import { provisionInstance } from "../../../local/src/instance/provision.js";
import { reannounceStoredAlerts } from "../../../local/src/instance/reannounce.js";
import { withEnv } from "@pgb/local";
import { servers, TEST_PROJECT } from "../../support/services.js";
import { validVariant } from "./corpus.js";
import {
  drain,
  kafkaAttributes,
  objectNames,
  publishAlerts,
  queryRows,
  startStorageInstance,
  waitFor,
  type Clients,
  type StorageInstance,
} from "./support.js";

let stateDir = "";
let privateServers: ServicesOptions;
let instance: StorageInstance;
let clients: Clients;

function alertsView(): string {
  return `\`${TEST_PROJECT}.${instance.names.dataset}.${instance.names.alertsView}\``;
}

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "pgb-storage-outage-"));
  const shared = servers();
  privateServers = {
    stateDir,
    services: ["storage", "bigquery"],
    ports: {
      storage: await freePortPair(INTERNAL_PORT_OFFSET.storage),
      bigquery: await freePortPair(INTERNAL_PORT_OFFSET.bigquery),
      pubsub: Number(shared.pubsubHost.split(":").pop()),
    },
    progress: () => {},
  };
  const endpoints = await startService("storage", privateServers);
  await startService("bigquery", privateServers);
  const env = {
    ...serviceEnv(shared),
    STORAGE_EMULATOR_HOST: endpoints.storageHost,
    BIGQUERY_EMULATOR_HOST: endpoints.bigqueryHost,
  };
  clients = withEnv(env, () => ({
    pubsub: pubsubClient(),
    storage: storageClient(),
    bigquery: bigqueryClient(),
  }));
  instance = await startStorageInstance({
    immediateRedelivery: true,
    survey: "ztf",
    testidPrefix: "out",
    clients,
    serviceEnv: env,
  });
});

afterAll(async () => {
  await instance?.close().catch(() => undefined);
  await servicesDown({ ...privateServers, purge: true });
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

describe("storage functions through faults", () => {
  it("retry every alert through a Cloud Storage and BigQuery outage: all stored once, none dead-lettered", async () => {
    const candids = Array.from({ length: 8 }, (_, i) => 9_210_000_000_000_000_000n + BigInt(i));
    const message = (i: number) => ({
      data: validVariant(candids[i]!),
      attributes: kafkaAttributes("ztf_20231012_programid1", i),
    });
    // before the outage: the functions have their clients and the table schemas cached
    await publishAlerts(instance, [0, 1].map(message));
    const fq = alertsView();
    const storedRows = async () =>
      (await queryRows(clients.bigquery, `SELECT candid FROM ${fq}`))
        .map((r) => r["candid"] as string)
        .sort();
    await waitFor("the first alerts", async () => (await storedRows()).length === 2);

    await Promise.all([
      stopService("storage", privateServers),
      stopService("bigquery", privateServers),
    ]);
    const down = Date.now();
    await publishAlerts(instance, [2, 3, 4, 5, 6, 7].map(message));
    await new Promise((r) => setTimeout(r, 4000));
    await Promise.all([
      startService("storage", privateServers),
      startService("bigquery", privateServers),
    ]);
    const outageSeconds = (Date.now() - down) / 1000;
    // fake-gcs-server keeps objects across a restart but forgets notification configs (the real
    // service keeps them): re-create it, and re-announce what was stored before it was back, as
    // for a lost notification (local/src/instance/reannounce.ts); bq-sink's rows are idempotent
    await provisionInstance(instance.model, clients, {
      upload_bytes_to_bucket: instance.upload.url,
      "bq-sink": instance.bqSink.url,
    });
    await reannounceStoredAlerts(
      clients,
      instance.names.bucket,
      instance.names.alertAvrosTopic,
      "ztf_20231012_programid1",
    );

    const wantedObjects = candids
      .map((c) => `ztf_20231012_programid1/ZTF18abudxnw/${c}.avro`)
      .sort();
    await waitFor(
      "every alert stored after the outage",
      async () => {
        const objects = await objectNames(clients.storage, instance.names.bucket);
        const rows = await storedRows();
        return (
          (JSON.stringify(objects) === JSON.stringify(wantedObjects) &&
            JSON.stringify(rows) === JSON.stringify(candids.map(String))) ||
          `${objects.length} objects, ${rows.length} rows (outage ${outageSeconds.toFixed(0)} s)`
        );
      },
      60_000,
      1000,
    );
    for (const stage of ["upload", "bqSink"] as const) {
      expect(await drain(clients.pubsub, instance.names.deadLetterReservoir[stage]), stage).toEqual(
        [],
      );
    }
    // upload failed its deliveries (the storage client does not retry a refused connection) and
    // Pub/Sub redelivered them; bq-sink's client retries for ~15 s itself, so its first attempt
    // may have outlasted the outage
    const log = await readFile(instance.upload.log, "utf8");
    expect(log).toMatch(
      /"severity":"WARNING","message":"transient failure, will be retried: .*ECONNREFUSED/,
    );
  });

  it("a bq-sink killed with -9 mid-stream loses nothing: the restarted process gets the redeliveries", async () => {
    const candids = Array.from({ length: 6 }, (_, i) => 9_220_000_000_000_000_000n + BigInt(i));
    await publishAlerts(
      instance,
      candids.map((c, i) => ({
        data: validVariant(c),
        attributes: kafkaAttributes("ztf_20231012_programid1", 900 + i),
      })),
    );
    await killFunction(instance.bqSink);
    expect(await functionHealthy(instance.bqSink)).toBe(false);
    // pushes to the dead process fail (connection refused) and are retried about every second
    await new Promise((r) => setTimeout(r, 1500));
    const killed = instance.bqSink.pid;
    instance.bqSink = await restartFunction(instance.bqSink);
    expect(instance.bqSink.pid).not.toBe(killed);
    const wanted = candids.map(String);
    await waitFor(
      "every alert published around the crash in the dedup view",
      async () => {
        const rows = await queryRows(
          clients.bigquery,
          `SELECT candid FROM ${alertsView()} WHERE candid >= ${candids[0]}`,
        );
        const ids = rows.map((r) => r["candid"] as string).sort();
        return JSON.stringify(ids) === JSON.stringify(wanted) || `${ids.length}/${wanted.length}`;
      },
      60_000,
      1000,
    );
    const dl = await drain(clients.pubsub, instance.names.deadLetterReservoir.bqSink);
    // its input is the notification: the alert's Kafka attributes are in the object's metadata
    const offset = (m: (typeof dl)[number]) =>
      Number(alertAttributesOf(m.attributes, m.data)["kafka.offset"]);
    expect(dl.filter((m) => offset(m) >= 900)).toEqual([]);
  });
});
