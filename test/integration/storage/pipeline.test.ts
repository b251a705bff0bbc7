/**
 * The storage components end to end on the local servers: every alert of the data kit, published
 * to `alerts` with the consumer's attributes, ends as one Avro object, whose bucket notification on
 * `alert_avros` feeds bq-sink, and one row in each table, or in a dead-letter reservoir with the
 * reason the spec gives; publishing everything again adds no object and announces none, and
 * redelivering every notification adds no row to the dedup views.
 *
 * Kit files and where the spec puts them (instances: ZTF with the default 4.02 tables, LSST with
 * its default tables, the union of every bundled version):
 * - ZTF 3.3, 4.01, 4.02 (48): object (3.3 as ZTF wrote it re-encoded by the schema fix) and rows.
 * - ZTF 3.1, 3.2 (2): object (re-encoded); their candidate has no `drbversion`, REQUIRED in the
 *   tables, so bq-sink dead-letters them (`row-invalid`).
 * - ZTF fink_spark_v4.02 (3), Fink's Spark re-serialisation: no header version, so the object keeps
 *   the original bytes (WARNING); Fink's extra `timestamp` field is not a column: `row-invalid`.
 * - LSST confluent_wire_v9.0 (1): object and rows.
 * - LSST fink_spark_v9.0 (6) and fink_spark_v7.4 (8), Fink re-serialisations with broker fields
 *   (brokerIngestMjd, lsst_schema_version; 7.4 content): objects; `row-invalid`.
 * - LSST container_v7.1: ten alerts in one container, not one alert: upload dead-letters it
 *   (`record-count`), so it is never stored or announced and bq-sink never sees it.
 * - LSST v7.0–v7.4 wire packets (5, not files: Rubin's fake alert of each version with its own
 *   64-bit source id, test/fixtures/alerts/lsst-wire.ts): object and rows. v7 has no top-level
 *   diaSourceId; the alerts row gets a copy, so the dedup view keeps each of them once.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Alert, bigQueryRow } from "@pgb/broker-utils/alerts";
import { fixZtfSchema } from "@pgb/broker-utils/avro";
import {
  bigqueryClient,
  pubsubClient,
  storageClient,
  type ReceivedMessage,
} from "@pgb/broker-utils/gcp";
import type { Survey } from "@pgb/broker-utils/schema-maps";
import { serviceEnv } from "@pgb/local";
import { functionHealthy } from "../../../local/src/functions/index.js";
import { readData, dataFiles } from "@pgb/test-data";
import { LSST_VERSIONS, lsstWirePacket } from "../../fixtures/alerts/lsst-wire.js";
import { servers } from "../../support/services.js";
import {
  drain,
  kafkaAttributes,
  objectNames,
  publishAlerts,
  publishMessages,
  queryRows,
  startZtfAndLsst,
  waitFor,
  type StorageInstance,
} from "./support.js";

type Expect =
  | { outcome: "stored" }
  | { outcome: "dead-letter"; reason: string; error: RegExp }
  /** bq-sink: upload did not store the alert, so no notification announced it. */
  | { outcome: "never-announced" };

interface KitAlert {
  file: string;
  survey: Survey;
  data: Buffer;
  attributes: Record<string, string>;
  /** Set when the file is one alert. */
  alert?: Alert;
  object: string | undefined;
  /** The bytes the object must hold. */
  stored: Buffer | undefined;
  upload: Expect;
  bqSink: Expect;
}

const STORED: Expect = { outcome: "stored" };
/** Source ids of the v7 wire packets: above 2^53, none of the kit's. */
const V7_IDS = 7_700_000_000_000_000_001n;
const ZTF_TOPIC = "ztf_20231012_programid1";
const LSST_TOPIC = "lsst-alerts-v9";

