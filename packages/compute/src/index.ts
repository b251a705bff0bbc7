/**
 * @pgb/compute: the compute port of the cue functions and the night conductor (VM status, start,
 * stop, fingerprinted metadata) on Compute Engine or as processes of a local instance, and the
 * local instance's launch spec and push-activity records.
 */
export * from "./env.js";
export * from "./port.js";
export * from "./gce.js";
export * from "./select.js";
export * from "./local/local-compute.js";
export * from "./local/launch-spec.js";
export * from "./local/activity.js";
export { pidExists } from "./local/files.js";
