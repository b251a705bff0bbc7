/** One pure planner per component; `instanceModel` composes their slices. */
export { planAvroStorage } from "./avro-storage.js";
export { planBigQueryStorage } from "./bigquery-storage.js";
export { planBrokerFiles } from "./broker-files.js";
export { planConsumer } from "./consumer.js";
export {
  DEFAULTS,
  planContext,
  type InstanceInput,
  type KafkaConfig,
  type PlanContext,
} from "./context.js";
export { FUNCTION_ENTRY_POINT } from "./function.js";
export { planNightConductor } from "./night-conductor.js";
export { APIS, planShared } from "./shared.js";
export {
  componentSlice,
  composeSlices,
  mergeSlices,
  SLICE_KINDS,
  type ModelSlice,
  type SliceKind,
} from "./slice.js";
export { planValueAdded } from "./value-added.js";
