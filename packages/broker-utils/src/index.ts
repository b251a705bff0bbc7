/**
 * @pgb/broker-utils: everything the broker's functions, VM programs, infrastructure and notebooks share.
 * Each concept is a module, importable on its own as `@pgb/broker-utils/<module>` (the lighter way:
 * importing the root loads every module). The SALT2 model, fitter and plot are @pgb/salt2; the
 * `pgb` command line is @pgb/cli.
 */
export * as alerts from "./alerts/index.js";
export * as avro from "./avro/index.js";
export * as bigquery from "./bigquery/index.js";
export * as filters from "./filters/index.js";
export * as gcp from "./gcp/index.js";
export * as instance from "./instance/index.js";
export * as log from "./log/index.js";
export * as naming from "./naming/index.js";
export * as photometry from "./photometry/index.js";
export * as schemaMaps from "./schema-maps/index.js";
export * as simulator from "./simulator/index.js";
export * as terminal from "./terminal/index.js";
