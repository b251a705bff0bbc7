/**
 * The numbers of the periodic stats line: throughput, publish latency quantiles and lag, over the
 * window since the previous line.
 */

/** The q-quantile (0..1) of ascending values by the nearest-rank method; undefined when empty. */
export function quantile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

export interface StatsSnapshot {
  windowSeconds: number;
  alerts: number;
  alertsPerSecond: number;
  bytesPerSecond: number;
  /** Publish call → Pub/Sub acknowledgement, ms; null when nothing was published. */
  publishLatencyMs: { p50: number | null; p99: number | null };
  decodeFailures: number;
  rejected: number;
}

/** Counts of one stats window; `snapshot` reports and starts the next window. */
export class StatsWindow {
  private start: number;
  private alerts = 0;
  private bytes = 0;
  private latencies: number[] = [];
  private decodeFailures = 0;
  private rejected = 0;

  constructor(now: number) {
    this.start = now;
  }

  published(bytes: number, latencyMs: number): void {
    this.alerts++;
    this.bytes += bytes;
    this.latencies.push(latencyMs);
  }

  decodeFailed(): void {
    this.decodeFailures++;
  }

  rejectedOne(bytes: number): void {
    this.rejected++;
    this.alerts++;
    this.bytes += bytes;
  }

  snapshot(now: number): StatsSnapshot {
    const seconds = Math.max((now - this.start) / 1000, 1e-3);
    const sorted = this.latencies.sort((a, b) => a - b);
    const round = (v: number | undefined): number | null =>
      v === undefined ? null : Math.round(v * 10) / 10;
    const out: StatsSnapshot = {
      windowSeconds: Math.round(seconds * 10) / 10,
      alerts: this.alerts,
      alertsPerSecond: Math.round((this.alerts / seconds) * 10) / 10,
      bytesPerSecond: Math.round(this.bytes / seconds),
      publishLatencyMs: { p50: round(quantile(sorted, 0.5)), p99: round(quantile(sorted, 0.99)) },
      decodeFailures: this.decodeFailures,
      rejected: this.rejected,
    };
    this.start = now;
    this.alerts = 0;
    this.bytes = 0;
    this.latencies = [];
    this.decodeFailures = 0;
    this.rejected = 0;
    return out;
  }
}
