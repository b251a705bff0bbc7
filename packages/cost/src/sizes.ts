/** The alert functions' sizes as the instance model deploys them, for the cost model. */
import { idColumnsOnlySchemas, instanceModel } from "@pgb/broker-utils/instance";
import { ALERT_FUNCTIONS, type AlertFunction } from "./data.js";
import type { FunctionSize } from "./model.js";

const MEMORY_GIB: Readonly<Record<string, number>> = { Mi: 1 / 1024, Gi: 1 };

/** `512Mi` → 0.5, `2Gi` → 2. */
export function memoryGib(memory: string): number {
  const m = /^([0-9.]+)(Mi|Gi)$/.exec(memory);
  const unit = m?.[2] === undefined ? undefined : MEMORY_GIB[m[2]];
  if (m === undefined || m === null || unit === undefined) {
    throw new Error(`function memory "${memory}" is not <number>Mi or <number>Gi`);
  }
  return Number(m[1]) * unit;
}

export function alertFunctionSizes(survey: string): Record<AlertFunction, FunctionSize> {
  const model = instanceModel({
    survey,
    project: "cost-model",
    region: "us-central1",
    tableSchemas: idColumnsOnlySchemas,
  });
  return Object.fromEntries(
    ALERT_FUNCTIONS.map((stub) => {
      const f = model.functions.find((x) => x.stub === stub);
      if (f === undefined) throw new Error(`instance model has no function ${stub}`);
      return [stub, { cpu: Number(f.cpu), memoryGib: memoryGib(f.memory) }];
    }),
  ) as Record<AlertFunction, FunctionSize>;
}