/** `file` names the alert; its bytes are the data file's unless given. */
function kitAlert(file: string, survey: Survey, offset: number, bytes = readData(file)): KitAlert {
  const attributes = kafkaAttributes(survey === "ztf" ? ZTF_TOPIC : LSST_TOPIC, offset);
  const base = { file, survey, data: bytes, attributes };
  if (file.includes("container_v7.1")) {
    const multi = {
      outcome: "dead-letter",
      reason: "record-count",
      error: /holds 10 records/,
    } as const;
    return {
      ...base,
      object: undefined,
      stored: undefined,
      upload: multi,
      bqSink: { outcome: "never-announced" },
    };
  }
  const alert = Alert.fromBytes(bytes, { survey, attributes, input: file });
  const object = `${attributes["kafka.topic"]}/${alert.objectId}/${alert.sourceId}.avro`;
  const stored = survey === "ztf" ? fixZtfSchema(bytes).bytes : bytes;
  let bqSink: Expect = STORED;
  if (/ztf\/alerts\/v3\.[12]\//.test(file)) {
    bqSink = {
      outcome: "dead-letter",
      reason: "row-invalid",
      error: /candidate\.drbversion: REQUIRED STRING is missing/,
    };
  } else if (file.includes("ztf/alerts/fink_spark")) {
    bqSink = {
      outcome: "dead-letter",
      reason: "row-invalid",
      error: /timestamp: no such field in the table/,
    };
  } else if (file.includes("lsst/alerts/fink_spark_v9.0")) {
    bqSink = {
      outcome: "dead-letter",
      reason: "row-invalid",
      error: /brokerIngestMjd: no such field/,
    };
  } else if (file.includes("lsst/alerts/fink_spark_v7.4")) {
    bqSink = { outcome: "dead-letter", reason: "row-invalid", error: /no such field in the table/ };
  }
  return { ...base, alert, object, stored, upload: STORED, bqSink };
}

const kit: KitAlert[] = [
  ...dataFiles("ztf/alerts", ".avro").map((f, i) => kitAlert(f, "ztf", i)),
  ...dataFiles("lsst/alerts", ".avro").map((f, i) => kitAlert(f, "lsst", i)),
  ...LSST_VERSIONS.filter((v) => v.version.startsWith("7.")).map((v, i) =>
    kitAlert(
      `lsst v${v.version} wire packet`,
      "lsst",
      1000 + i,
      lsstWirePacket(v, V7_IDS + BigInt(i)),
    ),
  ),
];
const ofSurvey = (survey: Survey) => kit.filter((k) => k.survey === survey);

const clients = { pubsub: pubsubClient(), storage: storageClient(), bigquery: bigqueryClient() };
const instances = {} as Record<Survey, StorageInstance>;
/** The notifications of the stored kit alerts, as the counter subscriptions received them. */
const notifications: Record<"ztf" | "lsst", ReceivedMessage[]> = { ztf: [], lsst: [] };
/** Pub/Sub message id of each kit alert's first publication. */
const messageIds = new Map<KitAlert, string>();
/**
 * Dead letters by stage, keyed by the original message id (upload: the alert's message) or the
 * object's name (bq-sink: the notification of the stored alert).
 */
const deadLetters = {
  upload: new Map<string, ReceivedMessage>(),
  bqSink: new Map<string, ReceivedMessage>(),
};

async function collectDeadLetters(instance: StorageInstance): Promise<void> {
  for (const stage of ["upload", "bqSink"] as const) {
    for (const m of await drain(clients.pubsub, instance.names.deadLetterReservoir[stage])) {
      const key = stage === "upload" ? m.attributes["pgb.messageId"] : m.attributes["objectId"];
      deadLetters[stage].set(key ?? m.messageId, m);
    }
  }
}

const fq = (instance: StorageInstance, table: string) =>
  `\`${instance.model.keywords.project}.${instance.names.dataset}.${table}\``;

async function count(instance: StorageInstance, table: string): Promise<number> {
  const [row] = await queryRows(
    clients.bigquery,
    `SELECT COUNT(*) AS n FROM ${fq(instance, table)}`,
  );
  return Number(row!["n"]);
}

beforeAll(async () => {
  const env = serviceEnv(servers());
  Object.assign(instances, await startZtfAndLsst("st", clients, env));
});

afterAll(async () => {
  await Promise.allSettled(Object.values(instances).map((i) => i.close()));
});

