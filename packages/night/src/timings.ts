/**
 * The waits and budgets of the night (docs/spec/broker.md §8), with the spec's values as defaults. Each
 * can be overridden by an environment variable so that tests and a local instance run a night in
 * seconds; none is set by the instance model except DRAIN_TIMEOUT_MINUTES. Values are decimal
 * numbers of seconds (minutes for DRAIN_TIMEOUT_MINUTES), fractions allowed.
 */
import { ENV } from "@pgb/broker-utils/instance";

export const NIGHT_TIMING_ENV = {
  /** cue-night-conductor: longest wait for the night conductor to be TERMINATED (240). */
  cueTerminatedWait: "PGB_CUE_TERMINATED_WAIT_SECONDS",
  /** Every wait for a VM state: interval between status reads (5). */
  vmPoll: "PGB_VM_POLL_SECONDS",
  /** check-cue-response: delay of the night-conductor check (30). */
  checkNightConductorAfter: "PGB_CHECK_NIGHT_CONDUCTOR_AFTER_SECONDS",
  /** check-cue-response: delay of the consumer check (300). */
  checkConsumerAfter: "PGB_CHECK_CONSUMER_AFTER_SECONDS",
  /** Night conductor: longest wait for the consumer to be RUNNING or TERMINATED (300). */
  vmStateWait: "PGB_VM_STATE_WAIT_SECONDS",
  /** Night conductor: interval between backlog reads while draining (30). */
  drainPoll: "PGB_DRAIN_POLL_SECONDS",
  /** Night conductor: the drain ends no earlier than this after the consumer stopped (300). */
  drainMinAfterStop: "PGB_DRAIN_MIN_AFTER_STOP_SECONDS",
  /** Night conductor: a counter subscription is done after this long without a message (45). */
  counterIdle: "PGB_COUNTER_IDLE_SECONDS",
  /** Night conductor: budget of the whole counting step (1800). */
  counterBudget: "PGB_COUNTER_BUDGET_SECONDS",
} as const;

export interface NightTimings {
  cueTerminatedWaitMs: number;
  vmPollMs: number;
  checkNightConductorAfterMs: number;
  checkConsumerAfterMs: number;
  vmStateWaitMs: number;
  drainPollMs: number;
  drainMinAfterStopMs: number;
  /** From DRAIN_TIMEOUT_MINUTES (set by the instance model, default 60). */
  drainTimeoutMs: number;
  counterIdleMs: number;
  counterBudgetMs: number;
}

const DEFAULT_SECONDS = {
  cueTerminatedWait: 240,
  vmPoll: 5,
  checkNightConductorAfter: 30,
  checkConsumerAfter: 300,
  vmStateWait: 300,
  drainPoll: 30,
  drainMinAfterStop: 300,
  counterIdle: 45,
  counterBudget: 1800,
} as const satisfies Record<keyof typeof NIGHT_TIMING_ENV, number>;

const DEFAULT_DRAIN_TIMEOUT_MINUTES = 60;

export class NightTimingError extends Error {
  override name = "NightTimingError";
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new NightTimingError(`${name}=${raw} is not a positive number`);
  }
  return value;
}

export function readNightTimings(env: NodeJS.ProcessEnv = process.env): NightTimings {
  const s = (key: keyof typeof NIGHT_TIMING_ENV) =>
    positive(env, NIGHT_TIMING_ENV[key], DEFAULT_SECONDS[key]) * 1000;
  return {
    cueTerminatedWaitMs: s("cueTerminatedWait"),
    vmPollMs: s("vmPoll"),
    checkNightConductorAfterMs: s("checkNightConductorAfter"),
    checkConsumerAfterMs: s("checkConsumerAfter"),
    vmStateWaitMs: s("vmStateWait"),
    drainPollMs: s("drainPoll"),
    drainMinAfterStopMs: s("drainMinAfterStop"),
    drainTimeoutMs: positive(env, ENV.drainTimeoutMinutes, DEFAULT_DRAIN_TIMEOUT_MINUTES) * 60_000,
    counterIdleMs: s("counterIdle"),
    counterBudgetMs: s("counterBudget"),
  };
}
