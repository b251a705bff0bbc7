export * from "./rate.js";
export * from "./sources.js";
export * from "./sinks.js";
export * from "./run.js";
