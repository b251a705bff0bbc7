/**
 * Monitoring of an instance: alert policies and log-based metrics, each planned by the component
 * it watches (the dashboard, over all of them, by the instance). The spec's single `cue-critical`
 * policy is two: GCP allows only one condition in a policy with a log-match condition, so the
 * dead-letter backlog has its own.
 */
import { ALERT_POLICY, FUNCTION, FUNCTIONS, LOG_METRIC, VM } from "../naming/catalogue.js";
import type { InstanceNamer } from "../naming/names.js";
import type { AlertPolicySpec, LogMetricSpec } from "./types.js";

/**
 * Values of the `event` field of log lines that log-based metrics count; the programs write them,
 * the metrics filter on them.
 */
export const LOG_EVENT = {
  salt2Skipped: "salt2-skipped",
  consumerStats: "consumer-stats",
} as const;

/** SALT2 fits value-added skipped, by reason. */
export function salt2SkippedMetric(n: InstanceNamer): LogMetricSpec {
  return {
    stub: LOG_METRIC.salt2Skipped,
    name: n.logMetric(LOG_METRIC.salt2Skipped),
    component: "valueAdded",
    description:
      "Alerts of the extragalactic stream whose SALT2 fit was skipped for data quality, by reason " +
      "(docs/spec/broker.md §6)",
    filter:
      `resource.type="cloud_run_revision" AND resource.labels.service_name="${n.function(FUNCTION.valueAdded)}"` +
      ` AND jsonPayload.event="${LOG_EVENT.salt2Skipped}"`,
    labelExtractors: { reason: "EXTRACT(jsonPayload.reason)" },
  };
}

/** The consumer's Kafka lag, from its periodic stats line. */
export function kafkaLagMetric(n: InstanceNamer): LogMetricSpec {
  return {
    stub: LOG_METRIC.kafkaLag,
    name: n.logMetric(LOG_METRIC.kafkaLag),
    component: "consumer",
    description:
      "Messages of the survey's Kafka topic the consumer has not yet published, summed over " +
      "partitions, from its periodic stats line",
    filter:
      `resource.type="gce_instance" AND labels."compute.googleapis.com/resource_name"="${n.vm(VM.consumer)}"` +
      ` AND jsonPayload.event="${LOG_EVENT.consumerStats}"`,
    labelExtractors: {},
    valueExtractor: "EXTRACT(jsonPayload.lagTotal)",
  };
}

/** The night's alert policies: a cue or VM in trouble, dead letters waiting. */
export function nightAlertPolicies(
  n: InstanceNamer,
  stack: string,
  channels: string[],
): AlertPolicySpec[] {
  const enabled = n.keywords.testid === null || channels.length > 0;
  const nightConductorVm = n.vm(VM.nightConductor);
  const cueServices = [FUNCTION.cue, FUNCTION.check]
    .map((fn) => `"${n.function(fn)}"`)
    .join(" OR ");
  const deadLetterReservoirs = FUNCTIONS.map((fn) => `"${n.deadLetterReservoir(fn)}"`).join(", ");
  return [
    {
      stub: ALERT_POLICY.cueCritical,
      displayName: n.alertPolicy(ALERT_POLICY.cueCritical),
      component: "nightConductor",
      condition: {
        displayName: "CRITICAL log of a cue function or the night conductor",
        kind: "log",
        filter:
          `severity>=CRITICAL AND ((resource.type="cloud_run_revision" AND resource.labels.service_name=(${cueServices}))` +
          ` OR (resource.type="gce_instance" AND labels."compute.googleapis.com/resource_name"="${nightConductorVm}"))`,
      },
      notificationChannels: channels,
      enabled,
      documentation: `The night of broker ${stack} needs attention: a cue was invalid or a VM is in the wrong state. See the log entry.`,
    },
    {
      stub: ALERT_POLICY.deadLetterBacklog,
      displayName: n.alertPolicy(ALERT_POLICY.deadLetterBacklog),
      component: "nightConductor",
      condition: {
        displayName: "messages in a dead-letter reservoir",
        kind: "threshold",
        filter:
          'resource.type="pubsub_subscription" AND metric.type="pubsub.googleapis.com/subscription/num_undelivered_messages"' +
          ` AND resource.labels.subscription_id=one_of(${deadLetterReservoirs})`,
        above: 0,
        durationSeconds: 0,
        alignmentPeriodSeconds: 300,
      },
      notificationChannels: channels,
      enabled,
      documentation: `Broker ${stack} dead-lettered messages: inspect and replay them with \`pgb deadletter\`.`,
    },
  ];
}
