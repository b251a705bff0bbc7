/**
 * VM metadata changes of a night (docs/spec/broker.md §8). A VM's metadata holds the deployment's keys
 * (the program's environment) beside the run-time keys NIGHT and KAFKA_TOPIC; every change here
 * sets or clears run-time keys and keeps every other key as it is.
 */
import { RUNTIME_METADATA } from "@pgb/broker-utils/instance";
import type { Cue } from "./cue.js";

/** Key → new value, or null to remove the key. */
export type MetadataChanges = Readonly<Record<string, string | null>>;

/**
 * `current` with `changes` applied; other keys keep their values. Built through a Map because
 * `__proto__` and `constructor` are valid metadata keys that plain assignment would mishandle.
 */
export function mergeMetadata(
  current: Readonly<Record<string, string>>,
  changes: MetadataChanges,
): Record<string, string> {
  const out = new Map(Object.entries(current));
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) out.delete(key);
    else out.set(key, value);
  }
  return Object.fromEntries(out);
}

/** True when applying `changes` would leave `current` as it is (the write can be skipped). */
export function changesNothing(
  current: Readonly<Record<string, string>>,
  changes: MetadataChanges,
): boolean {
  return Object.entries(changes).every(([key, value]) =>
    value === null
      ? !Object.hasOwn(current, key)
      : Object.hasOwn(current, key) && current[key] === value,
  );
}

/**
 * What the cue function writes on the night-conductor VM: NIGHT, and for START the topic (a name
 * or NONE). END clears KAFKA_TOPIC so that no topic of an earlier START lingers.
 */
export function cueMetadataChanges(cue: Cue, startTopic?: string): MetadataChanges {
  if (cue.action === "END") {
    return { [RUNTIME_METADATA.night]: "END", [RUNTIME_METADATA.kafkaTopic]: null };
  }
  if (startTopic === undefined) throw new Error("a START cue needs its Kafka topic");
  return { [RUNTIME_METADATA.night]: "START", [RUNTIME_METADATA.kafkaTopic]: startTopic };
}

/** The consumer's topic: set at START; cleared at END (undefined) so a restart reads no stale one. */
export function consumerTopicChanges(topic: string | undefined): MetadataChanges {
  return { [RUNTIME_METADATA.kafkaTopic]: topic ?? null };
}

/** What the night conductor clears on itself when it is done, so a reboot does not replay the night. */
export const NIGHT_DONE_CHANGES: MetadataChanges = {
  [RUNTIME_METADATA.night]: null,
  [RUNTIME_METADATA.kafkaTopic]: null,
};
