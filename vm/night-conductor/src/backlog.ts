/**
 * The backlog port: how many messages wait in a subscription. On Google Cloud it is Cloud
 * Monitoring's `pubsub.googleapis.com/subscription/num_undelivered_messages` (newest point of the
 * last 10 minutes; the metric lags by minutes and may have gaps, so a subscription without a point
 * reads null = unknown). A local instance has no such metric (see LocalPushBacklog).
 */
import type { protos } from "@google-cloud/monitoring";
import { assertSafeClientEnvironment } from "@pgb/broker-utils/gcp";
import { pidExists, readPushActivity } from "@pgb/compute";

/** Subscription → messages waiting, or null when unknown. */
export type BacklogReading = Map<string, number | null>;

export interface BacklogPort {
  read(subscriptions: readonly string[]): Promise<BacklogReading>;
  close(): Promise<void>;
}

type TimeSeries = protos.google.monitoring.v3.ITimeSeries;
type ListTimeSeriesRequest = protos.google.monitoring.v3.IListTimeSeriesRequest;

/** The part of `MetricServiceClient` the port uses (tests pass a fake). */
export interface MetricApi {
  listTimeSeries(request: ListTimeSeriesRequest): Promise<readonly [TimeSeries[], ...unknown[]]>;
  close(): Promise<void>;
}

export const BACKLOG_METRIC = "pubsub.googleapis.com/subscription/num_undelivered_messages";
const WINDOW_SECONDS = 600;

/** The Monitoring filter of the backlog of `subscriptions`. */
export function backlogFilter(subscriptions: readonly string[]): string {
  const ids = subscriptions.map((s) => JSON.stringify(s)).join(", ");
  return (
    `metric.type = "${BACKLOG_METRIC}" AND resource.type = "pubsub_subscription" AND ` +
    `resource.labels.subscription_id = one_of(${ids})`
  );
}

function pointValue(series: TimeSeries): number | null {
  // points come newest first
  const value = series.points?.[0]?.value;
  const raw = value?.int64Value ?? value?.doubleValue;
  if (raw === null || raw === undefined) return null;
  const n = Number(String(raw));
  return Number.isFinite(n) ? n : null;
}

export class MonitoringBacklog implements BacklogPort {
  private client: Promise<MetricApi> | undefined;

  constructor(
    private readonly project: string,
    private readonly api?: MetricApi,
    private readonly now: () => number = Date.now,
  ) {}

  private metrics(): Promise<MetricApi> {
    this.client ??= (async () => {
      if (this.api) return this.api;
      assertSafeClientEnvironment();
      const { MetricServiceClient } = await import("@google-cloud/monitoring");
      return new MetricServiceClient() as unknown as MetricApi;
    })();
    return this.client;
  }

  async read(subscriptions: readonly string[]): Promise<BacklogReading> {
    const reading: BacklogReading = new Map(subscriptions.map((s) => [s, null]));
    if (subscriptions.length === 0) return reading;
    const end = Math.floor(this.now() / 1000);
    const [series] = await (
      await this.metrics()
    ).listTimeSeries({
      name: `projects/${this.project}`,
      filter: backlogFilter(subscriptions),
      interval: { startTime: { seconds: end - WINDOW_SECONDS }, endTime: { seconds: end } },
      view: "FULL",
    });
    for (const s of series) {
      const id = s.resource?.labels?.["subscription_id"];
      if (id !== undefined && reading.has(id)) reading.set(id, pointValue(s));
    }
    return reading;
  }

  async close(): Promise<void> {
    if (this.client) await (await this.client).close();
  }
}

/**
 * The local backlog port. The Pub/Sub emulator has no backlog metric, and a push subscription
 * cannot be peeked: a pull would take the message from the function. What is observable is what
 * the local instance records of the pushes to each function process (`PushActivityRecorder` of
 * @pgb/compute). A reading is therefore an indicator, not a count: the pushes in flight, plus 1
 * when a push arrived since the previous reading. Zero means "nothing being processed and nothing
 * delivered for a whole poll interval". Not visible: messages the emulator holds back for a retry
 * (after a failed push) or cannot deliver (function process down). Without a record (no recorder,
 * or its process is gone) and for pull subscriptions (the counters) the reading is null (unknown).
 */
export class LocalPushBacklog implements BacklogPort {
  private readonly since = new Map<string, number>();

  constructor(
    private readonly stateDir: string,
    /** A delivery this long before the first reading still counts as activity. */
    private readonly firstWindowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async read(subscriptions: readonly string[]): Promise<BacklogReading> {
    const reading: BacklogReading = new Map();
    const now = this.now();
    for (const subscription of subscriptions) {
      const record = await readPushActivity(this.stateDir, subscription);
      if (!record || !pidExists(record.pid)) {
        reading.set(subscription, null);
        continue;
      }
      const since = this.since.get(subscription) ?? now - this.firstWindowMs;
      const last = record.lastDeliveryAt === null ? -Infinity : Date.parse(record.lastDeliveryAt);
      reading.set(subscription, record.inFlight + (last >= since ? 1 : 0));
      this.since.set(subscription, now);
    }
    return reading;
  }

  async close(): Promise<void> {}
}
