/**
 * The night-conductor component: the scheduler's START/END cues, the functions that act on them
 * and check the result, and the VM that starts and stops the consumer and counts the night's
 * messages on its counter subscriptions.
 */
import {
  BUCKET,
  CUSTOM_ROLE,
  DATA_TOPICS,
  FUNCTION,
  SCHEDULER_JOB,
  STREAM_FUNCTIONS,
  TABLE,
  TOPIC,
  VM,
} from "../../naming/catalogue.js";
import { OBJECT_PREFIX } from "../../naming/objects.js";
import { ENV } from "../env.js";
import { accountMember, agentMember, granter, objectPrefixCondition, on } from "../iam.js";
import { nightAlertPolicies } from "../monitoring.js";
import type { IamGrant, SchedulerJobSpec, SubscriptionSpec } from "../types.js";
import { DAY, DEFAULTS, type PlanContext } from "./context.js";
import { planFunction } from "./function.js";
import { mergeSlices, type ModelSlice } from "./slice.js";
import { planVm } from "./vm.js";

function nightConductorEnv(ctx: PlanContext): Record<string, string> {
  const { n } = ctx;
  return {
    [ENV.zone]: ctx.zone,
    [ENV.consumerVm]: n.vm(VM.consumer),
    [ENV.nightConductorVm]: n.vm(VM.nightConductor),
    [ENV.bqDataset]: n.dataset(),
    [ENV.bqMetadataTable]: n.table(TABLE.metadata),
    [ENV.processingSubscriptions]: STREAM_FUNCTIONS.map((fn) => n.processingSubscription(fn)).join(
      ",",
    ),
    [ENV.counterSubscriptions]: JSON.stringify(
      Object.fromEntries(DATA_TOPICS.map((t) => [t, n.counterSubscription(t)])),
    ),
    [ENV.drainTimeoutMinutes]: String(
      ctx.input.drainTimeoutMinutes ?? DEFAULTS.drainTimeoutMinutes,
    ),
  };
}

function counterSubscriptions(ctx: PlanContext): SubscriptionSpec[] {
  return DATA_TOPICS.map((t) => ({
    stub: `${t}-counter`,
    name: ctx.n.counterSubscription(t),
    component: "nightConductor",
    purpose: "counter",
    topic: ctx.n.topic(t),
    ackDeadlineSeconds: 60,
    messageRetentionSeconds: 7 * DAY,
    retainAckedMessages: false,
    neverExpires: true,
    protect: false,
  }));
}

function schedulerJobs(ctx: PlanContext): SchedulerJobSpec[] {
  return [
    [SCHEDULER_JOB.start, "0 4 * * *", "START"] as const,
    [SCHEDULER_JOB.end, "55 13 * * *", "END"] as const,
  ].map(([stub, schedule, data]) => ({
    stub,
    name: ctx.n.schedulerJob(stub),
    component: "nightConductor",
    region: ctx.region,
    schedule,
    timeZone: "UTC",
    topic: ctx.n.topic(TOPIC.cue),
    data,
    paused: !ctx.production,
  }));
}

/** Starting, stopping and checking the VMs, reading the counters, writing the night's summary. */
function nightConductorGrants(ctx: PlanContext): IamGrant[] {
  const { n, zone } = ctx;
  const grant = granter("nightConductor");
  const nc = accountMember(n, "nc");
  const cue = accountMember(n, "cue");
  const chk = accountMember(n, "chk");
  const brokerFiles = n.bucket(BUCKET.brokerFiles);
  const vmOperator = n.customRoleName(CUSTOM_ROLE.vmOperator);
  const vmReader = n.customRoleName(CUSTOM_ROLE.vmReader);
  const ncVm = on.vm(n.vm(VM.nightConductor), zone);
  return [
    ...DATA_TOPICS.map((t) =>
      grant(
        nc,
        "roles/pubsub.subscriber",
        on.subscription(n.counterSubscription(t)),
        "pulls, acknowledges and seeks the counter",
      ),
    ),
    grant(
      nc,
      "roles/storage.objectUser",
      on.bucket(brokerFiles),
      "writes (and on a rerun overwrites) the night's summary",
      objectPrefixCondition("night-summaries-only", brokerFiles, OBJECT_PREFIX.nightSummaries),
    ),
    ...[n.vm(VM.consumer), n.vm(VM.nightConductor)].flatMap((vm) => [
      grant(
        nc,
        vmOperator,
        on.vm(vm, zone),
        "starts and stops the consumer, sets its topic and clears its own NIGHT",
      ),
      grant(chk, vmReader, on.vm(vm, zone), "checks the VMs' state after a cue"),
    ]),
    grant(cue, vmOperator, ncVm, "sets the night conductor's NIGHT and KAFKA_TOPIC and starts it"),
    grant(
      nc,
      "roles/iam.serviceAccountUser",
      on.account("cons"),
      "starts the consumer VM, which runs as cons",
    ),
    grant(
      cue,
      "roles/iam.serviceAccountUser",
      on.account("nc"),
      "starts the night-conductor VM, which runs as nc",
    ),
    ...(ctx.serviceAgents === null
      ? []
      : [
          grant(
            agentMember(ctx.serviceAgents, "cloudScheduler"),
            "roles/pubsub.publisher",
            on.topic(n.topic(TOPIC.cue)),
            "publishes the scheduled cues",
          ),
        ]),
  ];
}

export function planNightConductor(ctx: PlanContext): ModelSlice {
  const { n, zone } = ctx;
  const ncVm = n.vm(VM.nightConductor);
  const topicSyntax = ctx.kafka.topicSyntax;
  return mergeSlices(
    planVm(ctx, VM.nightConductor, nightConductorEnv(ctx)),
    planFunction(ctx, FUNCTION.cue, {
      [ENV.zone]: zone,
      [ENV.nightConductorVm]: ncVm,
      ...(topicSyntax ? { [ENV.kafkaTopicSyntax]: topicSyntax } : {}),
    }),
    planFunction(ctx, FUNCTION.check, {
      [ENV.zone]: zone,
      [ENV.nightConductorVm]: ncVm,
      [ENV.consumerVm]: n.vm(VM.consumer),
    }),
    {
      topics: [{ stub: TOPIC.cue, name: n.topic(TOPIC.cue), component: "nightConductor" }],
      subscriptions: counterSubscriptions(ctx),
      schedulerJobs: schedulerJobs(ctx),
      alertPolicies: nightAlertPolicies(n, ctx.stack, ctx.input.notificationChannels ?? []),
      iam: nightConductorGrants(ctx),
    },
  );
}
