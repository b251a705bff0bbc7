import { describe, expect, it } from "vitest";
import {
  componentSlice,
  composeSlices,
  idColumnsOnlySchemas,
  instanceModel,
  mergeSlices,
  planAvroStorage,
  planBigQueryStorage,
  planBrokerFiles,
  planConsumer,
  planContext,
  planNightConductor,
  planShared,
  planValueAdded,
  SLICE_KINDS,
  type ComponentId,
  type InstanceInput,
  type ModelSlice,
} from "@pgb/broker-utils/instance";

const input: InstanceInput = {
  survey: "ztf",
  testid: "mytestid",
  project: "my-proj",
  region: "us-central1",
  projectNumber: "123456789012",
  tableSchemas: idColumnsOnlySchemas,
};
const ctx = planContext(input);
const model = instanceModel(input);
const COMPONENTS: ComponentId[] = [
  "instance",
  "brokerFiles",
  "consumer",
  "avroStorage",
  "bigQueryStorage",
  "valueAdded",
  "nightConductor",
];

/** Every entry of a slice, with the component it names. */
function entries(slice: ModelSlice): { kind: string; component: ComponentId }[] {
  return [
    ...SLICE_KINDS.flatMap((kind) =>
      (slice[kind] ?? []).map((x: { component: ComponentId }) => ({
        kind,
        component: x.component,
      })),
    ),
    ...(slice.dataset === undefined
      ? []
      : [{ kind: "dataset", component: slice.dataset.component }]),
  ];
}

describe("component planners", () => {
  const planners: [ComponentId, () => ModelSlice][] = [
    ["instance", () => planShared(ctx)],
    ["consumer", () => planConsumer(ctx)],
    ["avroStorage", () => planAvroStorage(ctx)],
    ["bigQueryStorage", () => planBigQueryStorage(ctx)],
    ["valueAdded", () => planValueAdded(ctx)],
    ["nightConductor", () => planNightConductor(ctx)],
    ["brokerFiles", () => planBrokerFiles(ctx, { functions: model.functions, vms: model.vms })],
  ];

  it.each(planners)("%s plans only its own resources and grants, and some of each", (id, plan) => {
    const slice = plan();
    expect(new Set(entries(slice).map((e) => e.component))).toEqual(new Set([id]));
    expect(slice.iam?.length, "grants").toBeGreaterThan(0);
  });

  it.each(planners)("%s's slice is what the model holds of it", (id, plan) => {
    const slice = plan();
    for (const kind of SLICE_KINDS) {
      expect(componentSlice(model, id)[kind], kind).toEqual(slice[kind] ?? []);
    }
  });

  it("the model is the disjoint union of the components' slices: nothing lost, nothing twice", () => {
    const all = COMPONENTS.flatMap((id) => entries(componentSlice(model, id)));
    const total =
      SLICE_KINDS.reduce((sum, kind) => sum + model[kind].length, 0) + 1; /* the dataset */
    expect(all).toHaveLength(total);
  });

  it("a function brings its account, processing subscription, dead letters and their grants", () => {
    const slice = planBigQueryStorage(ctx);
    expect(slice.functions?.map((f) => f.name)).toEqual(["ztf-bq-sink-mytestid"]);
    expect(slice.serviceAccounts?.map((a) => a.role)).toEqual(["bq"]);
    expect(slice.subscriptions?.map((s) => s.purpose)).toEqual([
      "processing",
      "deadLetterReservoir",
    ]);
    expect(slice.topics?.map((t) => t.deadLetterOf)).toEqual(["bq-sink"]);
    expect(slice.iam?.map((g) => g.role)).toEqual(
      expect.arrayContaining(["roles/run.invoker", "roles/pubsub.publisher"]),
    );
  });

  it("without a project number no grant goes to Google's service agents", () => {
    const local = planContext({ ...input, projectNumber: undefined });
    const grants = [planAvroStorage(local), planNightConductor(local)].flatMap((s) => s.iam ?? []);
    expect(grants.filter((g) => g.member.kind !== "serviceAccount")).toEqual([]);
  });
});

describe("composing slices", () => {
  it("refuses two datasets, or none", () => {
    const dataset = model.dataset;
    expect(() => mergeSlices({ dataset }, { dataset })).toThrow(/one BigQuery dataset/);
    expect(() => composeSlices([planConsumer(ctx)])).toThrow(/no component .* plans its dataset/);
  });
});
