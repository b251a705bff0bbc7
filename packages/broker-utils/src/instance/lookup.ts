/**
 * Keyed lookups on the instance model: a resource by its stub (`modelBucket(model, BUCKET.sncosmo)`)
 * instead of searching the arrays at every call site. A stub the model does not hold is a bug in the
 * caller or the model, so it throws, naming both.
 */
import type { BucketStub, FunctionStub, TableStub, TopicStub, VmStub } from "../naming/index.js";
import type {
  BucketSpec,
  FunctionSpec,
  InstanceModel,
  TableSpec,
  TopicSpec,
  VmSpec,
} from "./types.js";

function byStub<T extends { stub: string }>(
  model: InstanceModel,
  kind: string,
  list: readonly T[],
  stub: string,
): T {
  const found = list.find((x) => x.stub === stub);
  if (found === undefined) {
    throw new Error(
      `instance ${model.stack} has no ${kind} ${stub} (it has ${list.map((x) => x.stub).join(", ")})`,
    );
  }
  return found;
}

export const modelTopic = (model: InstanceModel, stub: TopicStub): TopicSpec =>
  byStub(model, "topic", model.topics, stub);

export const modelBucket = (model: InstanceModel, stub: BucketStub): BucketSpec =>
  byStub(model, "bucket", model.buckets, stub);

export const modelTable = (model: InstanceModel, stub: TableStub): TableSpec =>
  byStub(model, "table", model.tables, stub);

export const modelFunction = (model: InstanceModel, stub: FunctionStub): FunctionSpec =>
  byStub(model, "function", model.functions, stub);

export const modelVm = (model: InstanceModel, stub: VmStub): VmSpec =>
  byStub(model, "VM", model.vms, stub);
