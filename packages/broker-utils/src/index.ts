/**
 * @pgb/broker-utils: everything the broker's functions, VM programs, infrastructure and notebooks share.
 * Each concept is a module, importable on its own as `@pgb/broker-utils/<module>`.
 */
export * as log from "./log/index.js";
export * as gcp from "./gcp/index.js";
