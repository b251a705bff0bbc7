/**
 * Object names in the instance's buckets (docs/spec/broker.md §3, §4, §6, §8), one function per kind of
 * object. They carry no survey or testid: the bucket names do. Callers check the ids they put in
 * a name (a `/` would add a level that readers do not expect).
 */
import type { Survey } from "../schema-maps/surveys.js";
import type { VmStub } from "./catalogue.js";

/** Prefixes that IAM conditions match on, so a grant covers exactly one kind of object. */
export const OBJECT_PREFIX = {
  rejectedConsumer: "rejected/consumer/",
  nightSummaries: "nights/",
} as const;

/** The topic segment of an alert that came without a Kafka topic. */
const NO_TOPIC = "no_topic";

/** alert_avros: `{kafka.topic}/{objectId}/{sourceId}.avro`, `no_topic` for an empty topic. */
export function alertAvroObject(topic: string, objectId: string, sourceId: string): string {
  return `${topic === "" ? NO_TOPIC : topic}/${objectId}/${sourceId}.avro`;
}

/** sncosmo: `salt2/plot_lc/{objectId}.{sourceId}.png`. */
export function salt2PlotObject(objectId: string, sourceId: string): string {
  return `salt2/plot_lc/${objectId}.${sourceId}.png`;
}

/**
 * broker_files: a Kafka message the consumer does not publish (null or empty, or too large),
 * `rejected/consumer/{topic}/{partition}-{offset}.bin`.
 */
export function rejectedMessageObject(topic: string, partition: number, offset: string): string {
  return `${rejectedMessagePrefix(topic)}${partition}-${offset}.bin`;
}

/** broker_files: the folder of a Kafka topic's rejected messages. */
export function rejectedMessagePrefix(topic: string): string {
  return `${OBJECT_PREFIX.rejectedConsumer}${topic}/`;
}

/** The partition and offset of a `rejectedMessageObject` of `topic`; undefined for another name. */
export function rejectedMessageCoordinates(
  topic: string,
  name: string,
): { partition: number; offset: number } | undefined {
  const prefix = rejectedMessagePrefix(topic);
  const match = name.startsWith(prefix)
    ? /^(\d+)-(\d+)\.bin$/.exec(name.slice(prefix.length))
    : null;
  return match === null ? undefined : { partition: Number(match[1]), offset: Number(match[2]) };
}

/** broker_files: the night's JSON summary, `nights/{night}.json`. */
export function nightSummaryObject(night: string): string {
  return `${OBJECT_PREFIX.nightSummaries}${night}.json`;
}

/** broker_files: the survey's schema map, which the programs prefer to their bundled copy. */
export function schemaMapObject(survey: Survey): string {
  return `schema_maps/${survey}.yaml`;
}

/** broker_files: a VM's startup script. */
export function startupScriptObject(vm: VmStub): string {
  return `vm/${vm}/startup.sh`;
}

/** broker_files: where a program's code archives go, its source folder in the repository. */
export function codeObjectPrefix(sourceDir: string): string {
  return `${sourceDir}/`;
}

/** broker_files: a code archive, named by the hash of its content so a change makes a new object. */
export function codeObject(prefix: string, hash: string): string {
  return `${prefix}${hash}.zip`;
}

/** broker_files: the VMs' Node.js runtime, the official linux-x64 tarball of the release. */
export function nodeRuntimeObject(version: string): string {
  return `runtime/node-v${version}-linux-x64.tar.xz`;
}
