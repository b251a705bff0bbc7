/**
 * The instance model: one broker instance as plain data (every resource with its final name and
 * settings), consumed by the Pulumi program and by the local instance; and the environment
 * contract of the broker's programs.
 */
export * from "./components/index.js";
export * from "./env.js";
export * from "./model.js";
export { LOG_EVENT } from "./monitoring.js";
export * from "./resources.js";
export * from "./lookup.js";
export * from "./tables.js";
export { regionZones, vmZone } from "./zones.js";
export type * from "./types.js";
