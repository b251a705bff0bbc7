/**
 * Bad input on the local servers: every case of the corpus (./corpus.ts) ends stored or in the
 * function's dead-letter reservoir with attributes naming the stage, the reason and the error (a
 * case upload does not store never reaches bq-sink, which is fed the bucket notification), the
 * function processes never crash, and `pgb deadletter list|replay` inspect and re-drive the
 * reservoirs on the emulator.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createProgram, runProgram, type CommandModule } from "@pgb/cli";
import { listDeadLetters, type DeadLetterEntry } from "@pgb/deadletter";
import {
  bigqueryClient,
  createPublisher,
  Puller,
  pubsubClient,
  storageClient,
} from "@pgb/broker-utils/gcp";
import type { Survey } from "@pgb/broker-utils/schema-maps";
import { serviceEnv } from "@pgb/local";
import {
  deadletterCommands,
  deadletterCommandsWith,
} from "../../../packages/cli/src/commands/deadletter.js";
import { functionHealthy } from "../../../local/src/functions/index.js";
import { pushEndpoint } from "../../../local/src/instance/provision.js";
import { servers, TEST_PROJECT } from "../../support/services.js";
import { bqSinkOutcome, buildCorpus, validVariant, type CorpusCase } from "./corpus.js";
import {
  kafkaAttributes,
  objectNames,
  publishAlerts,
  queryRows,
  startZtfAndLsst,
  waitFor,
  type StorageInstance,
} from "./support.js";

const clients = { pubsub: pubsubClient(), storage: storageClient(), bigquery: bigqueryClient() };
const instances = {} as Record<Survey, StorageInstance>;
const corpus = buildCorpus();
const STAGES = { upload: "upload_bytes_to_bucket", bqSink: "bq-sink" } as const;
type Stage = keyof typeof STAGES;

async function deadLetters(instance: StorageInstance, stage: Stage): Promise<DeadLetterEntry[]> {
  const puller = new Puller(clients.pubsub, instance.names.deadLetterReservoir[stage]);
  try {
    return await listDeadLetters(STAGES[stage], puller, { max: 1000, waitMs: 1000 });
  } finally {
    await puller.close();
  }
}

/** A case's expected outcome at a stage. */
const outcomeAt = (c: CorpusCase, stage: Stage) =>
  stage === "upload" ? c.upload : bqSinkOutcome(c);

/**
 * The key of a case in a stage's dead letters: upload keeps the alert's message (its `test.case`
 * attribute), bq-sink the notification of the stored object (its name).
 */
const letterKey = (d: DeadLetterEntry, stage: Stage) =>
  stage === "upload" ? d.attributes["test.case"] : d.attributes["objectId"];
const caseKey = (c: CorpusCase, stage: Stage) => (stage === "upload" ? c.name : c.object);

async function storedIds(instance: StorageInstance): Promise<Set<string>> {
  const id = instance.model.keywords.survey === "ztf" ? "candid" : "diaSourceId";
  const rows = await queryRows(
    clients.bigquery,
    `SELECT ${id} AS id FROM \`${TEST_PROJECT}.${instance.names.dataset}.${instance.names.alertsTable}\``,
  );
  return new Set(rows.map((r) => r["id"] as string));
}

/** Rows of the alerts table with that candid. */
async function rowsOf(instance: StorageInstance, candid: string): Promise<number> {
  const [row] = await queryRows(
    clients.bigquery,
    `SELECT COUNT(*) AS n FROM \`${TEST_PROJECT}.${instance.names.dataset}.${instance.names.alertsTable}\` WHERE candid = ${candid}`,
  );
  return Number(row!["n"]);
}

/** Runs `pgb deadletter …` in this process; returns the exit code and what it printed. */
function pgb(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return pgbWith(deadletterCommands, args);
}

