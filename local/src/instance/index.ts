/**
 * The local instance (docs/local-instance.md): the whole broker of one survey and testid on this
 * machine, from the same instance model as the Pulumi program, driven like the cloud instance
 * (cues, Kafka) and read back for a summary.
 */
export {
  DEFAULT_RUN_DIR,
  DEFAULT_SURVEY,
  DEFAULT_TESTID,
  LOCAL_PROJECT,
  LOCAL_TIMINGS,
  LocalInstanceError,
  SAMPLES_DIR,
  localModel,
  nightTopic,
  sampleAlerts,
} from "./config.js";
export { AlertCloner, MAX_CLONE_INDEX, MAX_CLONE_SEED, type ClonedAlert } from "./clone.js";
export * from "./fault-drill.js";
export { DeliveryLog, kafkaKey, type MessageState, type StageState } from "./deliveries.js";
export { formatStatus, formatSummary } from "./format.js";
export {
  LocalInstance,
  type InstanceRecord,
  type LocalInstanceOptions,
  type ProcessRecord,
} from "./instance.js";
export { nightEnd, nightStart, readNightSummary, type NightStartResult } from "./night.js";
export * from "./outputs.js";
export { deprovisionInstance, provisionInstance, type ProvisionClients } from "./provision.js";
export type { Delivery } from "./push-front.js";
export { consoleReporter, silentReporter, type Progress, type Reporter } from "./report.js";
export {
  currentNightTopic,
  ensureNightTopic,
  replay,
  replayPlan,
  type ReplayOptions,
  type ReplayResult,
  type ReplayedAlert,
} from "./replay.js";
export {
  collectSummary,
  localStart,
  stageLatencies,
  type RunSummary,
  type StageLatency,
  type StartOptions,
} from "./run.js";
export { instanceStatus, type InstanceStatus, type ProcessStatus } from "./status.js";
export { localInstanceSettings, type LocalInstanceSettings } from "./settings.js";
export { requireRunningConsumer } from "./consumer-watch.js";
export { registerLocalCommands } from "./cli.js";
