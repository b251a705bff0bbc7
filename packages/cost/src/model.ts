/**
 * The cost of one night of a broker instance, by component, from the per-alert work and bytes of
 * `workload.json` and the list prices of `prices.json`, for each design of `designs.ts`: the
 * reference (one function call and one streaming insert per alert), ours as it was (three functions
 * each fed the whole alert by its own push subscription) and the cheaper candidates, so the price of
 * each choice is visible (docs/cost.md).
 */
import type { AlertFunction, PriceList, SurveyWorkload, Workload } from "./data.js";
import type { DesignSpec } from "./designs.js";

export const COMPONENTS = [
  "VMs",
  "Functions",
  "Pub/Sub",
  "GCS operations",
  "GCS storage (a month)",
  "BigQuery ingestion",
  "BigQuery storage (a month)",
  "Egress",
] as const;
export type Component = (typeof COMPONENTS)[number];

/** A function's size as deployed (the instance model's cpu and memory). */
export interface FunctionSize {
  cpu: number;
  memoryGib: number;
}

export interface CostInput {
  survey: string;
  alertsPerNight: number;
  prices: PriceList;
  workload: Workload;
  functions: Record<AlertFunction, FunctionSize>;
}

export interface ComponentCost {
  component: Component;
  perNight: number;
  perMillionAlerts: number;
}

export interface DesignCost {
  design: DesignSpec["id"];
  components: ComponentCost[];
  perNight: number;
  perMillionAlerts: number;
}

const GIB = 2 ** 30;
const TIB = 2 ** 40;
const DAYS_PER_MONTH = 730 / 24;

/** One request of one alert: wall and CPU time, and the size it runs at. */
interface Request {
  seconds: number;
  cpuSeconds: number;
  size: FunctionSize;
}

function survey(input: CostInput): SurveyWorkload {
  const s = input.workload.surveys[input.survey];
  if (s === undefined) {
    throw new Error(
      `no workload for survey "${input.survey}": use one of ${Object.keys(input.workload.surveys).join(", ")}`,
    );
  }
  return s;
}

/** Each alert function's request; the reference makes one call doing all of it at the largest size. */
function requestsPerAlert(input: CostInput, design: DesignSpec): Request[] {
  const { workload: w, functions } = input;
  const s = survey(input);
  const requests: Request[] = (Object.keys(functions) as AlertFunction[]).map((fn) => {
    const fitted = fn === "value-added" ? s.fittedFraction : 0;
    const reads = design.fedByNotification && fn !== "upload_bytes_to_bucket";
    return {
      seconds:
        w.functionSeconds[fn] +
        fitted * (w.fitSeconds + w.plotSeconds + w.fittedWritesSeconds) +
        (reads ? w.objectReadSeconds : 0),
      cpuSeconds: w.functionCpuSeconds[fn] + fitted * (w.fitSeconds + w.plotSeconds),
      size: functions[fn],
    };
  });
  if (!design.oneCall) return requests;
  const largest = requests.reduce((a, b) => (b.size.memoryGib > a.size.memoryGib ? b : a));
  const sum = (key: "seconds" | "cpuSeconds") => requests.reduce((t, r) => t + r[key], 0);
  return [{ seconds: sum("seconds"), cpuSeconds: sum("cpuSeconds"), size: largest.size }];
}

/**
 * Instance seconds billed for one request. Cloud Run bills an instance while it serves at least one
 * request, so requests served at once share its time: by Little's law an instance of a function
 * holds on average (alerts per second × wall time) requests, at most its concurrency. Its CPU
 * cannot be shared, so a request never bills less than its CPU time.
 */
function billedSeconds(r: Request, design: DesignSpec, alertsPerSecond: number): number {
  const sharing = Math.max(1, Math.min(design.concurrency, alertsPerSecond * r.seconds));
  return Math.max(r.cpuSeconds / r.size.cpu, r.seconds / sharing);
}

