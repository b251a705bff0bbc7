import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bigQueryTableSchema, type AlertTable } from "@pgb/broker-utils/alerts";
import { RowInsertError, type RowToInsert } from "@pgb/broker-utils/gcp";
import { createBqSinkHandler } from "../../../functions/bq-sink/src/handler.js";
import { reencodedAlert } from "../../fixtures/alerts/reencoded.js";
import { memoryBucket, notificationMessage } from "@pgb/local";
import { readData } from "@pgb/test-data";
import { KAFKA, serve, type Harness } from "./harness.js";

const V402 = "ztf/alerts/v4.02/2695378462115010012.avro";
const V32 = "ztf/alerts/v3.2/2019_01_10_739260766315010006.avro";
const SPARK =
  "ztf/alerts/fink_spark_v4.02/part-00000-0b960f60-420c-4175-b2cc-ff6b135bfece-c000.avro";

const inserted: Record<AlertTable, RowToInsert[]> = { alerts: [], DIASource: [] };
const schemaCalls: AlertTable[] = [];
const state = { fail: {} as Partial<Record<AlertTable, unknown>> };
let fn: Harness;
const bucket = memoryBucket();
let stored = 0;

/** Stores the alert as upload-bytes-to-bucket would and pushes its notification to bq-sink. */
function push(bytes: Buffer): Promise<number> {
  const m = bucket.store(`ztf_20231012_programid1/x/${++stored}.avro`, bytes, KAFKA);
  return fn.push(m.data, m.attributes, m.messageId);
}

beforeAll(async () => {
  fn = await serve(
    "bqSinkProbe",
    "bq-sink",
    createBqSinkHandler({
      survey: "ztf",
      alerts: bucket,
      tables: { alerts: "alerts", DIASource: "DIASource" },
      schema: async (table) => {
        schemaCalls.push(table);
        return bigQueryTableSchema("ztf", table);
      },
      insert: async (table, row) => {
        const failure = state.fail[table];
        if (failure !== undefined) throw failure;
        inserted[table].push(row);
      },
    }),
  );
});

afterAll(() => fn.close());

beforeEach(() => {
  inserted.alerts.length = 0;
  inserted.DIASource.length = 0;
  schemaCalls.length = 0;
  state.fail = {};
  fn.reset();
});

const ok = (status: number) => expect(status >= 200 && status < 300, `HTTP ${status}`).toBe(true);

