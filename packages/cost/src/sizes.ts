/** The alert functions as the instance model deploys them (sizes, triggers, concurrency), for the cost model. */
import { idColumnsOnlySchemas, instanceModel } from "@pgb/broker-utils/instance";
import { FUNCTION, TOPIC } from "@pgb/broker-utils/naming";
import { ALERT_FUNCTIONS, type AlertFunction } from "./data.js";
import type { DesignChoices } from "./designs.js";
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

function deployedFunctions(survey: string) {
  const model = instanceModel({
    survey,
    project: "cost-model",
    region: "us-central1",
    tableSchemas: idColumnsOnlySchemas,
  });
  const byStub = (stub: AlertFunction) => {
    const f = model.functions.find((x) => x.stub === stub);
    if (f === undefined) throw new Error(`instance model has no function ${stub}`);
    return f;
  };
  return { model, byStub };
}

export function alertFunctionSizes(survey: string): Record<AlertFunction, FunctionSize> {
  const { byStub } = deployedFunctions(survey);
  return Object.fromEntries(
    ALERT_FUNCTIONS.map((stub) => {
      const f = byStub(stub);
      return [stub, { cpu: Number(f.cpu), memoryGib: memoryGib(f.memory) }];
    }),
  ) as Record<AlertFunction, FunctionSize>;
}

/** The cost model's choices that the instance model deploys: what feeds bq-sink, its concurrency. */
export function deployedDesign(survey: string): DesignChoices {
  const { model, byStub } = deployedFunctions(survey);
  const alertAvros = model.topics.find((t) => t.stub === TOPIC.alertAvros)?.name;
  const bqSink = byStub(FUNCTION.bqSink);
  return {
    oneCall: false,
    fedByNotification: bqSink.trigger.topic === alertAvros,
    concurrency: bqSink.concurrency,
    storageWriteApi: false,
  };
}
