/**
 * When the processing subscriptions count as drained (docs/spec/broker.md §8): the backlog of every one is
 * 0 in two consecutive reads, and the later read is at least the minimum time after the consumer
 * stopped, because Cloud Monitoring's `num_undelivered_messages` lags by minutes and can read 0
 * before the last alerts are counted. After the drain timeout the night goes on regardless.
 */

/** Subscription → backlog; null = unknown (treated as drained, the caller says so in the log). */
export type Backlogs = ReadonlyMap<string, number | null>;

export type DrainVerdict = "drained" | "waiting" | "timeout";

export class DrainTracker {
  private zeroReads = 0;

  /**
   * @param earliestMs the drain cannot end before this time (stop + minimum), ms since epoch
   * @param deadlineMs the drain gives up at this time, ms since epoch
   */
  constructor(
    readonly earliestMs: number,
    readonly deadlineMs: number,
  ) {}

  observe(atMs: number, backlogs: Backlogs): DrainVerdict {
    const allZero = [...backlogs.values()].every((b) => b === null || b === 0);
    this.zeroReads = allZero ? this.zeroReads + 1 : 0;
    if (this.zeroReads >= 2 && atMs >= this.earliestMs) return "drained";
    if (atMs >= this.deadlineMs) return "timeout";
    return "waiting";
  }
}

/** Total of known backlogs, for logs and the night summary. */
export function totalBacklog(backlogs: Backlogs): number {
  let total = 0;
  for (const b of backlogs.values()) total += b ?? 0;
  return total;
}
