/**
 * Cloud Function bq-sink: the CloudEvent adapter around the bq-sink handler. The clients and the
 * table-metadata cache are made at the first event and live as long as the instance, so table
 * schemas are fetched once per process (the reference broker fetched them per insert and hit
 * BigQuery's 100 requests/s metadata quota).
 */
import * as ff from "@google-cloud/functions-framework";
import type { AlertTable } from "@pgb/broker-utils/alerts";
import type { SchemaField } from "@pgb/broker-utils/bigquery";
import {
  bigqueryClient,
  createPublisher,
  insertRows,
  pubsubClient,
  TableMetadataCache,
} from "@pgb/broker-utils/gcp";
import { ENV, FUNCTION_ENTRY_POINT, readEnv } from "@pgb/broker-utils/instance";
import { createLogger } from "@pgb/broker-utils/log";
import { FUNCTION } from "@pgb/broker-utils/naming";
import { createCloudEventHandler, type PubSubCloudEvent } from "@pgb/broker-utils/runtime";
import { isSurvey } from "@pgb/broker-utils/schema-maps";
import { createBqSinkHandler } from "./handler.js";

function build() {
  const env = readEnv(FUNCTION.bqSink);
  const project = env[ENV.project];
  const survey = env[ENV.survey];
  if (!isSurvey(survey)) {
    throw new Error(
      `${ENV.survey}=${survey} has no schema map; the instance model sets a known survey`,
    );
  }
  const bigquery = bigqueryClient(project);
  const metadata = new TableMetadataCache(bigquery);
  const dataset = env[ENV.bqDataset];
  const tables: Record<AlertTable, string> = {
    alerts: env[ENV.bqAlertsTable],
    DIASource: env[ENV.bqDiaSourceTable],
  };
  const deadLetter = createPublisher(pubsubClient(project), env[ENV.deadLetterTopic]);
  const handler = createBqSinkHandler({
    survey,
    tables,
    // tables.get returns the schema's fields in the shape SchemaField describes
    schema: async (table) =>
      (await metadata.get(dataset, tables[table])).schema.fields as SchemaField[],
    insert: (table, row) => insertRows(bigquery, dataset, tables[table], [row]),
  });
  return createCloudEventHandler(handler, {
    stage: FUNCTION.bqSink,
    log: createLogger(),
    deadLetter: (data, attributes) => deadLetter.publish(data, attributes),
  });
}

let adapter: ReturnType<typeof build> | undefined;

ff.cloudEvent(FUNCTION_ENTRY_POINT[FUNCTION.bqSink], async (event: PubSubCloudEvent) => {
  adapter ??= build();
  await adapter(event);
});
