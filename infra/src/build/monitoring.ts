import * as gcp from "@pulumi/gcp";
import type {
  AlertCondition,
  AlertPolicySpec,
  DashboardSpec,
  LogMetricSpec,
} from "@pgb/broker-utils/instance";
import { dashboardJson } from "../dashboard.js";
import { seconds, type BuildContext } from "./context.js";

export function buildLogMetrics(metrics: readonly LogMetricSpec[], c: BuildContext): void {
  for (const m of metrics) {
    c.resolve.logMetrics.push(
      new gcp.logging.Metric(
        m.name,
        {
          project: c.project,
          name: m.name,
          description: m.description,
          filter: m.filter,
          metricDescriptor: {
            metricKind: "DELTA",
            valueType: m.valueExtractor === undefined ? "INT64" : "DISTRIBUTION",
            unit: "1",
            labels: Object.keys(m.labelExtractors).map((key) => ({ key, valueType: "STRING" })),
          },
          labelExtractors: m.labelExtractors,
          ...(m.valueExtractor === undefined
            ? {}
            : {
                valueExtractor: m.valueExtractor,
                // 1, 2, 4 … 2^39 messages
                bucketOptions: {
                  exponentialBuckets: { numFiniteBuckets: 40, growthFactor: 2, scale: 1 },
                },
              }),
        },
        c.opts(),
      ),
    );
  }
}

function condition(cond: AlertCondition): gcp.types.input.monitoring.AlertPolicyCondition {
  if (cond.kind === "log") {
    return { displayName: cond.displayName, conditionMatchedLog: { filter: cond.filter } };
  }
  return {
    displayName: cond.displayName,
    conditionThreshold: {
      filter: cond.filter,
      comparison: "COMPARISON_GT",
      thresholdValue: cond.above,
      duration: seconds(cond.durationSeconds),
      aggregations: [
        { alignmentPeriod: seconds(cond.alignmentPeriodSeconds), perSeriesAligner: "ALIGN_MAX" },
      ],
    },
  };
}

export function buildAlertPolicies(policies: readonly AlertPolicySpec[], c: BuildContext): void {
  for (const p of policies) {
    new gcp.monitoring.AlertPolicy(
      p.displayName,
      {
        project: c.project,
        displayName: p.displayName,
        combiner: "OR",
        enabled: p.enabled,
        notificationChannels: p.notificationChannels,
        documentation: { content: p.documentation, mimeType: "text/markdown" },
        userLabels: c.labels,
        conditions: [condition(p.condition)],
        // Log-match conditions require a notification rate limit.
        ...(p.condition.kind === "log"
          ? { alertStrategy: { notificationRateLimit: { period: "300s" }, autoClose: "1800s" } }
          : {}),
      },
      c.opts(),
    );
  }
}

/** After the log metrics: charts of a log-based metric need it to exist. */
export function buildDashboards(dashboards: readonly DashboardSpec[], c: BuildContext): void {
  for (const d of dashboards) {
    new gcp.monitoring.Dashboard(
      d.displayName,
      { project: c.project, dashboardJson: dashboardJson(d) },
      c.opts({ dependsOn: c.resolve.logMetrics }),
    );
  }
}
