/**
 * cue-night-conductor (docs/spec/broker.md §8): turns a cue into a run of the night-conductor VM. An
 * invalid cue is logged CRITICAL and acknowledged (a redelivery cannot fix it). Otherwise the VM
 * must be TERMINATED (waited for up to 4 min, else CRITICAL): its metadata gets NIGHT (and the
 * START topic) with every other key kept, then it is started. API errors propagate, so Pub/Sub
 * redelivers the cue; every step is idempotent, and a redelivery that finds its own cue already
 * applied (the VM up with the same NIGHT and KAFKA_TOPIC) acknowledges without a second start.
 */
import { RUNTIME_METADATA } from "@pgb/broker-utils/instance";
import {
  cueMetadataChanges,
  changesNothing,
  describeCue,
  parseCue,
  startTopic,
  type Cue,
  type NightTimings,
  type VmStatus,
} from "@pgb/night";
import type { Handler } from "@pgb/function-runtime";
import {
  systemClock,
  updateMetadata,
  waitForStatus,
  type Clock,
  type ComputePort,
} from "@pgb/compute";

export interface CueDeps {
  compute: ComputePort;
  nightConductorVm: string;
  /** The instance's topic syntax (KAFKA_TOPIC_SYNTAX, else the schema map's); null if none. */
  topicSyntax: () => Promise<string | null>;
  timings: Pick<NightTimings, "cueTerminatedWaitMs" | "vmPollMs">;
  clock?: Clock;
}

export type CueOutcome =
  | { outcome: "invalid"; reason: string }
  | { outcome: "vm-busy"; status: VmStatus }
  | { outcome: "already-applied"; cue: Cue }
  | { outcome: "started"; cue: Cue; metadata: Record<string, string> };

/** States of a VM that has been started and not yet stopped. */
const UP: readonly VmStatus[] = ["PROVISIONING", "STAGING", "RUNNING"];

export function createCueHandler(deps: CueDeps): Handler<CueOutcome> {
  const clock = deps.clock ?? systemClock;
  const vm = deps.nightConductorVm;
  return async (message, { log }) => {
    const parsed = parseCue(message.data, message.attributes);
    if (!parsed.ok) {
      log.critical(`invalid cue, ignored: ${parsed.reason}`, {
        data: message.data.toString("utf8").slice(0, 200),
        attributes: message.attributes,
      });
      return { outcome: "invalid", reason: parsed.reason };
    }
    const cue = parsed.cue;
    const label = describeCue(cue);
    let topic: string | undefined;
    if (cue.action === "START") {
      const chosen = startTopic(
        cue,
        cue.kafkaTopic === undefined ? await deps.topicSyntax() : null,
        new Date(clock.now()),
      );
      if (!chosen.ok) {
        log.critical(`invalid cue ${label}, ignored: ${chosen.reason}`);
        return { outcome: "invalid", reason: chosen.reason };
      }
      topic = chosen.topic;
    }
    const changes = cueMetadataChanges(cue, topic);

    let status = await deps.compute.status(vm);
    if (status !== "TERMINATED") {
      if (
        UP.includes(status) &&
        changesNothing((await deps.compute.getMetadata(vm)).items, changes)
      ) {
        log.info(`${label}: ${vm} is ${status} with this cue's metadata already; nothing to do`, {
          vm,
          status,
        });
        return { outcome: "already-applied", cue };
      }
      log.info(`${label}: ${vm} is ${status}; waiting for TERMINATED`, { vm, status });
      const waited = await waitForStatus(deps.compute, vm, ["TERMINATED"], {
        timeoutMs: deps.timings.cueTerminatedWaitMs,
        pollMs: deps.timings.vmPollMs,
        clock,
      });
      status = waited.status;
      if (!waited.reached) {
        log.critical(
          `${cue.action}: ${vm} is ${status}, expected TERMINATED (waited ` +
            `${Math.round(waited.waitedMs / 1000)} s); the cue ${label} was not applied`,
          { vm, status },
        );
        return { outcome: "vm-busy", status };
      }
    }
    const update = await updateMetadata(deps.compute, vm, changes, { clock });
    await deps.compute.start(vm);
    log.info(`${label}: started ${vm}`, {
      vm,
      [RUNTIME_METADATA.night]: update.items[RUNTIME_METADATA.night],
      [RUNTIME_METADATA.kafkaTopic]: update.items[RUNTIME_METADATA.kafkaTopic] ?? null,
      metadataAttempts: update.attempts,
    });
    return { outcome: "started", cue, metadata: update.items };
  };
}
