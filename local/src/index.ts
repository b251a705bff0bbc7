/**
 * @pgb/local: the local instance. It installs and runs the local servers (Kafka, the Pub/Sub, Cloud
 * Storage and BigQuery emulators) and runs the whole broker on them, and adds the `services` and
 * `local` command groups to the `pgb` CLI.
 */
import type { Command } from "commander";
import { registerLocalCommands } from "./instance/index.js";
import { registerServicesCommands } from "./services/cli.js";

export * from "./services/index.js";
export * from "./instance/index.js";
/** Function processes as the local instance runs them (the storage bench starts its own). */
export {
  functionHealthy,
  startFunction,
  stopFunction,
  type FunctionProcess,
  type FunctionProcessOptions,
} from "./functions/index.js";
export { memoryBucket, notificationMessage, type MemoryBucket } from "./functions/memory-bucket.js";

/** Adds this package's command groups to the `pgb` program. */
export function registerCommands(program: Command): void {
  registerServicesCommands(program);
  registerLocalCommands(program);
}
