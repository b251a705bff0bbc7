/**
 * The BigQuery storage component: the dataset, its tables and de-duplicating views, the bq-sink
 * function that inserts the alert rows, and row-insert grants on each table to its writer.
 */
import {
  BUCKET,
  CUSTOM_ROLE,
  FUNCTION,
  TABLE,
  type ServiceAccountRole,
  type TableStub,
} from "../../naming/catalogue.js";
import { ENV } from "../env.js";
import { accountMember, granter, on } from "../iam.js";
import {
  checkLayout,
  dedupViewQuery,
  metadataTableSchema,
  salt2TableSchema,
  tableLayout,
} from "../tables.js";
import type { TableSpec } from "../types.js";
import type { PlanContext } from "./context.js";
import { planFunction } from "./function.js";
import { mergeSlices, type ModelSlice } from "./slice.js";

/** Who inserts rows into each table, and why. */
const TABLE_WRITERS: Readonly<Record<TableStub, [ServiceAccountRole, string]>> = {
  [TABLE.alerts]: ["bq", `inserts rows into ${TABLE.alerts}`],
  [TABLE.diaSource]: ["bq", `inserts rows into ${TABLE.diaSource}`],
  [TABLE.salt2]: ["va", "inserts SALT2 fits"],
  [TABLE.metadata]: ["nc", "records the night"],
};

function tableSpec(ctx: PlanContext, stub: TableStub): TableSpec {
  const { n, input } = ctx;
  const { survey } = ctx.keywords;
  const name = n.table(stub);
  const schema =
    stub === TABLE.salt2
      ? salt2TableSchema()
      : stub === TABLE.metadata
        ? metadataTableSchema()
        : input.tableSchemas(survey, stub, input.schemaVersion);
  const layout = tableLayout(survey, stub);
  checkLayout(name, schema, layout);
  return {
    stub,
    name,
    dataset: n.dataset(),
    component: "bigQueryStorage",
    schema,
    protect: ctx.production,
    ...layout,
  };
}

export function planBigQueryStorage(ctx: PlanContext): ModelSlice {
  const { n } = ctx;
  const { project } = ctx.keywords;
  const dataset = n.dataset();
  const tables = Object.values(TABLE).map((stub) => tableSpec(ctx, stub));
  const grant = granter("bigQueryStorage");
  const rowWriter = n.customRoleName(CUSTOM_ROLE.rowWriter);
  const env = {
    [ENV.alertAvrosBucket]: n.bucket(BUCKET.alertAvros),
    [ENV.bqDataset]: dataset,
    [ENV.bqAlertsTable]: n.table(TABLE.alerts),
    [ENV.bqDiaSourceTable]: n.table(TABLE.diaSource),
  };
  return mergeSlices(planFunction(ctx, FUNCTION.bqSink, env), {
    dataset: {
      name: dataset,
      component: "bigQueryStorage",
      location: ctx.dataLocation,
      protect: ctx.production,
    },
    tables,
    views: tables.map((t) => ({
      name: n.dedupView(t.stub),
      dataset,
      table: t.name,
      query: dedupViewQuery(project, dataset, t.name, t),
      component: "bigQueryStorage",
    })),
    iam: tables.map((t) => {
      const [writer, reason] = TABLE_WRITERS[t.stub];
      return grant(accountMember(n, writer), rowWriter, on.table(dataset, t.name), reason);
    }),
  });
}
