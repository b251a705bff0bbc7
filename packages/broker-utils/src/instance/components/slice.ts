/**
 * A slice of the instance model: the resources one component plans. The model is the composition
 * of the components' slices; the Pulumi program builds each component from its slice.
 */
import type { ComponentId, DatasetSpec, InstanceModel } from "../types.js";

/** The model's resource lists (each entry names its component). */
export const SLICE_KINDS = [
  "serviceAccounts",
  "customRoles",
  "topics",
  "subscriptions",
  "buckets",
  "notifications",
  "tables",
  "views",
  "secrets",
  "code",
  "brokerFiles",
  "functions",
  "vms",
  "schedulerJobs",
  "iam",
  "alertPolicies",
  "logMetrics",
  "dashboards",
] as const satisfies readonly (keyof InstanceModel)[];

export type SliceKind = (typeof SLICE_KINDS)[number];

export type ModelSlice = { [K in SliceKind]?: InstanceModel[K] } & { dataset?: DatasetSpec };

/** The slices' lists concatenated in order. */
export function mergeSlices(...slices: readonly ModelSlice[]): ModelSlice {
  const merged: ModelSlice = Object.fromEntries(
    SLICE_KINDS.map((kind) => [kind, slices.flatMap((s): readonly unknown[] => s[kind] ?? [])]),
  );
  const datasets = slices.flatMap((s) => (s.dataset === undefined ? [] : [s.dataset]));
  if (datasets.length > 1) throw new Error("an instance has one BigQuery dataset, not several");
  return datasets[0] === undefined ? merged : { ...merged, dataset: datasets[0] };
}

/** The whole model's resources: every component's slice, and the one dataset. */
export function composeSlices(
  slices: readonly ModelSlice[],
): Pick<InstanceModel, SliceKind | "dataset"> {
  const { dataset, ...lists } = mergeSlices(...slices);
  if (dataset === undefined) throw new Error("no component of the instance plans its dataset");
  return { ...(lists as Pick<InstanceModel, SliceKind>), dataset };
}

/** What `component` holds of the model (the dataset when it is the dataset's). */
export function componentSlice(model: InstanceModel, component: ComponentId): ModelSlice {
  const slice: ModelSlice = Object.fromEntries(
    SLICE_KINDS.map((kind) => [
      kind,
      (model[kind] as readonly { component: ComponentId }[]).filter(
        (x) => x.component === component,
      ),
    ]),
  );
  return model.dataset.component === component ? { ...slice, dataset: model.dataset } : slice;
}
