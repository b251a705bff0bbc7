/**
 * Resource names of a broker instance and their validation (docs/spec/broker.md §1): stack-name parsing,
 * the instance keywords, one derivation per kind of resource, GCP's limits, object names in buckets.
 */
export * from "./catalogue.js";
export * from "./errors.js";
export * from "./keywords.js";
export * from "./names.js";
export * from "./objects.js";
export * from "./rules.js";
