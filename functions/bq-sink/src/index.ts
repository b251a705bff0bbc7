/**
 * Cloud Function bq-sink: the bq-sink handler on the broker's function runtime. The table-metadata
 * cache lives as long as the instance, so table schemas are fetched once per process (the reference
 * broker fetched them per insert and hit BigQuery's 100 requests/s metadata quota).
 */
import * as ff from "@google-cloud/functions-framework";
import type { AlertTable } from "@pgb/broker-utils/alerts";
import type { SchemaField } from "@pgb/broker-utils/bigquery";
import {
  bigqueryClient,
  insertRows,
  storageClient,
  TableMetadataCache,
} from "@pgb/broker-utils/gcp";
import { ENV } from "@pgb/broker-utils/instance";
import { FUNCTION } from "@pgb/broker-utils/naming";
import { bucketAlertSource, registerBrokerFunction } from "@pgb/function-runtime";
import { createBqSinkHandler } from "./handler.js";

registerBrokerFunction(ff.cloudEvent, FUNCTION.bqSink, ({ env, project, survey }) => {
  const bigquery = bigqueryClient(project);
  const metadata = new TableMetadataCache(bigquery);
  const dataset = env[ENV.bqDataset];
  const tables: Record<AlertTable, string> = {
    alerts: env[ENV.bqAlertsTable],
    DIASource: env[ENV.bqDiaSourceTable],
  };
  return createBqSinkHandler({
    survey,
    alerts: bucketAlertSource(storageClient(project), env[ENV.alertAvrosBucket]),
    tables,
    // tables.get returns the schema's fields in the shape SchemaField describes
    schema: async (table) =>
      (await metadata.get(dataset, tables[table])).schema.fields as SchemaField[],
    insert: (table, row) => insertRows(bigquery, dataset, tables[table], [row]),
  });
});
