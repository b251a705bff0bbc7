/**
 * The backlog port: how many messages wait in a subscription. On Google Cloud it is Cloud
 * Monitoring's `pubsub.googleapis.com/subscription/num_undelivered_messages` (newest point of the
 * last 10 minutes; the metric lags by minutes and may have gaps, so a subscription without a point
 * reads null = unknown). A local instance has no such metric: its harness provides another port
 * (`localHarness()` of @pgb/compute).
 */
import type { protos } from "@google-cloud/monitoring";
import { assertSafeClientEnvironment } from "@pgb/broker-utils/gcp";
import type { BacklogPort, BacklogReading } from "@pgb/compute";

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
