/**
 * The local backlog port of the night conductor, provided by the local harness.
 */
import type { BacklogPort, BacklogReading } from "@pgb/compute";
import { readPushActivity } from "./activity.js";
import { pidExists } from "./files.js";

/**
 * The local backlog port. The Pub/Sub emulator has no backlog metric, and a push subscription
 * cannot be peeked: a pull would take the message from the function. What is observable is what
 * the local instance records of the pushes to each function process (`PushActivityRecorder`,
 * activity.ts). A reading is therefore an indicator, not a count: the pushes in flight, plus 1
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
