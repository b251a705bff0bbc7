/**
 * `instanceModel`: one broker instance as plain data (docs/spec/broker.md §2). It is the only place
 * that decides which resources exist and how they are configured; names come from `naming`. The
 * Pulumi program and the local instance both consume it.
 *
 * It is the composition of one pure planner per component (`components/`), each returning its
 * slice of the model with its IAM grants, as pulumi-awsx plans its components; the Pulumi program
 * builds each component from its slice (`componentSlice`).
 */
import {
  APIS,
  composeSlices,
  mergeSlices,
  planAvroStorage,
  planBigQueryStorage,
  planBrokerFiles,
  planConsumer,
  planContext,
  planNightConductor,
  planShared,
  planValueAdded,
  type InstanceInput,
} from "./components/index.js";
import type { InstanceModel } from "./types.js";

export function instanceModel(input: InstanceInput): InstanceModel {
  const ctx = planContext(input);
  const programs = mergeSlices(
    planConsumer(ctx),
    planAvroStorage(ctx),
    planBigQueryStorage(ctx),
    planValueAdded(ctx),
    planNightConductor(ctx),
  );
  const brokerFiles = planBrokerFiles(ctx, {
    functions: programs.functions ?? [],
    vms: programs.vms ?? [],
  });
  const { survey } = ctx.keywords;
  return {
    keywords: ctx.keywords,
    stack: ctx.stack,
    region: ctx.region,
    zone: ctx.zone,
    dataLocation: ctx.dataLocation,
    labels: { "pgb-survey": survey, "pgb-instance": ctx.stack },
    apis: [...APIS],
    serviceAgents: ctx.serviceAgents,
    ...composeSlices([planShared(ctx), brokerFiles, programs]),
  };
}
