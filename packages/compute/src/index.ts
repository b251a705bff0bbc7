/**
 * @pgb/compute: the compute port of the cue functions and the night conductor (VM status, start,
 * stop, fingerprinted metadata) on Compute Engine, and the contract by which a local instance's
 * harness provides its local ports (the local code itself lives in @pgb/local).
 */
export * from "./env.js";
export * from "./port.js";
export * from "./gce.js";
export * from "./select.js";
export * from "./harness.js";
