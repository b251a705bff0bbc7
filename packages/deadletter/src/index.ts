/**
 * Dead letters of the broker's functions (docs/spec/broker.md §11): what a dead letter says (stage,
 * reason, error, ids), listing a reservoir without consuming it, and replaying it to its function
 * only. The `pgb deadletter` commands are in @pgb/cli.
 */
export * from "./entry.js";
export * from "./push.js";
export * from "./reservoir.js";