async function pgbWith(
  commands: CommandModule,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi
    .spyOn(process.stdout, "write")
    .mockImplementation((s) => (out.push(String(s)), true));
  const e = vi
    .spyOn(process.stderr, "write")
    .mockImplementation((s) => (err.push(String(s)), true));
  try {
    const code = await runProgram(createProgram([commands]), [
      "node",
      "pgb",
      "deadletter",
      ...args,
    ]);
    return { code, out: out.join(""), err: err.join("") };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

beforeAll(async () => {
  const env = serviceEnv(servers());
  Object.assign(instances, await startZtfAndLsst("dl", clients, env));
});

afterAll(async () => {
  await Promise.allSettled(Object.values(instances).map((i) => i.close()));
});

describe("bad input to the storage functions", () => {
  it(`every one of ${corpus.length} bad or odd inputs is stored or dead-lettered, and no process crashes`, async () => {
    const pids = Object.values(instances).flatMap((i) => [i.upload.pid, i.bqSink.pid]);
    await Promise.all(corpus.map((c) => publishAlerts(instances[c.survey], [c])));
    const pending = () => {
      const missing: string[] = [];
      return { missing, add: (c: CorpusCase, stage: Stage) => missing.push(`${c.name}/${stage}`) };
    };
    await waitFor(
      "every corpus case to be stored or dead-lettered",
      async () => {
        const p = pending();
        for (const survey of ["ztf", "lsst"] as const) {
          const instance = instances[survey];
          const objects = new Set(await objectNames(clients.storage, instance.names.bucket));
          const rows = await storedIds(instance);
          const letters = {
            upload: new Set(
              (await deadLetters(instance, "upload")).map((d) => letterKey(d, "upload")),
            ),
            bqSink: new Set(
              (await deadLetters(instance, "bqSink")).map((d) => letterKey(d, "bqSink")),
            ),
          };
          for (const c of corpus.filter((x) => x.survey === survey)) {
            if (
              c.upload.outcome === "stored" ? !objects.has(c.object!) : !letters.upload.has(c.name)
            )
              p.add(c, "upload");
            const bq = bqSinkOutcome(c).outcome;
            if (
              bq === "stored"
                ? !rows.has(c.sourceId!)
                : bq === "dead-letter" && !letters.bqSink.has(c.object)
            )
              p.add(c, "bqSink");
          }
        }
        return p.missing.length === 0 || `missing ${p.missing.join(", ")}`;
      },
      120_000,
      2000,
    );
    for (const instance of Object.values(instances)) {
      for (const proc of [instance.upload, instance.bqSink]) {
        expect(await functionHealthy(proc), proc.name).toBe(true);
        expect(pids).toContain(proc.pid);
      }
    }
  });

  it("dead letters keep data and attributes and name the stage, the reason and the error", async () => {
    for (const survey of ["ztf", "lsst"] as const) {
      for (const stage of ["upload", "bqSink"] as const) {
        const letters = new Map(
          (await deadLetters(instances[survey], stage)).map((d) => [letterKey(d, stage), d]),
        );
        for (const c of corpus.filter((x) => x.survey === survey)) {
          const expected = outcomeAt(c, stage);
          const letter = letters.get(caseKey(c, stage));
          if (expected.outcome !== "dead-letter") {
            expect(letter, `${c.name}: no ${stage} dead letter`).toBeUndefined();
            continue;
          }
          expect(letter, `${c.name}: ${stage} dead letter`).toBeDefined();
          if (stage === "upload") {
            expect(letter!.size, c.name).toBe(c.data.length);
            expect(letter!.attributes, c.name).toMatchObject(c.attributes);
          } else {
            // the notification, whose metadata carries the alert's ids and Kafka attributes
            expect(letter!.attributes, c.name).toMatchObject({
              objectId: c.object,
              eventType: "OBJECT_FINALIZE",
            });
            expect(letter!.sourceId, c.name).toBe(c.sourceId);
            expect(letter!.kafka.offset, c.name).toBe(c.attributes["kafka.offset"]);
          }
          expect(letter, c.name).toMatchObject({ stage: STAGES[stage], reason: expected.reason });
          expect(letter!.error, c.name).toMatch(expected.error);
          // dead-lettered by the adapter at once, not by Pub/Sub after its attempts
          expect(letter!.deliveryCount, c.name).toBeUndefined();
          expect(letter!.attributes).toMatchObject({
            "pgb.stage": STAGES[stage],
            "pgb.reason": expected.reason,
          });
        }
      }
    }
  });

  it("stores the odd but valid inputs as they came, NaN as null", async () => {
    const instance = instances.ztf;
    for (const c of corpus.filter((x) => x.upload.outcome === "stored")) {
      const [bytes] = await clients.storage
        .bucket(instance.names.bucket)
        .file(c.object!)
        .download();
      expect(bytes.equals(c.data), c.name).toBe(true);
    }
    const nan = corpus.find((c) => c.name === "nan-nullable")!;
    const fq = (t: string) => `\`${TEST_PROJECT}.${instance.names.dataset}.${t}\``;
    const [alerts] = await queryRows(
      clients.bigquery,
      `SELECT candidate.magap AS magap, candidate.rb AS rb, candidate.fwhm AS fwhm, candidate.magpsf AS magpsf FROM ${fq(instance.names.alertsTable)} WHERE candid = ${nan.sourceId}`,
    );
    expect(alerts).toMatchObject({ magap: null, rb: null, fwhm: null, magpsf: expect.any(Number) });
    const [dia] = await queryRows(
      clients.bigquery,
      `SELECT magap, rb, CAST(candid AS STRING) AS candid FROM ${fq(instance.names.diaSourceTable)} WHERE candid = ${nan.sourceId}`,
    );
    expect(dia).toEqual({ magap: null, rb: null, candid: nan.sourceId });
    const log = await readFile(instance.upload.log, "utf8");
    expect(log).toContain(
      '"severity":"WARNING","message":"unknown ZTF schema version 9.99: original schema retained"',
    );
  });
});

describe("pgb deadletter on the emulator", () => {
  const stack = () => instances.ztf.model.stack;

  it("list shows every function's dead letters with ids, stage, reason and error, without consuming them", async () => {
    const first = await pgb("list", "--stack", stack(), "--project", TEST_PROJECT, "--json");
    expect(first.code, first.err).toBe(0);
    const entries = JSON.parse(first.out) as DeadLetterEntry[];
    const ztfCases = corpus.filter((c) => c.survey === "ztf");
    const expected =
      ztfCases.filter((c) => c.upload.outcome === "dead-letter").length +
      ztfCases.filter((c) => bqSinkOutcome(c).outcome === "dead-letter").length;
    expect(entries).toHaveLength(expected);
    expect(entries).toContainEqual(
      expect.objectContaining({
        function: "bq-sink",
        stage: "bq-sink",
        reason: "row-invalid",
        kafka: expect.objectContaining({ topic: "ztf_20231012_programid1" }),
        error: expect.stringMatching(/candidate\.rbversion: REQUIRED STRING is missing/),
      }),
    );
    const again = await pgb(
      "list",
      "--stack",
      stack(),
      "--project",
      TEST_PROJECT,
      "--function",
      "upload-bytes-to-bucket",
    );
    expect(again.code, again.err).toBe(0);
    const lines = again.out.trim().split("\n");
    expect(lines[0]).toMatch(
      /^FUNCTION\s+DEAD-LETTERED\s+REASON\s+OBJECT\s+SOURCE\s+KAFKA\s+MESSAGE\s+ERROR$/,
    );
    expect(lines).toHaveLength(
      1 + entries.filter((e) => e.function === "upload_bytes_to_bucket").length,
    );
    expect(again.out).toMatch(/upload-bytes-to-bucket\s+\S+\s+invalid-object-name\s/);
  });

  it("list without --stack and --project reads the local instance that is up", async () => {
    const local = { stack: stack(), project: TEST_PROJECT, env: {} };
    const flagged = await pgb("list", "--stack", stack(), "--project", TEST_PROJECT, "--json");
    const defaulted = await pgbWith(
      deadletterCommandsWith(async () => local),
      ["list", "--json"],
    );
    expect(defaulted.code, defaulted.err).toBe(0);
    expect(defaulted.err).toContain(`using the local instance ${stack()} (project ${TEST_PROJECT}`);
    const ids = (out: string) =>
      (JSON.parse(out) as DeadLetterEntry[]).map((e) => e.messageId).sort();
    expect(ids(defaulted.out)).toEqual(ids(flagged.out));
  });

  it("replay re-drives one function's reservoir to that function only: stored, kept, or dead-lettered again", async () => {
    const instance = instances.ztf;
    // a valid stored alert whose notification Pub/Sub gave up on (say BigQuery was down for all
    // five attempts): stored here, its notification processed once, then dead-lettered by hand
    const candid = "9100000000000009999";
    const name = `ztf_20231012_programid1/ZTF18abudxnw/${candid}.avro`;
    const file = clients.storage.bucket(instance.names.bucket).file(name);
    await file.save(validVariant(BigInt(candid)), {
      resumable: false,
      metadata: {
        contentType: "application/avro",
        metadata: { ...kafkaAttributes("ztf_20231012_programid1", 7777), sourceId: candid },
      },
    });
    await waitFor("the victim's row", async () => (await rowsOf(instance, candid)) === 1);
    const [resource] = await file.getMetadata();
    await createPublisher(clients.pubsub, instance.names.deadLetterTopic.bqSink).publish(
      Buffer.from(JSON.stringify(resource)),
      {
        bucketId: instance.names.bucket,
        objectId: name,
        objectGeneration: String(resource.generation),
        eventType: "OBJECT_FINALIZE",
        payloadFormat: "JSON_API_V1",
        CloudPubSubDeadLetterSourceDeliveryCount: "5",
        CloudPubSubDeadLetterSourceSubscription: instance.model.functions.find(
          (f) => f.stub === "bq-sink",
        )!.trigger.subscription,
        CloudPubSubDeadLetterSourceSubscriptionProject: TEST_PROJECT,
        CloudPubSubDeadLetterSourceTopicPublishTime: new Date().toISOString(),
      },
    );
    const before = {
      bqSink: await deadLetters(instance, "bqSink"),
      upload: await deadLetters(instance, "upload"),
    };
    const result = await pgb(
      "replay",
      "--stack",
      stack(),
      "--project",
      TEST_PROJECT,
      "--function",
      "bq-sink",
    );
    // every dead letter is delivered, the empty one too (dead-lettered again, answered 2xx)
    expect(result.code, result.err).toBe(0);
    const total = before.bqSink.length;
    expect(result.out).toMatch(
      new RegExp(
        `replayed ${total} dead letter\\(s\\) of bq-sink: ${total} delivered and acknowledged, 0 kept in the reservoir`,
      ),
    );
    // bq-sink inserted it again (the emulator keeps a repeated insertId; the view holds one)
    expect(await rowsOf(instance, candid)).toBe(2);
    // bad input is bad again: back in the reservoir (as new dead letters of the same messages)
    await waitFor(
      "the bad inputs back in the bq-sink reservoir",
      async () => {
        const now = await deadLetters(instance, "bqSink");
        return now.length === total - 1 || `${now.length}/${total - 1}`;
      },
      30_000,
    );
    const after = await deadLetters(instance, "bqSink");
    expect(after.map((d) => d.attributes["objectId"]).sort()).toEqual(
      before.bqSink
        .map((d) => d.attributes["objectId"])
        .filter((o) => o !== name)
        .sort(),
    );
    expect((await deadLetters(instance, "upload")).length).toBe(before.upload.length);
  });

  it("replay --url sends to the given local function", async () => {
    const instance = instances.lsst;
    const url = pushEndpoint(instance.upload.url, TEST_PROJECT, instance.names.alertsTopic);
    const before = await deadLetters(instance, "upload");
    const result = await pgb(
      "replay",
      "--stack",
      instance.model.stack,
      "--project",
      TEST_PROJECT,
      "--function",
      "upload-bytes-to-bucket",
      "--url",
      url,
    );
    expect(result.code, result.err).toBe(0);
    expect(result.out).toContain(`${before.length} delivered and acknowledged, 0 kept`);
    expect(result.err).toContain(`to ${url}`);
  });
});
