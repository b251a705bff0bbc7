import { describe, expect, it } from "vitest";
import {
  ALL_SCHEMA_VERSIONS,
  Alert,
  bigQueryRow,
  bigQueryTableSchema,
  mergeTableSchemas,
  TableSchemaError,
  type AlertTable,
} from "@pgb/broker-utils/alerts";
import { bundledSchemaVersions } from "@pgb/broker-utils/avro";
import { validateRow, type TableField } from "@pgb/broker-utils/bigquery";
import {
  LSST_VERSIONS,
  fakeAlertPath,
  lsstSolarSystemPacket,
  lsstWirePacket,
  type LsstVersion,
} from "../../fixtures/alerts/lsst-wire.js";
import { dataFiles, dataPath, readData } from "@pgb/test-data";

const TABLES: AlertTable[] = ["alerts", "DIASource"];

/** A version's alerts: Rubin's fake alert as container, as wire packet, and a solar-system packet. */
const alertsOf = (v: LsstVersion): Alert[] => [
  Alert.fromFile(dataPath(fakeAlertPath(v.version))),
  Alert.fromBytes(lsstWirePacket(v), { survey: "lsst" }),
  Alert.fromBytes(lsstSolarSystemPacket(v), { survey: "lsst" }),
];

const col = (name: string, type: TableField["type"], mode: TableField["mode"]): TableField => ({
  name,
  type,
  mode,
});

function byName(fields: readonly TableField[], path: string): TableField | undefined {
  const [head, ...rest] = path.split(".");
  const field = fields.find((f) => f.name === head);
  return rest.length === 0 ? field : byName(field?.fields ?? [], rest.join("."));
}

/**
 * Whether `after` can replace `before` on a live table: every column of `before` stays in place
 * with its type, REQUIRED may become NULLABLE, new columns come after the old ones (nested too).
 */
function additiveUpdate(before: readonly TableField[], after: readonly TableField[]): string[] {
  return before.flatMap((old, i) => {
    const now = after[i];
    if (now?.name !== old.name || now.type !== old.type) return [`${old.name} moved or retyped`];
    if (now.mode !== old.mode && !(old.mode === "REQUIRED" && now.mode === "NULLABLE")) {
      return [`${old.name}: ${old.mode} → ${now.mode}`];
    }
    return additiveUpdate(old.fields ?? [], now.fields ?? []).map((p) => `${old.name}.${p}`);
  });
}

describe("mergeTableSchemas", () => {
  it("appends new columns as NULLABLE, relaxes columns a version lacks, merges records", () => {
    const v1 = [
      col("id", "INTEGER", "REQUIRED"),
      col("old", "FLOAT", "REQUIRED"),
      { ...col("src", "RECORD", "REQUIRED"), fields: [col("a", "FLOAT", "REQUIRED")] },
    ];
    const v2 = [
      col("id", "INTEGER", "REQUIRED"),
      { ...col("src", "RECORD", "REQUIRED"), fields: [col("b", "STRING", "REQUIRED")] },
      col("new", "FLOAT", "REQUIRED"),
    ];
    expect(
      mergeTableSchemas([
        { version: "v1", fields: v1 },
        { version: "v2", fields: v2 },
      ]),
    ).toEqual([
      col("id", "INTEGER", "REQUIRED"),
      col("old", "FLOAT", "NULLABLE"),
      {
        ...col("src", "RECORD", "REQUIRED"),
        fields: [col("a", "FLOAT", "NULLABLE"), col("b", "STRING", "NULLABLE")],
      },
      col("new", "FLOAT", "NULLABLE"),
    ]);
  });

  it("matches names case-insensitively, as BigQuery does, and keeps the newest description", () => {
    const merged = mergeTableSchemas([
      { version: "v1", fields: [{ ...col("psfFlux", "FLOAT", "NULLABLE"), description: "old" }] },
      { version: "v2", fields: [{ ...col("PSFFLUX", "FLOAT", "NULLABLE"), description: "new" }] },
    ]);
    expect(merged).toEqual([{ ...col("psfFlux", "FLOAT", "NULLABLE"), description: "new" }]);
  });

  it("refuses a column whose type or repetition changes, naming it and both versions", () => {
    const merge = (a: TableField, b: TableField) => () =>
      mergeTableSchemas([
        { version: "v9_0", fields: [{ ...col("ssSource", "RECORD", "NULLABLE"), fields: [a] }] },
        { version: "v10_0", fields: [{ ...col("ssSource", "RECORD", "NULLABLE"), fields: [b] }] },
      ]);
    expect(merge(col("rank", "FLOAT", "NULLABLE"), col("rank", "INTEGER", "NULLABLE"))).toThrow(
      new TableSchemaError(
        "ssSource.rank: FLOAT since v9_0 but INTEGER in v10_0; a column cannot change type: " +
          "give the new field its own name in the table or leave the version out",
      ),
    );
    expect(merge(col("ids", "INTEGER", "REPEATED"), col("ids", "INTEGER", "NULLABLE"))).toThrow(
      /ids: INTEGER REPEATED since v9_0 but INTEGER in v10_0/,
    );
  });

  it("gives a single version's schema unchanged", () => {
    for (const table of TABLES) {
      const v9 = bigQueryTableSchema("lsst", table, "v9_0");
      expect(mergeTableSchemas([{ version: "v9_0", fields: v9 }])).toEqual(v9);
    }
  });
});

