/**
 * What the broker's BigQuery code needs from the emulator (bqemulator), through the official client:
 * nested and repeated records, streaming inserts with insertId, 64-bit ids exact, a de-duplicating
 * view, COUNT and table metadata. The last block pins the emulator's known gaps (docs/local-servers.md)
 * so a change in its behaviour is noticed.
 */
import type { BigQuery, Table, TableField } from "@google-cloud/bigquery";
import { bigqueryClient } from "@pgb/broker-utils/gcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "../../support/names.js";
import { servers, TEST_PROJECT } from "../../support/services.js";

const SOURCE_ID = "1642404680815015001"; // above 2^53: a JS number would round it
const PRV_CANDID = "1642404680815015002";

const SCHEMA: TableField[] = [
  { name: "sourceId", type: "INTEGER", mode: "REQUIRED" },
  { name: "objectId", type: "STRING" },
  { name: "kafkaTime", type: "TIMESTAMP" },
  {
    name: "candidate",
    type: "RECORD",
    fields: [
      { name: "ra", type: "FLOAT" },
      { name: "candid", type: "INTEGER" },
      { name: "cutout", type: "RECORD", fields: [{ name: "fileName", type: "STRING" }] },
    ],
  },
  {
    name: "prv_candidates",
    type: "RECORD",
    mode: "REPEATED",
    fields: [
      { name: "jd", type: "FLOAT" },
      { name: "candid", type: "INTEGER" },
    ],
  },
];

interface WrappedInt {
  value: string;
}

