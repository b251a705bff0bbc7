/**
 * One function of the instance with what it cannot run without: its service account, its
 * processing subscription (push, retried with backoff, then dead-lettered), its dead-letter topic
 * and reservoir, and the grants that wiring needs. The component that owns the function passes
 * the environment it alone knows.
 */
import {
  FUNCTION,
  FUNCTION_TRIGGER,
  FUNCTIONS,
  type FunctionStub,
  type ServiceAccountRole,
} from "../../naming/catalogue.js";
import { functionId } from "../../naming/names.js";
import { ENV } from "../env.js";
import { accountMember, agentMember, granter, on } from "../iam.js";
import type { ComponentId, FunctionSpec, IamGrant } from "../types.js";
import { serviceAccount } from "./account.js";
import { DAY, type PlanContext } from "./context.js";
import type { ModelSlice } from "./slice.js";

/** Processing: Pub/Sub retries with backoff, then dead-letters (docs/spec/broker.md §2). */
const RETRY = { maxDeliveryAttempts: 5, minimumBackoffSeconds: 10, maximumBackoffSeconds: 600 };
/** Time a push delivery may take beyond the function timeout before Pub/Sub redelivers. */
const ACK_MARGIN_SECONDS = 60;
const MAX_ACK_DEADLINE_SECONDS = 600;

interface FunctionSettings {
  component: ComponentId;
  role: ServiceAccountRole;
  /** What the function's service account is for, as the console shows it. */
  account: string;
  entryPoint: string;
  memory: string;
  cpu: string;
  timeoutSeconds: number;
  /** Requests one instance serves at once (Cloud Run's concurrency). */
  concurrency: number;
  /** The cue functions handle one cue at a time. */
  singleInstance: boolean;
}

/**
 * The stream functions' concurrency: each alert mostly waits on I/O (a Cloud Storage write or read,
 * BigQuery inserts, Pub/Sub publishes; their own CPU is 0.2–0.7 ms an alert, a fitted one ~30 ms),
 * so 8 requests share an instance's vCPU. The cost model prices the instance at 0.86–0.90× the
 * reference design with it, 1.11–1.12× without (docs/cost.md); bench/storage measured the handlers
 * at concurrency 8 (docs/performance.md). The handlers keep no per-request state outside a call.
 */
const STREAM_CONCURRENCY = 8;

/**
 * Per-function runtime settings: timeouts from docs/spec/broker.md §2; memory and concurrency from
 * the measured CPU and peak memory per function (docs/functions.md, "Sizes").
 */
const FUNCTION_SETTINGS: Readonly<Record<FunctionStub, FunctionSettings>> = {
  [FUNCTION.upload]: {
    component: "avroStorage",
    role: "up",
    account: "function upload-bytes-to-bucket",
    entryPoint: "uploadBytesToBucket",
    memory: "512Mi",
    cpu: "1",
    timeoutSeconds: 60,
    concurrency: STREAM_CONCURRENCY,
    singleInstance: false,
  },
  [FUNCTION.bqSink]: {
    component: "bigQueryStorage",
    role: "bq",
    account: "function bq-sink",
    entryPoint: "bqSink",
    memory: "512Mi",
    cpu: "1",
    timeoutSeconds: 60,
    concurrency: STREAM_CONCURRENCY,
    singleInstance: false,
  },
  [FUNCTION.valueAdded]: {
    component: "valueAdded",
    role: "va",
    account: "function value-added",
    entryPoint: "valueAdded",
    memory: "1Gi",
    cpu: "1",
    timeoutSeconds: 300,
    concurrency: STREAM_CONCURRENCY,
    singleInstance: false,
  },
  [FUNCTION.cue]: {
    component: "nightConductor",
    role: "cue",
    account: "function cue-night-conductor",
    entryPoint: "cueNightConductor",
    memory: "256Mi",
    cpu: "1",
    timeoutSeconds: 300,
    concurrency: 1,
    singleInstance: true,
  },
  [FUNCTION.check]: {
    component: "nightConductor",
    role: "chk",
    account: "function check-cue-response (reads only)",
    entryPoint: "checkCueResponse",
    memory: "256Mi",
    cpu: "1",
    timeoutSeconds: 540,
    concurrency: 1,
    singleInstance: true,
  },
};

