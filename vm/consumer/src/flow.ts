/**
 * Flow control between Kafka and Pub/Sub. The Pub/Sub client accepts every publish at once and
 * holds the message until it is acknowledged, so memory is bounded by counting what was handed to it
 * and not acknowledged yet: at the limit Kafka fetching pauses, and it resumes once the backlog fell
 * to half, so a saturated publisher does not flip pause/resume on every acknowledgement.
 */
export interface FlowLimits {
  maxMessages: number;
  maxBytes: number;
}

export class FlowGate {
  private messages = 0;
  private bytes = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly limits: FlowLimits) {}

  add(bytes: number): void {
    this.messages++;
    this.bytes += bytes;
  }

  release(bytes: number): void {
    this.messages--;
    this.bytes -= bytes;
    if (this.messages === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** At or over a limit: stop fetching. */
  get saturated(): boolean {
    return this.messages >= this.limits.maxMessages || this.bytes >= this.limits.maxBytes;
  }

  /** Down to half of both limits: fetching may resume. */
  get canResume(): boolean {
    return this.messages <= this.limits.maxMessages / 2 && this.bytes <= this.limits.maxBytes / 2;
  }

  get outstanding(): { messages: number; bytes: number } {
    return { messages: this.messages, bytes: this.bytes };
  }

  /** Resolves once nothing is outstanding (at once if nothing is). */
  idle(): Promise<void> {
    if (this.messages === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