describe("BigQuery emulator (bqemulator)", () => {
  let bigquery: BigQuery;
  let table: Table;
  const datasetId = uniqueName("dataset");
  const fq = (name: string) => `\`${TEST_PROJECT}.${datasetId}.${name}\``;

  beforeAll(async () => {
    bigquery = bigqueryClient(TEST_PROJECT);
    await bigquery.createDataset(datasetId);
    [table] = await bigquery.dataset(datasetId).createTable("alerts", { schema: SCHEMA });
    await table.insert(
      [
        {
          insertId: "a1",
          json: {
            sourceId: SOURCE_ID,
            objectId: "ZTF21aaa",
            kafkaTime: "2026-11-28T01:00:00Z",
            candidate: { ra: 150.25, candid: SOURCE_ID, cutout: { fileName: "a.fits" } },
            prv_candidates: [
              { jd: 2460000.5, candid: PRV_CANDID },
              { jd: 2460001.5, candid: null },
            ],
          },
        },
        {
          insertId: "a2",
          json: { sourceId: "2", objectId: "ZTF21bbb", candidate: { ra: 1.5, candid: "2" } },
        },
        {
          insertId: "a3",
          json: {
            sourceId: SOURCE_ID,
            objectId: "ZTF21aaa",
            kafkaTime: "2026-11-28T02:00:00Z",
            candidate: { ra: 150.25, candid: SOURCE_ID },
            prv_candidates: [],
          },
        },
      ],
      { raw: true },
    );
  });

  afterAll(async () => {
    await bigquery.dataset(datasetId).delete({ force: true });
  });

  it("is the emulator the global setup started", () => {
    expect(process.env["BIGQUERY_EMULATOR_HOST"]).toBe(servers().bigqueryHost);
  });

  it("returns nested and repeated records", async () => {
    const [rows] = await bigquery.query({
      query: `SELECT objectId, candidate, prv_candidates FROM ${fq("alerts")} WHERE kafkaTime = TIMESTAMP '2026-11-28 01:00:00+00'`,
    });
    expect(rows).toHaveLength(1);
    const row = rows[0] as {
      candidate: { ra: number; cutout: { fileName: string } };
      prv_candidates: { jd: number }[];
    };
    expect(row.candidate.ra).toBe(150.25);
    expect(row.candidate.cutout.fileName).toBe("a.fits");
    expect(row.prv_candidates.map((p) => p.jd)).toEqual([2460000.5, 2460001.5]);
  });

  it("keeps INT64 above 2^53 exact with wrapIntegers (strings) or a BigInt cast", async () => {
    const query = `SELECT sourceId, candidate.candid AS candid, prv_candidates FROM ${fq("alerts")} WHERE objectId = 'ZTF21aaa' AND ARRAY_LENGTH(prv_candidates) = 2`;
    const [wrapped] = await bigquery.query({ query, wrapIntegers: true });
    const w = wrapped[0] as {
      sourceId: WrappedInt;
      candid: WrappedInt;
      prv_candidates: { candid: WrappedInt | null }[];
    };
    expect(w.sourceId.value).toBe(SOURCE_ID);
    expect(w.candid.value).toBe(SOURCE_ID);
    expect(w.prv_candidates.map((p) => p.candid?.value ?? null)).toEqual([PRV_CANDID, null]);

    const [cast] = await bigquery.query({
      query,
      wrapIntegers: { integerTypeCastFunction: (value: string) => BigInt(value) },
    });
    expect((cast[0] as { sourceId: bigint }).sourceId).toBe(BigInt(SOURCE_ID));

    // without either option the client converts to number: the value is rounded
    const [plain] = await bigquery.query({ query });
    expect(String((plain[0] as { sourceId: number }).sourceId)).not.toBe(SOURCE_ID);
  });

  it("takes an INT64 query parameter given as a decimal string", async () => {
    const [rows] = await bigquery.query({
      query: `SELECT COUNT(*) AS n FROM ${fq("alerts")} WHERE sourceId = @id`,
      params: { id: SOURCE_ID },
      types: { id: "INT64" },
    });
    expect(rows).toEqual([{ n: 2 }]);
  });

  it("de-duplicates through a view with ROW_NUMBER() and through QUALIFY", async () => {
    const dataset = bigquery.dataset(datasetId);
    await dataset.createTable("alerts_latest", {
      view: {
        query: `SELECT * EXCEPT(rn) FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY sourceId ORDER BY kafkaTime DESC) AS rn FROM ${fq("alerts")}) WHERE rn = 1`,
        useLegacySql: false,
      },
    });
    await dataset.createTable("alerts_qualify", {
      view: {
        query: `SELECT * FROM ${fq("alerts")} WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY sourceId ORDER BY kafkaTime DESC) = 1`,
        useLegacySql: false,
      },
    });
    for (const view of ["alerts_latest", "alerts_qualify"]) {
      const [rows] = await bigquery.query({
        query: `SELECT CAST(sourceId AS STRING) AS id, kafkaTime FROM ${fq(view)} ORDER BY id`,
      });
      expect(rows.map((r: { id: string }) => r.id)).toEqual(["1642404680815015001", "2"]);
      const latest = rows[0] as { kafkaTime: { value: string } };
      expect(latest.kafkaTime.value).toBe("2026-11-28T02:00:00.000Z");
    }
  });

  it("answers COUNT queries and table metadata", async () => {
    const [rows] = await bigquery.query(`SELECT COUNT(*) AS n FROM ${fq("alerts")}`);
    expect(rows).toEqual([{ n: 3 }]);
    const [metadata] = await table.getMetadata();
    expect(metadata.numRows).toBe("3");
    expect(metadata.schema.fields.map((f: TableField) => f.name)).toEqual(
      SCHEMA.map((f) => f.name),
    );
  });

  describe("known gaps compared with BigQuery (docs/local-servers.md)", () => {
    let gaps: Table;
    beforeAll(async () => {
      [gaps] = await bigquery.dataset(datasetId).createTable("gaps", { schema: SCHEMA });
    });

    it("does not de-duplicate a repeated insertId (BigQuery drops it, best effort)", async () => {
      const row = { insertId: "dup", json: { sourceId: "7", objectId: "dup" } };
      await gaps.insert([row], { raw: true });
      await gaps.insert([row], { raw: true });
      const [rows] = await bigquery.query(
        `SELECT COUNT(*) AS n FROM ${fq("gaps")} WHERE objectId = 'dup'`,
      );
      expect(rows).toEqual([{ n: 2 }]);
    });

    it("fails a whole request with one badly typed row (BigQuery returns per-row insertErrors)", async () => {
      const error = await gaps
        .insert(
          [
            { insertId: "bad", json: { sourceId: "not-a-number", objectId: "bad" } },
            { insertId: "good", json: { sourceId: "8", objectId: "good" } },
          ],
          { raw: true },
        )
        .then(
          () => undefined,
          (err: unknown) => err as { name: string; code?: number },
        );
      expect(error).toBeDefined();
      expect(error?.name).not.toBe("PartialFailureError");
      const [rows] = await bigquery.query(
        `SELECT COUNT(*) AS n FROM ${fq("gaps")} WHERE objectId IN ('bad', 'good')`,
      );
      expect(rows).toEqual([{ n: 0 }]);
    });

    it("accepts unknown fields and a missing REQUIRED field (BigQuery rejects those rows)", async () => {
      await gaps.insert(
        [
          { insertId: "u1", json: { sourceId: "9", objectId: "unknown", notAColumn: 1 } },
          { insertId: "m1", json: { objectId: "missing-required" } },
        ],
        { raw: true },
      );
      const [rows] = await bigquery.query(
        `SELECT COUNT(*) AS n FROM ${fq("gaps")} WHERE objectId IN ('unknown', 'missing-required')`,
      );
      expect(rows).toEqual([{ n: 2 }]);
    });
  });
});