function functionsPerAlert(input: CostInput, design: DesignSpec): number {
  const p = input.prices.values;
  const alertsPerSecond = input.alertsPerNight / (input.workload.nightHours * 3600);
  return requestsPerAlert(input, design).reduce(
    (sum, r) =>
      sum +
      billedSeconds(r, design, alertsPerSecond) *
        (r.size.cpu * p.functionVcpuSecond + r.size.memoryGib * p.functionGibSecond) +
      p.functionRequestMillion / 1e6,
    0,
  );
}

/** Bytes through Pub/Sub per alert: each publish and each subscription's delivery. */
function pubsubBytesPerAlert(input: CostInput, design: DesignSpec): number {
  const w = input.workload;
  const s = survey(input);
  // processing subscriptions that deliver the whole alert; the rest read the stored object
  const alertDeliveries = design.oneCall || design.fedByNotification ? 1 : 3;
  const notificationDeliveries = design.fedByNotification ? 2 : 0;
  // publish + deliveries + the night conductor's counter
  const alerts = s.alertBytes * (1 + alertDeliveries + 1);
  const notification = w.notificationBytes * (1 + notificationDeliveries + 1);
  const streams = 2 * s.streamJsonBytes * (s.alertsPureFraction + s.exgalacFraction);
  const salt2 = 2 * w.minimumRowBytes * s.fittedFraction;
  return alerts + notification + streams + salt2;
}

/** Bytes streamed into BigQuery per alert, each row billed as at least the minimum. */
function bigQueryBytesPerAlert(input: CostInput, design: DesignSpec): number {
  const { minimumRowBytes: min } = input.workload;
  const s = survey(input);
  const row = (bytes: number) => Math.max(bytes, min);
  const diaSource = design.oneCall ? 0 : row(s.diaSourceRowBytes);
  return row(s.alertsRowBytes) + diaSource + s.fittedFraction * min;
}

function vmsPerNight(input: CostInput): number {
  const { workload: w, prices } = input;
  const hours = w.nightHours + w.nightConductorHours;
  const disks = (w.vmCount * w.bootDiskGib * prices.values.diskGibMonth) / DAYS_PER_MONTH;
  return hours * prices.values.vmHour + disks;
}

function componentsPerNight(input: CostInput, design: DesignSpec): Record<Component, number> {
  const p = input.prices.values;
  const w = input.workload;
  const s = survey(input);
  const n = input.alertsPerNight;
  const gcsBytes = n * (s.alertBytes + s.fittedFraction * w.plotBytes);
  const bqBytes = n * bigQueryBytesPerAlert(input, design);
  const inserts = n * (1 + s.fittedFraction);
  const reads = design.fedByNotification ? 2 * n : 0;
  const ingestion = design.storageWriteApi ? p.bqStorageWriteGib : p.bqStreamingGib;
  return {
    VMs: vmsPerNight(input),
    Functions: n * functionsPerAlert(input, design),
    "Pub/Sub": ((n * pubsubBytesPerAlert(input, design)) / TIB) * p.pubsubTib,
    "GCS operations": (inserts / 1000) * p.gcsClassAThousand + (reads / 1000) * p.gcsClassBThousand,
    "GCS storage (a month)": (gcsBytes / GIB) * p.gcsGibMonth,
    "BigQuery ingestion": (bqBytes / GIB) * ingestion,
    "BigQuery storage (a month)": (bqBytes / GIB) * p.bqGibMonth,
    Egress: ((n * w.egressBytesPerAlert) / GIB) * p.egressGib,
  };
}

export function nightCost(input: CostInput, design: DesignSpec): DesignCost {
  const n = input.alertsPerNight;
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`alerts per night must be a positive integer, got ${n}`);
  }
  const perNight = componentsPerNight(input, design);
  const components = COMPONENTS.map((component) => ({
    component,
    perNight: perNight[component],
    perMillionAlerts: (perNight[component] / n) * 1e6,
  }));
  const total = components.reduce((t, c) => t + c.perNight, 0);
  return { design: design.id, components, perNight: total, perMillionAlerts: (total / n) * 1e6 };
}
