/**
 * Whether the consumer can read the alerts a replay waits for. The consumer runs only between a
 * START and an END cue; a replay after the night ended (or before it began) would otherwise wait
 * its whole timeout with nothing moving. The replay checks the consumer's state before producing,
 * and the wait for outputs gives up once the consumer has been down for a few seconds with alerts
 * still in Kafka, naming the command that starts it.
 */
import type { VmStatus } from "@pgb/night";
import { DEFAULT_SURVEY, DEFAULT_TESTID, LocalInstanceError } from "./config.js";
import type { LocalInstance } from "./instance.js";
import { VM } from "@pgb/broker-utils/naming";

/**
 * How long the consumer may be seen down with alerts left in Kafka before the wait gives up: a
 * kill -9 and restart (the fault tests) or a systemd-style restart takes well under this.
 */
export const CONSUMER_DOWN_MS = 5_000;

/** `npx pgb local night start`, with the flags that name a non-default instance. */
export function nightStartCommand(survey: string, testid: string): string {
  const flags = [
    ...(survey === DEFAULT_SURVEY ? [] : [`--survey ${survey}`]),
    ...(testid === DEFAULT_TESTID ? [] : [`--testid ${testid}`]),
  ];
  return ["npx pgb local night start", ...flags].join(" ");
}

/** What to tell the user when the consumer VM is not running. */
export function consumerDownMessage(
  vm: string,
  status: VmStatus,
  topic: string,
  startCommand: string,
): string {
  return (
    `${vm} is ${status}, so nothing reads Kafka topic ${topic} (the night ended, or has not ` +
    `started): start it with \`${startCommand}\`, which cues START as the scheduler does`
  );
}

/** Tracks the consumer's state across the polls of a wait. */
export class ConsumerWatch {
  private downSince: number | undefined;

  constructor(private readonly graceMs = CONSUMER_DOWN_MS) {}

  /**
   * One poll: true once the consumer has been seen not RUNNING for `graceMs` while `lag` alerts
   * of the wait are still uncommitted in Kafka.
   */
  gaveUp(status: VmStatus, lag: number, now: number): boolean {
    if (status === "RUNNING" || lag === 0) {
      this.downSince = undefined;
      return false;
    }
    this.downSince ??= now;
    return now - this.downSince >= this.graceMs;
  }
}

/** A replay that waits needs the consumer: refused at once, with the fix, when it is not running. */
export async function requireRunningConsumer(
  instance: LocalInstance,
  topic: string,
): Promise<void> {
  const vm = instance.vmName(VM.consumer);
  const status = await instance.compute.status(vm);
  if (status === "RUNNING") return;
  const { survey, testid } = instance.record;
  throw new LocalInstanceError(
    `${consumerDownMessage(vm, status, topic, nightStartCommand(survey, testid))}; ` +
      "then replay, or pass --no-wait to only produce the alerts into Kafka",
  );
}
