/**
 * The BigQuery layout of an instance (docs/spec/broker.md §5, §6, §8): the fixed `salt2` and `metadata`
 * schemas, partitioning, clustering and the de-duplicating views. The `alerts` and `DIASource`
 * schemas are derived from the survey's Avro schema by the alerts module and arrive through a
 * `TableSchemaProvider`, so this module never spells an alert field list.
 */
import type { Survey } from "../schema-maps/surveys.js";
import type { TableField } from "../bigquery/schema.js";
import { TABLE, type TableStub } from "../naming/catalogue.js";

/** The tables whose schema comes from the survey's Avro schema. */
export type AlertTable = typeof TABLE.alerts | typeof TABLE.diaSource;

/** Signature of the alerts module's `bigQueryTableSchema`. */
export type TableSchemaProvider = (
  survey: Survey,
  table: AlertTable,
  schemaVersion?: string,
) => TableField[];

/** The SALT2 parameters, in the order of the covariance matrix (row-major). */
export const SALT2_PARAMETERS = ["z", "t0", "x0", "x1", "c"] as const;

const nullable = (name: string, type: TableField["type"]): TableField => ({
  name,
  type,
  mode: "NULLABLE",
});
const required = (name: string, type: TableField["type"]): TableField => ({
  name,
  type,
  mode: "REQUIRED",
});

/**
 * docs/spec/broker.md §6: one row per fit, all nullable; then the fit's quality verdict (not in the spec:
 * `quality` 'good' or 'poor' and the reason codes of a poor one, docs/value-added.md).
 */
export function salt2TableSchema(): TableField[] {
  const p = SALT2_PARAMETERS;
  return [
    nullable("objectId", "STRING"),
    nullable("candid", "INTEGER"),
    nullable("success", "INTEGER"),
    nullable("ncall", "INTEGER"),
    nullable("chisq", "FLOAT"),
    nullable("ndof", "INTEGER"),
    ...p.map((name) => nullable(name, "FLOAT")),
    ...p.map((name) => nullable(`${name}_err`, "FLOAT")),
    ...p.flatMap((a) => p.map((b) => nullable(`${a}_${b}_cov`, "FLOAT"))),
    nullable("quality", "STRING"),
    { name: "quality_reasons", type: "STRING", mode: "REPEATED" },
  ];
}

/** docs/spec/broker.md §8: one row per night and stream, written by the night conductor at END. */
export function metadataTableSchema(): TableField[] {
  return [
    required("night", "DATE"),
    nullable("kafka_topic", "STRING"),
    required("stream", "STRING"),
    required("count", "INTEGER"),
    required("complete", "BOOLEAN"),
    nullable("first_kafka_timestamp", "TIMESTAMP"),
    nullable("last_kafka_timestamp", "TIMESTAMP"),
    nullable("first_publish_time", "TIMESTAMP"),
    nullable("last_publish_time", "TIMESTAMP"),
    required("collected_at", "TIMESTAMP"),
    nullable("latency_p50_s", "FLOAT"),
    nullable("latency_p90_s", "FLOAT"),
    nullable("latency_p99_s", "FLOAT"),
    nullable("latency_max_s", "FLOAT"),
  ];
}

/**
 * Top-level id columns of the alert tables per survey (docs/spec/broker.md §5, §10): the clustering
 * columns and the de-duplication key. LSST and ELAsTiCC alerts keep the object id nested, so
 * their `alerts` tables cluster on the source id only.
 */
const ALERT_ID_COLUMNS: Readonly<
  Record<Survey, Readonly<Record<AlertTable, { objectId?: string; sourceId: string }>>>
> = {
  ztf: {
    alerts: { objectId: "objectId", sourceId: "candid" },
    DIASource: { objectId: "objectId", sourceId: "candid" },
  },
  decat: {
    alerts: { objectId: "objectid", sourceId: "sourceid" },
    DIASource: { objectId: "objectid", sourceId: "sourceid" },
  },
  lsst: {
    alerts: { sourceId: "diaSourceId" },
    DIASource: { objectId: "diaObjectId", sourceId: "diaSourceId" },
  },
  elasticc: {
    alerts: { sourceId: "alertId" },
    DIASource: { objectId: "diaObjectId", sourceId: "diaSourceId" },
  },
};

/** How a table is laid out and de-duplicated. */
export interface TableLayout {
  /** DAY partitions; on `field` if set, else on ingestion time. */
  timePartitioning: { type: "DAY"; field?: string };
  clustering: string[];
  /** The dedup view keeps one row per `key`: the one ordered first by `orderBy`. */
  dedup: { key: string[]; orderBy: string };
}

export function tableLayout(survey: Survey, table: TableStub): TableLayout {
  switch (table) {
    case TABLE.alerts:
    case TABLE.diaSource: {
      const ids = ALERT_ID_COLUMNS[survey][table];
      return {
        timePartitioning: { type: "DAY" },
        clustering: ids.objectId === undefined ? [ids.sourceId] : [ids.objectId, ids.sourceId],
        dedup: { key: [ids.sourceId], orderBy: "_PARTITIONTIME DESC" },
      };
    }
    case TABLE.salt2:
      return {
        timePartitioning: { type: "DAY" },
        clustering: ["objectId", "candid"],
        dedup: { key: ["candid"], orderBy: "_PARTITIONTIME DESC" },
      };
    case TABLE.metadata:
      return {
        timePartitioning: { type: "DAY", field: "night" },
        clustering: ["stream"],
        dedup: { key: ["night", "stream"], orderBy: "collected_at DESC" },
      };
  }
}

/**
 * Standard SQL of the view that keeps the latest row per key. Duplicates come from at-least-once
 * delivery after BigQuery's best-effort insertId window; exact queries should read the view.
 */
export function dedupViewQuery(
  project: string,
  dataset: string,
  table: string,
  layout: TableLayout,
): string {
  const key = layout.dedup.key.map((c) => `\`${c}\``).join(", ");
  return (
    "SELECT * EXCEPT (_pgb_rank) FROM (\n" +
    `  SELECT *, ROW_NUMBER() OVER (PARTITION BY ${key} ORDER BY ${layout.dedup.orderBy}) AS _pgb_rank\n` +
    `  FROM \`${project}.${dataset}.${table}\`\n` +
    ")\nWHERE _pgb_rank = 1"
  );
}

/** Throws unless every column the layout names is a top-level field of the schema. */
export function checkLayout(table: string, schema: TableField[], layout: TableLayout): void {
  const names = new Set(schema.map((f) => f.name));
  const wanted = [
    ...layout.clustering,
    ...layout.dedup.key,
    ...(layout.timePartitioning.field === undefined ? [] : [layout.timePartitioning.field]),
  ];
  const missing = wanted.filter((c) => !names.has(c));
  if (missing.length > 0) {
    throw new Error(
      `BigQuery table "${table}": the schema has no top-level column(s) ${missing.join(", ")} ` +
        "needed for partitioning, clustering or de-duplication; the schema provider and the " +
        "instance model disagree on the survey's id columns",
    );
  }
}

/**
 * A schema provider for callers that need the model's names only (`pgb names`): the alert tables
 * get just their id columns. Never deploy with it.
 */
export const idColumnsOnlySchemas: TableSchemaProvider = (survey, table) => {
  const ids = ALERT_ID_COLUMNS[survey][table];
  return [ids.objectId, ids.sourceId]
    .filter((name): name is string => name !== undefined)
    .map((name) => nullable(name, "STRING"));
};
