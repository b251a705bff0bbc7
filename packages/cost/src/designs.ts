/**
 * The designs the cost model compares (docs/cost.md): the reference, ours as it was, and the cheaper
 * candidates of issue 18 that can be priced from our data. Each is a set of choices the model
 * bills; `deployedDesign` (sizes.ts) says which one the instance model deploys.
 */
import type { Workload } from "./data.js";
import { nightCost, type CostInput } from "./model.js";

export interface DesignChoices {
  /** One function call per alert doing all the work, one streaming insert (the reference). */
  oneCall: boolean;
  /** bq-sink and value-added are fed the bucket notification (~1 KB) and read the stored Avro file. */
  fedByNotification: boolean;
  /** Requests one function instance serves at once (Cloud Run concurrency). */
  concurrency: number;
  /** BigQuery rows go through the Storage Write API instead of legacy streaming inserts. */
  storageWriteApi: boolean;
}

export interface DesignSpec extends DesignChoices {
  id: string;
  about: string;
}

const BASE: DesignChoices = {
  oneCall: false,
  fedByNotification: false,
  concurrency: 1,
  storageWriteApi: false,
};

/** The designs, in the order `pgb cost` shows them. */
export function designs(workload: Workload): DesignSpec[] {
  const c = workload.candidateConcurrency;
  return [
    {
      ...BASE,
      id: "reference",
      about: "one function call and one streaming insert per alert",
      oneCall: true,
    },
    {
      ...BASE,
      id: "alert-pushes",
      about: "three functions, each pushed the whole alert by its own subscription",
    },
    {
      ...BASE,
      id: "notification",
      about: "bq-sink and value-added fed the bucket notification, reading the stored Avro file",
      fedByNotification: true,
    },
    {
      ...BASE,
      id: `concurrency-${c}`,
      about: `alert-pushes with ${c} requests per function instance`,
      concurrency: c,
    },
    {
      ...BASE,
      id: `notification+c${c}`,
      about: `notification with ${c} requests per function instance`,
      fedByNotification: true,
      concurrency: c,
    },
    {
      ...BASE,
      id: `notification+c${c}+write-api`,
      about: "the same, with BigQuery's Storage Write API instead of streaming inserts",
      fedByNotification: true,
      concurrency: c,
      storageWriteApi: true,
    },
  ];
}

/** The design whose choices are these, or an error naming what the model cannot price. */
export function designOf(list: readonly DesignSpec[], choices: DesignChoices): DesignSpec {
  const found = list.find((d) =>
    (Object.keys(BASE) as (keyof DesignChoices)[]).every((k) => d[k] === choices[k]),
  );
  if (found === undefined) {
    throw new Error(
      `no design in the cost model has the deployed choices ${JSON.stringify(choices)}: ` +
        "add it to packages/cost/src/designs.ts",
    );
  }
  return found;
}

const MAX_READ_SECONDS = 10;

/**
 * The wall time of one object read at which `design` costs as much as `against` (it is cheaper
 * below): found by bisection, since with concurrency the cost is not linear in the read time.
 * Undefined when it is dearer even with instant reads, Infinity when cheaper even at 10 s.
 */
export function breakEvenReadSeconds(
  input: CostInput,
  design: DesignSpec,
  against: DesignSpec,
): number | undefined {
  const target = nightCost(input, against).perNight;
  const excess = (readSeconds: number) =>
    nightCost({ ...input, workload: { ...input.workload, objectReadSeconds: readSeconds } }, design)
      .perNight - target;
  if (excess(0) >= 0) return undefined;
  if (excess(MAX_READ_SECONDS) < 0) return Infinity;
  let [lo, hi] = [0, MAX_READ_SECONDS];
  while (hi - lo > 1e-4) {
    const mid = (lo + hi) / 2;
    if (excess(mid) < 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
