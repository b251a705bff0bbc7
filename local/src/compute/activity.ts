/**
 * Push activity of a local instance's processing subscriptions: the Pub/Sub emulator has no
 * backlog metric (`num_undelivered_messages`) and a push subscription cannot be peeked (a pull
 * would take the message from the function), so the local instance records, next to each function
 * process, what the emulator pushes to it. The night conductor's local backlog port reads these
 * records. Format (`<stateDir>/activity/<subscription>.json`, rewritten atomically on change):
 * `{subscription, pid, inFlight, delivered, lastDeliveryAt, updatedAt}`.
 */
import { join } from "node:path";
import { readJsonIfExists, writeJsonAtomic } from "./files.js";

export interface PushActivity {
  subscription: string;
  /** The recording process: a record of a dead process says nothing. */
  pid: number;
  /** Pushes received and not yet answered. */
  inFlight: number;
  /** Pushes received since the recorder started. */
  delivered: number;
  /** ISO time of the latest push received, null before the first. */
  lastDeliveryAt: string | null;
  updatedAt: string;
}

export function activityPath(stateDir: string, subscription: string): string {
  return join(stateDir, "activity", `${subscription}.json`);
}

export async function readPushActivity(
  stateDir: string,
  subscription: string,
): Promise<PushActivity | undefined> {
  return (await readJsonIfExists(activityPath(stateDir, subscription))) as PushActivity | undefined;
}

/**
 * Records the pushes of one subscription. Call `received()` when a push arrives and the returned
 * function once it is answered (any status). Writes are coalesced: at most one in progress, the
 * latest state always written last.
 */
export class PushActivityRecorder {
  private state: PushActivity;
  private writing: Promise<void> | undefined;
  private dirty = false;
  /** A failed write, reported by the next flush (a push must not fail because of the record). */
  private failure: unknown;

  constructor(
    private readonly stateDir: string,
    subscription: string,
  ) {
    this.state = {
      subscription,
      pid: process.pid,
      inFlight: 0,
      delivered: 0,
      lastDeliveryAt: null,
      updatedAt: new Date().toISOString(),
    };
    this.schedule();
  }

  received(): () => void {
    const now = new Date().toISOString();
    this.state = {
      ...this.state,
      inFlight: this.state.inFlight + 1,
      delivered: this.state.delivered + 1,
      lastDeliveryAt: now,
      updatedAt: now,
    };
    this.schedule();
    let answered = false;
    return () => {
      if (answered) return;
      answered = true;
      this.state = {
        ...this.state,
        inFlight: this.state.inFlight - 1,
        updatedAt: new Date().toISOString(),
      };
      this.schedule();
    };
  }

  private schedule(): void {
    if (this.writing) {
      this.dirty = true;
      return;
    }
    this.writing = (async () => {
      do {
        this.dirty = false;
        await writeJsonAtomic(activityPath(this.stateDir, this.state.subscription), this.state);
      } while (this.dirty);
    })()
      .catch((err: unknown) => {
        this.failure = err;
      })
      .finally(() => {
        this.writing = undefined;
      });
  }

  /** Resolves once the latest state is on disk; throws if a write failed. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
  }
}
