/**
 * Monitoring of an instance: alert policies and log-based metrics, each planned by the component
 * it watches (the dashboard, over all of them, by the instance). The spec's single `cue-critical`
 * policy is two: GCP allows only one condition in a policy with a log-match condition, so the
 * dead-letter backlog has its own; a VM whose startup script failed has a third.
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
  /** Written by a VM's startup script when the boot fails (infra/src/startup-script.ts). */
  vmBootFailed: "vm-boot-failed",
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

/** Alert policies are on in production, and in a test instance that names notification channels. */
function policiesEnabled(n: InstanceNamer, channels: readonly string[]): boolean {
  return n.keywords.testid === null || channels.length > 0;
}

/** The night's alert policies: a cue or VM in trouble, dead letters waiting. */
export function nightAlertPolicies(
  n: InstanceNamer,
  stack: string,
  channels: string[],
): AlertPolicySpec[] {
  const enabled = policiesEnabled(n, channels);
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

/**
 * A VM's boot failed. The startup script's line reaches Cloud Logging through the guest agent
 * (log `google_metadata_script_runner`, the script's output in `jsonPayload.message`, severity
 * INFO), not the Ops Agent, which may be what failed; so the filter matches the line's text, and
 * its `"vm":"<name>"` keeps it to this instance's VMs.
 */
export function vmBootFailedPolicy(
  n: InstanceNamer,
  stack: string,
  channels: string[],
): AlertPolicySpec {
  const vms = Object.values(VM)
    .map((vm) => `"\\"vm\\":\\"${n.vm(vm)}\\""`)
    .join(" OR ");
  return {
    stub: ALERT_POLICY.vmBootFailed,
    displayName: n.alertPolicy(ALERT_POLICY.vmBootFailed),
    component: "instance",
    condition: {
      displayName: "a VM's startup script failed",
      kind: "log",
      filter:
        `resource.type="gce_instance" AND jsonPayload.message:"\\"event\\":\\"${LOG_EVENT.vmBootFailed}\\""` +
        ` AND jsonPayload.message:(${vms})`,
    },
    notificationChannels: channels,
    enabled: policiesEnabled(n, channels),
    documentation:
      `A VM of broker ${stack} failed to boot and powers itself off; the log entry names the step ` +
      "(ops-agent, node-runtime, bundle, start-program). Its serial console and the " +
      "`google_metadata_script_runner` log hold the script's output (docs/deploy.md).",
  };
}
