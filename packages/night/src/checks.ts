/**
 * What check-cue-response expects after a cue (docs/spec/broker.md §8): at +30 s the night conductor is
 * RUNNING (or still STAGING); at +5 min a START has the consumer RUNNING (with `KAFKA_TOPIC=NONE`
 * TERMINATED, and RUNNING only noted at DEBUG: an operator may have started it by hand) and an END
 * has it TERMINATED. Anything else is CRITICAL `<cue>: <vm> is <state>, expected <state>`.
 */
import { KAFKA_TOPIC_NONE, type Cue } from "./cue.js";
import type { VmStatus } from "./vm-status.js";

export type CheckedVm = "nightConductor" | "consumer";

export interface VmCheck {
  vm: CheckedVm;
  /** Delay after the cue before the check, ms. */
  afterMs: number;
  expected: readonly VmStatus[];
  /** Not expected but no reason for alarm: logged at DEBUG. */
  tolerated: readonly VmStatus[];
}

export interface CheckDelays {
  /** Default 30 s. */
  nightConductorAfterMs: number;
  /** Default 5 min. */
  consumerAfterMs: number;
}

export const DEFAULT_CHECK_DELAYS: CheckDelays = {
  nightConductorAfterMs: 30_000,
  consumerAfterMs: 5 * 60_000,
};

/** The checks of a cue, in time order. */
export function cueChecks(cue: Cue, delays: CheckDelays = DEFAULT_CHECK_DELAYS): VmCheck[] {
  const nightConductor: VmCheck = {
    vm: "nightConductor",
    afterMs: delays.nightConductorAfterMs,
    expected: ["RUNNING", "STAGING"],
    tolerated: [],
  };
  let consumer: VmCheck;
  if (cue.action === "END") {
    consumer = {
      vm: "consumer",
      afterMs: delays.consumerAfterMs,
      expected: ["TERMINATED"],
      tolerated: [],
    };
  } else if (cue.kafkaTopic === KAFKA_TOPIC_NONE) {
    consumer = {
      vm: "consumer",
      afterMs: delays.consumerAfterMs,
      expected: ["TERMINATED"],
      tolerated: ["RUNNING"],
    };
  } else {
    consumer = {
      vm: "consumer",
      afterMs: delays.consumerAfterMs,
      expected: ["RUNNING"],
      tolerated: [],
    };
  }
  return [nightConductor, consumer].sort((a, b) => a.afterMs - b.afterMs);
}

export interface CheckVerdict {
  severity: "INFO" | "DEBUG" | "CRITICAL";
  message: string;
}

export function judgeCheck(
  cue: Cue,
  check: VmCheck,
  vmName: string,
  status: VmStatus,
): CheckVerdict {
  const expected = check.expected.join(" or ");
  if (check.expected.includes(status)) {
    return { severity: "INFO", message: `${cue.action}: ${vmName} is ${status}, as expected` };
  }
  if (check.tolerated.includes(status)) {
    return {
      severity: "DEBUG",
      message: `${cue.action}: ${vmName} is ${status}, expected ${expected} (tolerated)`,
    };
  }
  return {
    severity: "CRITICAL",
    message: `${cue.action}: ${vmName} is ${status}, expected ${expected}`,
  };
}
