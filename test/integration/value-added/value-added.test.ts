/**
 * value-added on the local servers: a provisioned ZTF test instance whose value-added function runs
 * as a local process (its deployment bundle) behind the emulator's push subscription on the alerts
 * bucket's notification topic. The 53 real ZTF alerts of the data kit, a synthetic extragalactic
 * alert that fails the SALT2 cuts and one undecodable file are stored in the alerts bucket, as
 * upload-bytes-to-bucket stores them; the derived streams (read from their
 * counter subscriptions), the `salt2` table, the plots in the sncosmo bucket, the dead-letter
 * reservoir and the function's log must hold exactly what ztf-kit.ts says.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Alert, parseJsonExact } from "@pgb/broker-utils/alerts";
import {
  bigqueryClient,
  pubsubClient,
  storageClient,
  type ReceivedMessage,
} from "@pgb/broker-utils/gcp";
import { lightCurve } from "@pgb/broker-utils/photometry";
import { renderSalt2Plot } from "@pgb/salt2/plot";
import { fitSalt2, PRODUCT_FIT_CONFIG } from "@pgb/salt2";
import { serviceEnv } from "@pgb/local";
import { readData } from "@pgb/test-data";
import { servers } from "../../support/services.js";
import { ZTF_KIT } from "@pgb/test-data/ztf-kit";
import { exgalFailingCuts, FAILING_CUTS_CANDID } from "../../unit/value-added/failing-cuts.js";
import {
  collect,
  kafkaAttributes,
  storeAlerts,
  queryRows,
  startValueAddedInstance,
  STREAMS,
  waitFor,
  type Stream,
  type ValueAddedInstance,
} from "./support.js";

const clients = { pubsub: pubsubClient(), storage: storageClient(), bigquery: bigqueryClient() };
let instance: ValueAddedInstance;
const received: Record<Stream, ReceivedMessage[]> = {
  alerts_pure: [],
  exgalac_trans: [],
  salt2: [],
};
const deadLetters: ReceivedMessage[] = [];

const SYNTHETIC = { objectId: "ZTF21abngbrl", sourceId: FAILING_CUTS_CANDID };
const GARBAGE_OFFSET = 101;
const ids = (pick: (k: (typeof ZTF_KIT)[number]) => boolean) =>
  ZTF_KIT.filter(pick).map((k) => `${k.objectId}/${k.sourceId}`);
/** objectId/sourceId of every alert each stream must carry. */
const EXPECTED: Record<Stream, string[]> = {
  alerts_pure: [...ids((k) => k.pure), `${SYNTHETIC.objectId}/${SYNTHETIC.sourceId}`].sort(),
  exgalac_trans: [...ids((k) => k.exgal), `${SYNTHETIC.objectId}/${SYNTHETIC.sourceId}`].sort(),
  // only good fits are published; every fit has a row (below)
  salt2: ids((k) => k.qualityReasons?.length === 0).sort(),
};
const FITTED = ZTF_KIT.filter((k) => k.fit);

const distinct = (messages: readonly ReceivedMessage[]) =>
  [...new Set(messages.map((m) => `${m.attributes["objectId"]}/${m.attributes["candid"]}`))].sort();
const fq = (table: string) =>
  `\`${instance.model.keywords.project}.${instance.names.dataset}.${table}\``;

async function collectAll(): Promise<void> {
  for (const stream of STREAMS) {
    await collect(clients.pubsub, instance.names.counters[stream], received[stream]);
  }
  await collect(clients.pubsub, instance.names.deadLetterReservoir, deadLetters);
}

beforeAll(async () => {
  instance = await startValueAddedInstance(clients, serviceEnv(servers()));
  await storeAlerts(instance, [
    ...ZTF_KIT.map((k, i) => ({ data: readData(k.file), attributes: kafkaAttributes(i) })),
    { data: exgalFailingCuts(), attributes: kafkaAttributes(100) },
    { data: Buffer.from("not an alert"), attributes: kafkaAttributes(GARBAGE_OFFSET) },
  ]);
  await waitFor(
    "every derived message and the dead letter",
    async () => {
      await collectAll();
      const states = STREAMS.filter((s) => distinct(received[s]).length < EXPECTED[s].length).map(
        (s) => `${s} ${distinct(received[s]).length}/${EXPECTED[s].length}`,
      );
      if (deadLetters.length === 0) states.push("no dead letter yet");
      return states.length === 0 || states.join(", ");
    },
    150_000,
  );
});

