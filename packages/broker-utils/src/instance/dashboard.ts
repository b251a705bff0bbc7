/**
 * The instance's Cloud Monitoring dashboard: what a night looks like at a glance. Every chart is a
 * filter on the instance's own resources (its topics, subscriptions, functions, dataset and
 * log-based metrics), aligned per minute, so one project can hold many instances' dashboards.
 */
import {
  DASHBOARD,
  DATA_TOPICS,
  FUNCTIONS,
  LOG_METRIC,
  type LogMetricStub,
  STREAM_FUNCTIONS,
} from "../naming/catalogue.js";
import type { InstanceNamer } from "../naming/names.js";
import type { DashboardChart, DashboardSpec } from "./types.js";

const oneOf = (values: readonly string[]) => `one_of(${values.map((v) => `"${v}"`).join(", ")})`;

const metric = (type: string, resource: string, match: string) =>
  `metric.type="${type}" AND resource.type="${resource}" AND ${match}`;

/** A per-minute count, summed per value of `by`. */
const perMinute = (title: string, filter: string, by: string): DashboardChart => ({
  title,
  filter,
  perSeriesAligner: "ALIGN_DELTA",
  crossSeriesReducer: "REDUCE_SUM",
  groupByFields: [by],
});

/** A gauge's largest value per minute, per value of `by`. */
const largest = (title: string, filter: string, by: string): DashboardChart => ({
  title,
  filter,
  perSeriesAligner: "ALIGN_MAX",
  crossSeriesReducer: "REDUCE_MAX",
  groupByFields: [by],
});

function pubsubCharts(n: InstanceNamer): DashboardChart[] {
  const topics = oneOf(DATA_TOPICS.map((t) => n.topic(t)));
  const processing = oneOf(FUNCTIONS.map((fn) => n.processingSubscription(fn)));
  const deadLetters = oneOf(FUNCTIONS.map((fn) => n.deadLetterReservoir(fn)));
  const sub = (type: string, subs: string) =>
    metric(
      `pubsub.googleapis.com/subscription/${type}`,
      "pubsub_subscription",
      `resource.labels.subscription_id=${subs}`,
    );
  const bySub = "resource.label.subscription_id";
  return [
    perMinute(
      "Alerts per minute per stream",
      metric(
        "pubsub.googleapis.com/topic/send_message_operation_count",
        "pubsub_topic",
        `resource.labels.topic_id=${topics}`,
      ),
      "resource.label.topic_id",
    ),
    largest(
      "Backlog per processing subscription (messages)",
      sub("num_undelivered_messages", processing),
      bySub,
    ),
    largest(
      "Oldest unacked message per processing subscription (s)",
      sub("oldest_unacked_message_age", processing),
      bySub,
    ),
    perMinute("Dead-lettered per minute", sub("dead_letter_message_count", processing), bySub),
    largest(
      "Dead-letter reservoirs (messages held)",
      sub("num_undelivered_messages", deadLetters),
      bySub,
    ),
  ];
}

function functionCharts(n: InstanceNamer): DashboardChart[] {
  const services = `resource.labels.service_name=${oneOf(STREAM_FUNCTIONS.map((fn) => n.function(fn)))}`;
  const requests = metric("run.googleapis.com/request_count", "cloud_run_revision", services);
  const byService = "resource.label.service_name";
  return [
    perMinute("Function executions per minute", requests, byService),
    perMinute(
      "Function errors per minute (non-2xx)",
      `${requests} AND NOT metric.labels.response_code_class="2xx"`,
      byService,
    ),
    {
      title: "Function latency p99 (ms)",
      filter: metric("run.googleapis.com/request_latencies", "cloud_run_revision", services),
      perSeriesAligner: "ALIGN_PERCENTILE_99",
      crossSeriesReducer: "REDUCE_MAX",
      groupByFields: [byService],
    },
  ];
}

/** The metric type of a log-based metric of the instance. */
function userMetric(n: InstanceNamer, stub: LogMetricStub): string {
  return `logging.googleapis.com/user/${n.logMetric(stub)}`;
}

export function instanceDashboard(n: InstanceNamer): DashboardSpec {
  return {
    stub: DASHBOARD.broker,
    displayName: n.dashboard(DASHBOARD.broker),
    component: "instance",
    charts: [
      ...pubsubCharts(n),
      {
        title: "Kafka lag of the consumer (messages, p99 of its stats lines)",
        filter: `metric.type="${userMetric(n, LOG_METRIC.kafkaLag)}" AND resource.type="gce_instance"`,
        perSeriesAligner: "ALIGN_PERCENTILE_99",
      },
      ...functionCharts(n),
      perMinute(
        "BigQuery rows per minute per table",
        metric(
          "bigquery.googleapis.com/storage/uploaded_row_count",
          "bigquery_dataset",
          `resource.labels.dataset_id="${n.dataset()}"`,
        ),
        "metric.label.table",
      ),
      perMinute(
        "SALT2 fits skipped per minute by reason",
        `metric.type="${userMetric(n, LOG_METRIC.salt2Skipped)}" AND resource.type="cloud_run_revision"`,
        "metric.label.reason",
      ),
    ],
  };
}