describe("storage components on the local servers", () => {
  it("every kit alert ends as one object and one row per table, or dead-lettered as the spec says", async () => {
    for (const survey of ["ztf", "lsst"] as const) {
      const alerts = ofSurvey(survey);
      const ids = await publishAlerts(instances[survey], alerts);
      alerts.forEach((k, i) => messageIds.set(k, ids[i]!));
    }
    const expectedObjects = (survey: Survey) =>
      ofSurvey(survey).filter((k) => k.upload.outcome === "stored").length;
    const expectedRows = (survey: Survey) =>
      ofSurvey(survey).filter((k) => k.bqSink.outcome === "stored").length;
    const expectedDeadLetters =
      kit.filter((k) => k.upload.outcome === "dead-letter").length +
      kit.filter((k) => k.bqSink.outcome === "dead-letter").length;
    await waitFor(
      "every kit alert to be stored or dead-lettered",
      async () => {
        const states: string[] = [];
        for (const survey of ["ztf", "lsst"] as const) {
          const instance = instances[survey];
          await collectDeadLetters(instance);
          const objects = (await objectNames(clients.storage, instance.names.bucket)).length;
          const alerts = await count(instance, instance.names.alertsTable);
          const dia = await count(instance, instance.names.diaSourceTable);
          if (
            objects !== expectedObjects(survey) ||
            alerts !== expectedRows(survey) ||
            dia !== expectedRows(survey)
          ) {
            states.push(
              `${survey}: ${objects}/${expectedObjects(survey)} objects, ${alerts}+${dia}/${expectedRows(survey)} rows`,
            );
          }
        }
        const dl = deadLetters.upload.size + deadLetters.bqSink.size;
        if (dl !== expectedDeadLetters) states.push(`${dl}/${expectedDeadLetters} dead letters`);
        return states.length === 0 || states.join("; ");
      },
      120_000,
      1000,
    );
    for (const p of Object.values(instances).flatMap((i) => [i.upload, i.bqSink])) {
      expect(await functionHealthy(p)).toBe(true);
    }
  });

  it("objects hold the (fixed) Avro bytes, as application/avro with the spec's metadata", async () => {
    const names = new Set(kit.map((k) => k.object).filter(Boolean));
    expect(names.size).toBe(kit.filter((k) => k.object).length);
    for (const k of kit.filter((x) => x.upload.outcome === "stored")) {
      const file = clients.storage.bucket(instances[k.survey].names.bucket).file(k.object!);
      const [[bytes], [metadata]] = await Promise.all([file.download(), file.getMetadata()]);
      expect(bytes.equals(k.stored!), `bytes of ${k.file}`).toBe(true);
      expect(metadata.contentType).toBe("application/avro");
      const alert = k.alert!;
      expect(metadata.metadata, k.file).toEqual({
        objectId: alert.objectId,
        sourceId: alert.sourceId,
        ...(alert.schemaVersion === undefined ? {} : { schemaVersion: alert.schemaVersion }),
        ra: String(alert.ra),
        dec: String(alert.dec),
        ...k.attributes,
      });
    }
  });

  it("rows read back equal the rows sent, 64-bit ids exact (wrapIntegers)", async () => {
    for (const survey of ["ztf", "lsst"] as const) {
      const instance = instances[survey];
      const idColumn = survey === "ztf" ? "candid" : "diaSourceId";
      for (const table of ["alerts", "DIASource"] as const) {
        const name =
          table === "alerts" ? instance.names.alertsTable : instance.names.diaSourceTable;
        const rows = await queryRows(clients.bigquery, `SELECT * FROM ${fq(instance, name)}`);
        const byId = new Map(rows.map((r) => [r[idColumn] as string, r]));
        for (const k of ofSurvey(survey).filter((x) => x.bqSink.outcome === "stored")) {
          const stored = byId.get(k.alert!.sourceId);
          expect(stored, `${table} row of ${k.file}`).toBeDefined();
          expect(stored).toMatchObject(bigQueryRow(k.alert!, table));
        }
      }
    }
    // above 2^53: a JS number would have rounded it
    expect(
      kit.some(
        (k) => k.alert && BigInt(k.alert.sourceId) > 2n ** 53n && k.bqSink.outcome === "stored",
      ),
    ).toBe(true);
  });

  it("dead letters keep the message (the alert; bq-sink's: its notification), naming stage, reason and error", () => {
    for (const k of kit) {
      for (const stage of ["upload", "bqSink"] as const) {
        const expected = k[stage];
        const letter =
          stage === "upload"
            ? deadLetters.upload.get(messageIds.get(k)!)
            : deadLetters.bqSink.get(k.object ?? "");
        if (expected.outcome !== "dead-letter") {
          expect(letter, `${stage} dead letter of ${k.file}`).toBeUndefined();
          continue;
        }
        expect(letter, `${stage} dead letter of ${k.file}`).toBeDefined();
        expect(letter!.attributes).toMatchObject({
          "pgb.stage": stage === "upload" ? "upload_bytes_to_bucket" : "bq-sink",
          "pgb.reason": expected.reason,
        });
        expect(letter!.attributes["pgb.error"]).toMatch(expected.error);
        if (stage === "upload") {
          expect(letter!.data.equals(k.data)).toBe(true);
          expect(letter!.attributes).toMatchObject(k.attributes);
        } else {
          expect(letter!.attributes).toMatchObject({
            eventType: "OBJECT_FINALIZE",
            objectId: k.object,
          });
          const payload = JSON.parse(letter!.data.toString()) as Record<string, unknown>;
          expect(payload).toMatchObject({ name: k.object, metadata: k.attributes });
        }
      }
    }
  });

  it("announces each new object on alert_avros (JSON_API_V1 OBJECT_FINALIZE with its metadata)", async () => {
    for (const survey of ["ztf", "lsst"] as const) {
      const expected = ofSurvey(survey).filter((k) => k.upload.outcome === "stored");
      await waitFor(`a notification per ${survey} object`, async () => {
        notifications[survey].push(
          ...(await drain(clients.pubsub, instances[survey].names.alertAvrosCounter)),
        );
        const n = notifications[survey].length;
        return n >= expected.length || `${n}/${expected.length}`;
      });
    }
    const expected = ofSurvey("ztf").filter((k) => k.upload.outcome === "stored");
    const messages = notifications.ztf;
    const byName = new Map(messages.map((m) => [m.attributes["objectId"], m]));
    expect(byName.size).toBe(expected.length);
    for (const k of expected) {
      const m = byName.get(k.object!);
      expect(m?.attributes).toMatchObject({
        eventType: "OBJECT_FINALIZE",
        payloadFormat: "JSON_API_V1",
      });
      const payload = JSON.parse(m!.data.toString()) as {
        name: string;
        metadata: Record<string, string>;
      };
      expect(payload.name).toBe(k.object);
      expect(payload.metadata).toMatchObject({
        objectId: k.alert!.objectId,
        sourceId: k.alert!.sourceId,
      });
    }
  });

  it("publishing every alert again adds no object and announces none; redelivered notifications add no row to the dedup views", async () => {
    const generations = new Map<string, string>();
    for (const k of kit.filter((x) => x.upload.outcome === "stored")) {
      const [m] = await clients.storage
        .bucket(instances[k.survey].names.bucket)
        .file(k.object!)
        .getMetadata();
      generations.set(k.object!, String(m.generation));
    }
    for (const survey of ["ztf", "lsst"] as const)
      await publishAlerts(instances[survey], ofSurvey(survey));
    // the redeliveries were acknowledged as duplicates, and no new object was announced
    await waitFor("a duplicate log line per stored object", async () => {
      const lines = await duplicateLines();
      return lines === generations.size || `${lines}/${generations.size}`;
    });
    for (const survey of ["ztf", "lsst"] as const) {
      expect(await drain(clients.pubsub, instances[survey].names.alertAvrosCounter)).toEqual([]);
    }
    // Pub/Sub redelivers a notification (at least once): bq-sink reads and inserts again
    for (const survey of ["ztf", "lsst"] as const) {
      await publishMessages(
        instances[survey],
        instances[survey].names.alertAvrosTopic,
        notifications[survey],
      );
    }
    const rows = (survey: Survey) =>
      ofSurvey(survey).filter((k) => k.bqSink.outcome === "stored").length;
    await waitFor(
      "the second copies in the tables",
      async () => {
        const states: string[] = [];
        for (const survey of ["ztf", "lsst"] as const) {
          const instance = instances[survey];
          for (const table of [instance.names.alertsTable, instance.names.diaSourceTable]) {
            const n = await count(instance, table);
            // the emulator keeps rows with a repeated insertId (BigQuery drops them, best effort)
            if (n !== 2 * rows(survey)) states.push(`${table}: ${n}/${2 * rows(survey)}`);
          }
        }
        return states.length === 0 || states.join("; ");
      },
      90_000,
      1000,
    );
    for (const survey of ["ztf", "lsst"] as const) {
      const instance = instances[survey];
      const id = survey === "ztf" ? "candid" : "diaSourceId";
      for (const view of [instance.names.alertsView, instance.names.diaSourceView]) {
        const [r] = await queryRows(
          clients.bigquery,
          `SELECT COUNT(*) AS n, COUNT(DISTINCT ${id}) AS ids FROM ${fq(instance, view)}`,
        );
        expect(r, view).toEqual({ n: String(rows(survey)), ids: String(rows(survey)) });
      }
      expect((await objectNames(clients.storage, instance.names.bucket)).length).toBe(
        ofSurvey(survey).filter((k) => k.upload.outcome === "stored").length,
      );
    }
    for (const [name, generation] of generations) {
      const survey: Survey = name.startsWith(ZTF_TOPIC) ? "ztf" : "lsst";
      const [m] = await clients.storage
        .bucket(instances[survey].names.bucket)
        .file(name)
        .getMetadata();
      expect(String(m.generation), `generation of ${name}`).toBe(generation);
    }
  });
});

async function duplicateLines(): Promise<number> {
  let n = 0;
  for (const instance of Object.values(instances)) {
    const text = await readFile(instance.upload.log, "utf8");
    n += text.split("\n").filter((l) => l.includes('"outcome":"duplicate"')).length;
  }
  return n;
}
