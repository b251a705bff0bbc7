/**
 * check-cue-response (docs/spec/broker.md §8): verifies that the VMs reacted to a cue. The checks run at
 * fixed delays after the cue's publish time (after receipt if it has none): the night conductor
 * at +30 s, the consumer at +5 min. A VM in the wrong state, an unreadable state or an invalid cue
 * is logged CRITICAL (the stack's alert policy notifies on it). The delivery never fails: a
 * redelivery would only repeat the checks late.
 */
import {
  cueChecks,
  describeCue,
  judgeCheck,
  parseCue,
  type CheckDelays,
  type CheckedVm,
  type VmStatus,
} from "@pgb/night";
import type { Handler } from "@pgb/function-runtime";
import { systemClock, type Clock, type ComputePort } from "@pgb/compute";

export interface CheckDeps {
  compute: ComputePort;
  vms: Record<CheckedVm, string>;
  delays: CheckDelays;
  clock?: Clock;
}

export interface CheckResult {
  vm: string;
  status: VmStatus | null;
  severity: "INFO" | "DEBUG" | "CRITICAL";
  message: string;
}

export type CheckOutcome =
  { outcome: "invalid"; reason: string } | { outcome: "checked"; results: CheckResult[] };

export function createCheckHandler(deps: CheckDeps): Handler<CheckOutcome> {
  const clock = deps.clock ?? systemClock;
  return async (message, { log }) => {
    const parsed = parseCue(message.data, message.attributes);
    if (!parsed.ok) {
      log.critical(`invalid cue: ${parsed.reason}`, {
        data: message.data.toString("utf8").slice(0, 200),
        attributes: message.attributes,
      });
      return { outcome: "invalid", reason: parsed.reason };
    }
    const cue = parsed.cue;
    const published = message.publishTime === undefined ? NaN : Date.parse(message.publishTime);
    const anchor = Number.isFinite(published) ? published : clock.now();
    const results: CheckResult[] = [];
    for (const check of cueChecks(cue, deps.delays)) {
      const vm = deps.vms[check.vm];
      const wait = anchor + check.afterMs - clock.now();
      if (wait > 0) await clock.sleep(wait);
      let result: CheckResult;
      try {
        const status = await deps.compute.status(vm);
        result = { vm, status, ...judgeCheck(cue, check, vm, status) };
      } catch (err) {
        result = {
          vm,
          status: null,
          severity: "CRITICAL",
          message: `${cue.action}: cannot read the state of ${vm}: ${err instanceof Error ? err.message : String(err)}`,
        };
      }
      const fields = {
        cue: describeCue(cue),
        vm,
        status: result.status,
        expected: check.expected,
        afterSeconds: check.afterMs / 1000,
      };
      if (result.severity === "CRITICAL") log.critical(result.message, fields);
      else if (result.severity === "DEBUG") log.debug(result.message, fields);
      else log.info(result.message, fields);
      results.push(result);
    }
    return { outcome: "checked", results };
  };
}
