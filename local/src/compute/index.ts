/**
 * The local side of the compute port: VMs as processes (LocalCompute), their launch spec, the
 * push-activity records and the backlog read from them, and the harness that hands them to the
 * programs of a local instance.
 */
export * from "./local-compute.js";
export * from "./launch-spec.js";
export * from "./activity.js";
export * from "./push-backlog.js";
export { harnessImportArgs, localHarness } from "./harness.js";
export { pidExists } from "./files.js";