/** The Cloud Functions entry point each function's adapter registers with the Functions Framework. */
export const FUNCTION_ENTRY_POINT: Readonly<Record<FunctionStub, string>> = Object.fromEntries(
  FUNCTIONS.map((fn) => [fn, FUNCTION_SETTINGS[fn].entryPoint]),
) as Record<FunctionStub, string>;

function functionSpec(
  ctx: PlanContext,
  fn: FunctionStub,
  env: Record<string, string>,
): FunctionSpec {
  const { n } = ctx;
  const s = FUNCTION_SETTINGS[fn];
  const deadLetterTopic = n.deadLetterTopic(fn);
  return {
    stub: fn,
    name: n.function(fn),
    component: s.component,
    sourceDir: `functions/${functionId(fn)}`,
    entryPoint: s.entryPoint,
    runtime: "nodejs22",
    memory: s.memory,
    cpu: s.cpu,
    timeoutSeconds: s.timeoutSeconds,
    maxInstances: s.singleInstance ? 1 : ctx.maxInstances,
    concurrency: s.concurrency,
    env: { ...ctx.commonEnv, [ENV.deadLetterTopic]: deadLetterTopic, ...env },
    serviceAccount: s.role,
    trigger: { topic: n.topic(FUNCTION_TRIGGER[fn]), subscription: n.processingSubscription(fn) },
    deadLetterTopic,
    retry: RETRY,
  };
}

function functionGrants(ctx: PlanContext, f: FunctionSpec): IamGrant[] {
  const { n, region, serviceAgents } = ctx;
  const grant = granter(f.component);
  const grants = [
    grant(
      accountMember(n, "push"),
      "roles/run.invoker",
      on.function(f.name, region),
      "push subscriptions call the function with an OIDC token of push",
    ),
    grant(
      accountMember(n, f.serviceAccount),
      "roles/pubsub.publisher",
      on.topic(f.deadLetterTopic),
      "dead-letters bad input at once, with the reason",
    ),
  ];
  if (serviceAgents === null) return grants;
  return [
    ...grants,
    grant(
      agentMember(serviceAgents, "pubsub"),
      "roles/pubsub.publisher",
      on.topic(f.deadLetterTopic),
      "forwards undeliverable messages to the dead-letter topic",
    ),
    grant(
      agentMember(serviceAgents, "pubsub"),
      "roles/pubsub.subscriber",
      on.subscription(f.trigger.subscription),
      "acknowledges dead-lettered messages on the processing subscription",
    ),
  ];
}

/** Function `fn` of its component, with `env` added to the environment every program gets. */
export function planFunction(
  ctx: PlanContext,
  fn: FunctionStub,
  env: Record<string, string>,
): ModelSlice {
  const { n, production } = ctx;
  const s = FUNCTION_SETTINGS[fn];
  const f = functionSpec(ctx, fn, env);
  return {
    serviceAccounts: [serviceAccount(ctx, s.role, s.component, s.account)],
    functions: [f],
    topics: [
      {
        stub: `${functionId(fn)}-deadletter`,
        name: f.deadLetterTopic,
        component: s.component,
        deadLetterOf: fn,
      },
    ],
    subscriptions: [
      {
        stub: `${FUNCTION_TRIGGER[fn]}-${functionId(fn)}`,
        name: f.trigger.subscription,
        component: s.component,
        purpose: "processing",
        topic: f.trigger.topic,
        ackDeadlineSeconds: Math.min(
          s.timeoutSeconds + ACK_MARGIN_SECONDS,
          MAX_ACK_DEADLINE_SECONDS,
        ),
        messageRetentionSeconds: 7 * DAY,
        retainAckedMessages: false,
        neverExpires: true,
        push: { function: f.name, oidcServiceAccount: "push" },
        deadLetter: { topic: f.deadLetterTopic, maxDeliveryAttempts: RETRY.maxDeliveryAttempts },
        retry: {
          minimumBackoffSeconds: RETRY.minimumBackoffSeconds,
          maximumBackoffSeconds: RETRY.maximumBackoffSeconds,
        },
        protect: false,
      },
      {
        stub: `${functionId(fn)}-deadletter-reservoir`,
        name: n.deadLetterReservoir(fn),
        component: s.component,
        purpose: "deadLetterReservoir",
        topic: f.deadLetterTopic,
        ackDeadlineSeconds: 60,
        messageRetentionSeconds: 31 * DAY,
        retainAckedMessages: false,
        neverExpires: true,
        protect: production,
      },
    ],
    iam: functionGrants(ctx, f),
  };
}
