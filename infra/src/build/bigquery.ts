import * as gcp from "@pulumi/gcp";
import type { DatasetSpec, TableSpec, ViewSpec } from "@pgb/broker-utils/instance";
import { protection, type BuildContext } from "./context.js";

export function buildDataset(d: DatasetSpec, c: BuildContext): void {
  c.resolve.datasets.set(
    d.name,
    new gcp.bigquery.Dataset(
      d.name,
      {
        project: c.project,
        datasetId: d.name,
        location: d.location,
        deleteContentsOnDestroy: !d.protect,
        labels: c.labels,
      },
      c.opts(protection(d.protect)),
    ),
  );
}

export function buildTables(tables: readonly TableSpec[], c: BuildContext): void {
  for (const t of tables) {
    c.resolve.tables.set(
      t.name,
      new gcp.bigquery.Table(
        `${t.dataset}.${t.name}`,
        {
          project: c.project,
          datasetId: c.resolve.datasets.get(t.dataset).datasetId,
          tableId: t.name,
          schema: JSON.stringify(t.schema),
          timePartitioning: t.timePartitioning,
          clusterings: t.clustering,
          deletionProtection: t.protect,
          labels: c.labels,
        },
        c.opts(protection(t.protect)),
      ),
    );
  }
}

export function buildViews(views: readonly ViewSpec[], c: BuildContext): void {
  for (const v of views) {
    new gcp.bigquery.Table(
      `${v.dataset}.${v.name}`,
      {
        project: c.project,
        datasetId: c.resolve.datasets.get(v.dataset).datasetId,
        tableId: v.name,
        view: { query: v.query, useLegacySql: false },
        // A view holds no data: it can always be dropped and recreated.
        deletionProtection: false,
        labels: c.labels,
      },
      c.opts({ dependsOn: [c.resolve.tables.get(v.table)] }),
    );
  }
}
