/**
 * The cost of one night of a broker instance, by component, from the per-alert work and bytes of
 * `workload.json` and the list prices of `prices.json`. Two designs: ours (three functions per
 * alert, two streaming inserts: alerts and DIASource) and the reference design (one function call
 * and one streaming insert per alert), so the price of splitting the work is visible.
 */
import type { AlertFunction, PriceList, SurveyWorkload, Workload } from "./data.js";

export type Design = "ours" | "reference";
export const DESIGNS: readonly Design[] = ["ours", "reference"];

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
  design: Design;
  components: ComponentCost[];
  perNight: number;
  perMillionAlerts: number;
}

const GIB = 2 ** 30;
const TIB = 2 ** 40;
const DAYS_PER_MONTH = 730 / 24;

/** One alert's requests: wall time, size and count, per design. */
interface Requests {
  seconds: number;
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

/** The SALT2 work of an average alert (fit, plot and the writes of a fitted alert). */
function salt2Seconds(w: Workload, s: SurveyWorkload): number {
  return s.fittedFraction * (w.fitSeconds + w.plotSeconds + w.fittedWritesSeconds);
}

/** Ours: each alert function on its own; the reference: one call doing all of it at the largest size. */
function requestsPerAlert(input: CostInput, design: Design): Requests[] {
  const { workload: w, functions } = input;
  const s = survey(input);
  const ours: Requests[] = (Object.keys(functions) as AlertFunction[]).map((fn) => ({
    seconds: w.functionSeconds[fn] + (fn === "value-added" ? salt2Seconds(w, s) : 0),
    size: functions[fn],
  }));
  if (design === "ours") return ours;
  const largest = ours.reduce((a, b) => (b.size.memoryGib > a.size.memoryGib ? b : a));
  return [{ seconds: ours.reduce((t, r) => t + r.seconds, 0), size: largest.size }];
}

function functionsPerAlert(input: CostInput, design: Design): number {
  const p = input.prices.values;
  return requestsPerAlert(input, design).reduce(
    (sum, r) =>
      sum +
      r.seconds * (r.size.cpu * p.functionVcpuSecond + r.size.memoryGib * p.functionGibSecond) +
      p.functionRequestMillion / 1e6,
    0,
  );
}

/** Bytes through Pub/Sub per alert: each publish and each subscription's delivery. */
function pubsubBytesPerAlert(input: CostInput, design: Design): number {
  const w = input.workload;
  const s = survey(input);
  const processing = design === "ours" ? 3 : 1;
  // publish + every processing subscription + the night conductor's counter
  const alerts = s.alertBytes * (1 + processing + 1);
  const notification = w.notificationBytes * 2;
  const streams = 2 * s.streamJsonBytes * (s.alertsPureFraction + s.exgalacFraction);
  const salt2 = 2 * w.minimumRowBytes * s.fittedFraction;
  return alerts + notification + streams + salt2;
}

/** Bytes streamed into BigQuery per alert, each row billed as at least the minimum. */
function bigQueryBytesPerAlert(input: CostInput, design: Design): number {
  const { minimumRowBytes: min } = input.workload;
  const s = survey(input);
  const row = (bytes: number) => Math.max(bytes, min);
  const diaSource = design === "ours" ? row(s.diaSourceRowBytes) : 0;
  return row(s.alertsRowBytes) + diaSource + s.fittedFraction * min;
}

function vmsPerNight(input: CostInput): number {
  const { workload: w, prices } = input;
  const hours = w.nightHours + w.nightConductorHours;
  const disks = (w.vmCount * w.bootDiskGib * prices.values.diskGibMonth) / DAYS_PER_MONTH;
  return hours * prices.values.vmHour + disks;
}

function componentsPerNight(input: CostInput, design: Design): Record<Component, number> {
  const p = input.prices.values;
  const w = input.workload;
  const s = survey(input);
  const n = input.alertsPerNight;
  const gcsBytes = n * (s.alertBytes + s.fittedFraction * w.plotBytes);
  const bqBytes = n * bigQueryBytesPerAlert(input, design);
  return {
    VMs: vmsPerNight(input),
    Functions: n * functionsPerAlert(input, design),
    "Pub/Sub": ((n * pubsubBytesPerAlert(input, design)) / TIB) * p.pubsubTib,
    "GCS operations": ((n * (1 + s.fittedFraction)) / 1000) * p.gcsClassAThousand,
    "GCS storage (a month)": (gcsBytes / GIB) * p.gcsGibMonth,
    "BigQuery ingestion": (bqBytes / GIB) * p.bqStreamingGib,
    "BigQuery storage (a month)": (bqBytes / GIB) * p.bqGibMonth,
    Egress: ((n * w.egressBytesPerAlert) / GIB) * p.egressGib,
  };
}

export function nightCost(input: CostInput, design: Design): DesignCost {
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
  return { design, components, perNight: total, perMillionAlerts: (total / n) * 1e6 };
}
