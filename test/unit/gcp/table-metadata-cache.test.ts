import type { BigQuery } from "@google-cloud/bigquery";
import { describe, expect, it } from "vitest";
import { TableMetadataCache } from "@pgb/broker-utils/gcp";

function fakeBigQuery(fail = { times: 0 }) {
  const calls: string[] = [];
  const bq = {
    dataset: (d: string) => ({
      table: (t: string) => ({
        getMetadata: async () => {
          calls.push(`${d}.${t}`);
          if (fail.times-- > 0) throw Object.assign(new Error("quota"), { code: 429 });
          return [{ id: `${d}.${t}`, schema: { fields: [] } }];
        },
      }),
    }),
  } as unknown as BigQuery;
  return { bq, calls };
}

describe("TableMetadataCache", () => {
  it("fetches a table's metadata once within the TTL", async () => {
    const { bq, calls } = fakeBigQuery();
    let now = 0;
    const cache = new TableMetadataCache(bq, 1000, () => now);
    await Promise.all([cache.get("d", "alerts"), cache.get("d", "alerts"), cache.get("d", "x")]);
    expect(calls).toEqual(["d.alerts", "d.x"]);
    now = 1500;
    await cache.get("d", "alerts");
    expect(calls).toEqual(["d.alerts", "d.x", "d.alerts"]);
  });

  it("does not cache a failure", async () => {
    const { bq, calls } = fakeBigQuery({ times: 1 });
    const cache = new TableMetadataCache(bq);
    await expect(cache.get("d", "t")).rejects.toThrow("quota");
    await expect(cache.get("d", "t")).resolves.toMatchObject({ id: "d.t" });
    expect(calls).toHaveLength(2);
  });
});