afterAll(async () => {
  await instance?.close();
});

describe("value-added on the local servers", () => {
  it.each(STREAMS)("%s carries exactly the expected alerts", (stream) => {
    expect(distinct(received[stream])).toEqual(EXPECTED[stream]);
  });

  it("derived messages: UTF-8 JSON with ids as exact integers, pittgoogle-client's attributes", () => {
    for (const stream of STREAMS) {
      for (const m of received[stream]) {
        const offset = ZTF_KIT.findIndex((k) => k.sourceId === m.attributes["candid"]);
        expect(Object.keys(m.attributes).sort()).toEqual([
          "candid",
          "healpix19",
          "healpix29",
          "healpix9",
          "kafka.timestamp",
          "kafka.topic",
          "n_previous_detections",
          "objectId",
          // the fit's verdict, on the salt2 stream only
          ...(stream === "salt2" ? ["salt2Quality"] : []),
          "schema_version",
          "survey",
        ]);
        expect(m.attributes).toMatchObject({
          survey: "ztf",
          "kafka.topic": "ztf_20210901_programid1",
          "kafka.timestamp": kafkaAttributes(offset < 0 ? 100 : offset)["kafka.timestamp"],
        });
        const body = parseJsonExact(m.data.toString("utf8")) as Record<string, unknown>;
        const alert = (stream === "salt2" ? body["alert"] : body) as Record<string, unknown>;
        expect(alert["objectId"]).toBe(m.attributes["objectId"]);
        expect(alert["candid"]).toBe(BigInt(m.attributes["candid"]!));
        expect(alert).not.toHaveProperty("cutoutScience");
        if (stream === "salt2") {
          expect(Object.keys(body)).toEqual(["alert", "salt2Fit"]);
          expect((body["salt2Fit"] as Record<string, unknown>)["candid"]).toBe(
            BigInt(m.attributes["candid"]!),
          );
        }
      }
    }
  });

  it("the undecodable stored file is dead-lettered at once with its reason, its notification kept", () => {
    expect(deadLetters).toHaveLength(1);
    const object = `ztf_20210901_programid1/${GARBAGE_OFFSET}.avro`;
    expect(deadLetters[0]!.attributes).toMatchObject({
      "pgb.stage": "value-added",
      "pgb.reason": "unknown-format",
      eventType: "OBJECT_FINALIZE",
      objectId: object,
    });
    expect(deadLetters[0]!.attributes["pgb.error"]).toContain(
      `gs://${instance.names.alertsBucket}/${object}#`,
    );
    const notification = JSON.parse(deadLetters[0]!.data.toString()) as Record<string, unknown>;
    expect(notification).toMatchObject({
      name: object,
      metadata: { "kafka.offset": String(GARBAGE_OFFSET) },
    });
  });

  it("salt2 rows: one per fit with the exact candid and its verdict; a good one equals the published salt2Fit", async () => {
    const rows = await queryRows(
      clients.bigquery,
      `SELECT * FROM ${fq(instance.names.salt2Table)} ORDER BY candid`,
    );
    expect(rows.map((r) => r["candid"])).toEqual(FITTED.map((k) => k.sourceId).sort());
    expect(rows.map((r) => r["objectId"])).toEqual(
      [...FITTED].sort((a, b) => a.sourceId.localeCompare(b.sourceId)).map((k) => k.objectId),
    );
    const verdicts = rows.map((r) => [r["objectId"], r["quality"], r["quality_reasons"]]);
    expect(verdicts).toEqual(
      [...FITTED]
        .sort((a, b) => a.sourceId.localeCompare(b.sourceId))
        .map((k) => [
          k.objectId,
          k.qualityReasons!.length === 0 ? "good" : "poor",
          k.qualityReasons,
        ]),
    );
    for (const row of rows.filter((r) => r["quality"] === "good")) {
      const message = received.salt2.find((m) => m.attributes["candid"] === row["candid"])!;
      expect(message.attributes["salt2Quality"]).toBe("good");
      const fit = (
        parseJsonExact(message.data.toString("utf8")) as { salt2Fit: Record<string, unknown> }
      ).salt2Fit;
      // INTEGER columns come back as exact decimal strings (wrapIntegers)
      const sent = Object.fromEntries(
        Object.entries(fit).map(([k, v]) =>
          ["candid", "success", "ncall", "ndof"].includes(k) ? [k, String(v)] : [k, v],
        ),
      );
      expect(row).toEqual(sent);
      expect(Object.keys(row).filter((k) => k.endsWith("_cov"))).toHaveLength(25);
    }
  });

  it("plots: one PNG per fit at salt2/plot_lc/{objectId}.{sourceId}.png", async () => {
    const [files] = await clients.storage.bucket(instance.names.bucket).getFiles();
    expect(files.map((f) => f.name).sort()).toEqual(
      FITTED.map((k) => `salt2/plot_lc/${k.objectId}.${k.sourceId}.png`).sort(),
    );
    for (const file of files) {
      const [bytes] = await file.download();
      expect(bytes.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
      expect(bytes.length).toBeGreaterThan(30_000);
      expect(file.metadata.contentType).toBe("image/png");
    }
  });

  it("a plot has the dimensions of the same fit rendered here", async () => {
    const kit = FITTED.find((k) => k.objectId === "ZTF21aavuqzr")!;
    const name = `salt2/plot_lc/${kit.objectId}.${kit.sourceId}.png`;
    const [bytes] = await clients.storage.bucket(instance.names.bucket).file(name).download();
    // kept for a look: the function's own output
    const dir = join(tmpdir(), "pgb-value-added-tests");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${kit.objectId}.${kit.sourceId}.png`), bytes);
    const alert = Alert.fromBytes(readData(kit.file), { survey: "ztf" });
    const epochs = lightCurve(alert);
    const local = await renderSalt2Plot({
      epochs,
      fit: fitSalt2(epochs, PRODUCT_FIT_CONFIG),
      title: `${alert.objectId} ${alert.sourceId}`,
    });
    expect(bytes.subarray(12, 16).toString("latin1")).toBe("IHDR");
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([local.width, local.height]);
    expect(local.width).toBeGreaterThan(local.height);
  });

  it("logs one salt2 skip (the synthetic alert) and no ERROR besides the bad input", async () => {
    const lines = await instance.logLines();
    expect(lines.filter((l) => l["event"] === "salt2-skipped")).toEqual([
      expect.objectContaining({
        severity: "INFO",
        message: `salt2 skipped objectId=ZTF21abngbrl sourceId=${FAILING_CUTS_CANDID} reason=quality-cuts`,
        reason: "quality-cuts",
        stage: "value-added",
      }),
    ]);
    // a WARNING (a transient failure of a shared, busy emulator, then retried) is not a bug
    const errors = lines.filter((l) => l["severity"] === "ERROR");
    expect(errors).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/^bad input dead-lettered/) }),
    ]);
    // one DEBUG outcome line per processed alert
    expect(lines.filter((l) => /^value-added objectId=/.test(String(l["message"])))).toHaveLength(
      ZTF_KIT.length + 1,
    );
  });

  it("a redelivered alert is published again; its plot is kept", async () => {
    const kit = FITTED.find((k) => k.objectId === "ZTF21abprzfg")!;
    const file = clients.storage
      .bucket(instance.names.bucket)
      .file(`salt2/plot_lc/${kit.objectId}.${kit.sourceId}.png`);
    const [before] = await file.getMetadata();
    const count = received.salt2.length;
    await storeAlerts(instance, [
      { data: readData(kit.file), attributes: kafkaAttributes(ZTF_KIT.indexOf(kit)) },
    ]);
    await waitFor("the redelivered alert's salt2 message", async () => {
      await collectAll();
      return received.salt2.length > count || `${received.salt2.length - count} new`;
    });
    const again = received.salt2.slice(count);
    expect(again.map((m) => m.attributes["candid"])).toEqual([kit.sourceId]);
    const first = received.salt2.find((m) => m.attributes["candid"] === kit.sourceId)!;
    expect(again[0]!.data.equals(first.data)).toBe(true);
    const [after] = await file.getMetadata();
    expect(after.generation).toBe(before.generation);
    const lines = await instance.logLines();
    expect(lines.some((l) => l["outcome"] === "duplicate" && l["object"] === file.name)).toBe(true);
    // BigQuery drops the second row by insertId; the emulator keeps both (docs/local-servers.md),
    // identical, so readers de-duplicating on candid see one
    const rows = await queryRows(
      clients.bigquery,
      `SELECT * FROM ${fq(instance.names.salt2Table)} WHERE candid = ${kit.sourceId}`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(1);
    for (const row of rows) expect(row).toEqual(rows[0]);
  });
});