describe.each(TABLES)("the canonical LSST %s table (every bundled version)", (table) => {
  const canonical = bigQueryTableSchema("lsst", table, ALL_SCHEMA_VERSIONS);

  it("keeps both names of a renamed field, nullable (REQUIRED in the versions that have it)", () => {
    // v10.0 renamed MPCORB and ssSource's coordinates, v9.0 diaSource.time_processed
    const names =
      table === "alerts"
        ? ["MPCORB", "mpc_orbits", "ssSource.eclipticLambda", "ssSource.eclLambda"]
        : ["time_processed", "timeProcessedMjdTai"];
    for (const name of names) expect(byName(canonical, name)?.mode, name).toBe("NULLABLE");
  });

  it("has the source id in every row; in the alerts table a NULLABLE top-level column", () => {
    if (table === "DIASource") {
      expect(byName(canonical, "diaSourceId")?.mode).toBe("REQUIRED");
    } else {
      // v7 alerts carry alertId at the top level and the source id only in diaSource; their rows
      // get a copy, NULLABLE as the column was before they had one, so live tables stay as they are
      expect(byName(canonical, "diaSourceId")?.mode).toBe("NULLABLE");
      expect(byName(canonical, "diaSource.diaSourceId")?.mode).toBe("REQUIRED");
      expect(byName(canonical, "alertId")?.mode).toBe("NULLABLE");
    }
  });

  it("grows only by appending columns and relaxing modes as versions are added", () => {
    const versions = bundledSchemaVersions("lsst");
    const unionOf = (count: number) =>
      mergeTableSchemas(
        versions
          .slice(0, count)
          .map((version) => ({ version, fields: bigQueryTableSchema("lsst", table, version) })),
      );
    for (let count = 1; count < versions.length; count++) {
      expect(additiveUpdate(unionOf(count), unionOf(count + 1)), versions[count]).toEqual([]);
    }
    expect(unionOf(versions.length)).toEqual(canonical);
  });

  it.each(LSST_VERSIONS)(
    "takes the rows of $version alerts (container, wire, solar-system)",
    (v) => {
      for (const alert of alertsOf(v)) {
        expect(validateRow(bigQueryRow(alert, table), canonical)).toEqual([]);
      }
    },
  );

  it("takes the row of Rubin's v9.0 stream alert", () => {
    const path = dataFiles("lsst/alerts/confluent_wire_v9.0", ".avro")[0]!;
    const alert = Alert.fromBytes(readData(path), { survey: "lsst" });
    expect(validateRow(bigQueryRow(alert, table), canonical)).toEqual([]);
  });
});

describe("the alerts rows of every LSST version", () => {
  it.each(LSST_VERSIONS)(
    "$version: have the source id at the top level, the key the alerts_dedup view partitions by",
    (v) => {
      for (const alert of alertsOf(v)) {
        // v8+ have their own top-level value (Rubin's fake alerts put 1231321321 there)
        const topLevel = alert.record["diaSourceId"] as bigint | undefined;
        expect(bigQueryRow(alert, "alerts")["diaSourceId"]).toBe(
          topLevel === undefined ? alert.sourceId : String(topLevel),
        );
      }
    },
  );

  it("copy diaSource.diaSourceId where the version has none at the top level (v7), last", () => {
    const v7 = bigQueryTableSchema("lsst", "alerts", "v7_4");
    expect(v7.at(-1)).toMatchObject({ name: "diaSourceId", type: "INTEGER", mode: "NULLABLE" });
    const v8 = bigQueryTableSchema("lsst", "alerts", "v8_0");
    expect(v8.filter((f) => f.name === "diaSourceId")).toHaveLength(1);
    expect(v8[0]).toMatchObject({ name: "diaSourceId", mode: "REQUIRED" });
  });
});