describe("bq-sink through the functions framework", () => {
  it("inserts one alerts row (nested, no cutouts) and one DIASource row, insertId = candid", async () => {
    ok(await push(readData(V402)));
    expect(inserted.alerts).toHaveLength(1);
    expect(inserted.DIASource).toHaveLength(1);
    const alerts = inserted.alerts[0]!;
    const dia = inserted.DIASource[0]!;
    expect(alerts.insertId).toBe("2695378462115010012");
    expect(dia.insertId).toBe("2695378462115010012");
    expect(alerts.json).toMatchObject({
      objectId: "ZTF18abudxnw",
      candid: "2695378462115010012",
      candidate: expect.objectContaining({ candid: "2695378462115010012", fid: "2" }),
    });
    expect(Object.keys(alerts.json)).not.toContain("cutoutScience");
    expect(dia.json).toMatchObject({ objectId: "ZTF18abudxnw", candid: "2695378462115010012" });
    expect(typeof dia.json["prv_candidates_candids"]).toBe("string");
    expect(fn.deadLetters).toEqual([]);
  });

  it("writes NaN in a NULLABLE column as null and stores the row", async () => {
    const bytes = reencodedAlert(V402, (record) => {
      Object.assign(record["candidate"] as object, { magap: Number.NaN, rb: Infinity });
    });
    ok(await push(bytes));
    expect(inserted.alerts[0]!.json["candidate"]).toMatchObject({ magap: null, rb: null });
    expect(inserted.DIASource[0]!.json).toMatchObject({ magap: null, rb: null });
    expect(fn.deadLetters).toEqual([]);
  });

  it("dead-letters a row that does not fit the table, with the field path, inserting nothing", async () => {
    ok(await push(readData(V32)));
    expect(inserted.alerts).toEqual([]);
    expect(inserted.DIASource).toEqual([]);
    const attributes = fn.deadLetters[0]!.attributes;
    expect(attributes["pgb.reason"]).toBe("row-invalid");
    expect(attributes["pgb.error"]).toMatch(
      /ztf alert ZTF17aaacxxf\/739260766315010006 .*schema version 3\.2.*alerts row does not fit the table: candidate\.drbversion: REQUIRED STRING is missing/,
    );
  });

  it("dead-letters fields the table lacks (Fink's `timestamp`)", async () => {
    ok(await push(readData(SPARK)));
    expect(fn.deadLetters[0]!.attributes["pgb.error"]).toMatch(
      /timestamp: no such field in the table/,
    );
  });

  it("dead-letters a NaN in a REQUIRED column, saying why it is null", async () => {
    const bytes = reencodedAlert(V402, (record) => {
      (record["candidate"] as Record<string, unknown>)["magpsf"] = Number.NaN;
    });
    ok(await push(bytes));
    expect(fn.deadLetters[0]!.attributes["pgb.error"]).toMatch(
      /candidate\.magpsf: REQUIRED FLOAT is null \(NaN and ±Infinity are written as null\)/,
    );
  });

  it("dead-letters a row BigQuery rejects (RowInsertError), never swallowing it", async () => {
    state.fail.DIASource = new RowInsertError("d.DIASource", [
      { insertId: "1", reason: "invalid", location: "ra", message: "no such field: ra." },
    ]);
    ok(await push(readData(V402)));
    expect(fn.deadLetters[0]!.attributes).toMatchObject({
      "pgb.reason": "row-rejected",
      "pgb.error": expect.stringContaining(
        "BigQuery rejected 1 row(s) of d.DIASource: invalid at ra: no such field: ra.",
      ),
    });
  });

  it("fails the delivery on a transient error (retried by Pub/Sub), not dead-lettering", async () => {
    state.fail.alerts = Object.assign(new Error("backend error"), { code: 503 });
    expect(await push(readData(V402))).toBe(500);
    expect(fn.deadLetters).toEqual([]);
    expect(fn.logs.map((l) => l["severity"])).toEqual(["WARNING"]);
  });

  it("reads the object its notification names, of that generation", async () => {
    bucket.reads.length = 0;
    ok(await push(readData(V402)));
    const [name, object] = [...bucket.objects.entries()].at(-1)!;
    expect(bucket.reads).toEqual([`${name}#${object.generation}`]);
    expect(inserted.alerts).toHaveLength(1);
  });

  it("acknowledges an event other than OBJECT_FINALIZE with a log line, reading nothing", async () => {
    bucket.reads.length = 0;
    const m = notificationMessage(bucket.bucket, "t/o/1.avro", { eventType: "OBJECT_DELETE" });
    ok(await fn.push(m.data, m.attributes));
    expect(bucket.reads).toEqual([]);
    expect(inserted.alerts).toEqual([]);
    expect(fn.deadLetters).toEqual([]);
    expect(fn.logs).toEqual([
      expect.objectContaining({
        severity: "INFO",
        message: `ignored: OBJECT_DELETE of gs://${bucket.bucket}/t/o/1.avro announces no new alert`,
      }),
    ]);
  });

  it("dead-letters a notification of an object that no longer exists, and a pushed alert", async () => {
    const gone = notificationMessage(bucket.bucket, "t/o/gone.avro");
    ok(await fn.push(gone.data, gone.attributes));
    expect(fn.deadLetters[0]!.attributes).toMatchObject({
      "pgb.reason": "object-missing",
      objectId: "t/o/gone.avro",
    });
    expect(fn.deadLetters[0]!.data).toEqual(gone.data);
    ok(await fn.push(readData(V402), KAFKA));
    expect(fn.deadLetters[1]!.attributes["pgb.reason"]).toBe("not-a-notification");
    expect(inserted.alerts).toEqual([]);
  });

  it("dead-letters corrupt bytes with the decoder's reason", async () => {
    const bytes = readData(V402).subarray(0, 5000);
    ok(await push(bytes));
    expect(fn.deadLetters[0]!.attributes["pgb.reason"]).toBe("truncated");
    expect(schemaCalls).toEqual([]);
  });
});
