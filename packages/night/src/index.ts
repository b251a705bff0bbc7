/**
 * The night conductor's pure logic (docs/spec/broker.md §8): cues, the START topic, VM metadata changes,
 * the checks of check-cue-response, the END plan, the drain rule and the `metadata` rows. The
 * cue functions and the night-conductor VM program wrap it with their I/O.
 */
export * from "./cue.js";
export * from "./topic.js";
export * from "./metadata.js";
export * from "./vm-status.js";
export * from "./checks.js";
export * from "./rows.js";
export * from "./drain.js";
export * from "./timings.js";
export * from "./end-plan.js";
