import { describe, expect, it } from "vitest";
import {
  alertFunctionSizes,
  breakEvenReadSeconds,
  deployedDesign,
  designOf,
  designs,
  loadPrices,
  loadWorkload,
  memoryGib,
  nightCost,
  parsePrices,
  PRICE_KEYS,
  type CostInput,
  type DesignSpec,
  type PriceList,
  type Workload,
} from "@pgb/cost";

const TIB = 2 ** 40;
const GIB = 2 ** 30;

/** Prices of 0 except the ones a test sets, so each component can be checked alone. */
function prices(values: Partial<PriceList["values"]>): PriceList {
  const zero = Object.fromEntries(PRICE_KEYS.map((k) => [k, 0])) as PriceList["values"];
  return {
    date: "2026-12-07",
    region: "us-central1",
    values: { ...zero, ...values },
    unconfirmed: [],
  };
}

const workload: Workload = {
  date: "2026-12-07",
  nightHours: 10,
  nightConductorHours: 0.5,
  vmCount: 2,
  bootDiskGib: 20,
  fitSeconds: 0,
  plotSeconds: 0,
  fittedWritesSeconds: 0,
  plotBytes: 0,
  egressBytesPerAlert: 0,
  notificationBytes: 10,
  minimumRowBytes: 1024,
  objectReadSeconds: 0.5,
  candidateConcurrency: 8,
  functionSeconds: { upload_bytes_to_bucket: 1, "bq-sink": 2, "value-added": 3 },
  functionCpuSeconds: { upload_bytes_to_bucket: 0.01, "bq-sink": 0.01, "value-added": 0.01 },
  surveys: {
    ztf: {
      alertBytes: 100,
      alertsRowBytes: 500,
      diaSourceRowBytes: 2000,
      streamJsonBytes: 0,
      alertsPureFraction: 0,
      exgalacFraction: 0,
      fittedFraction: 0,
    },
  },
};

const sizes = {
  upload_bytes_to_bucket: { cpu: 1, memoryGib: 0.5 },
  "bq-sink": { cpu: 1, memoryGib: 0.5 },
  "value-added": { cpu: 1, memoryGib: 2 },
};

const input = (p: PriceList, alertsPerNight = 1000, w: Workload = workload): CostInput => ({
  survey: "ztf",
  alertsPerNight,
  prices: p,
  workload: w,
  functions: sizes,
});

const DESIGN = Object.fromEntries(designs(workload).map((d) => [d.id, d])) as Record<
  string,
  DesignSpec
>;
const reference = DESIGN["reference"]!;
const ours = DESIGN["alert-pushes"]!;
const notification = DESIGN["notification"]!;
const concurrent = DESIGN["concurrency-8"]!;
const writeApi = DESIGN["notification+c8+write-api"]!;

const component = (c: ReturnType<typeof nightCost>, name: string) =>
  c.components.find((x) => x.component === name)?.perNight;

describe("cost model", () => {
  it("bills Pub/Sub for the publish and every delivery: 3 processing subscriptions against 1", () => {
    const p = prices({ pubsubTib: TIB }); // $1 a byte
    // alerts: publish + processing + counter; the notification: publish + counter
    expect(component(nightCost(input(p), ours), "Pub/Sub")).toBeCloseTo(1000 * (100 * 5 + 20));
    expect(component(nightCost(input(p), reference), "Pub/Sub")).toBeCloseTo(1000 * (100 * 3 + 20));
  });

  it("bills 1 KB notifications instead of two whole alerts when bq-sink and value-added read the bucket", () => {
    const p = prices({ pubsubTib: TIB });
    // alerts: publish + upload + counter; the notification: publish + 2 deliveries + counter
    expect(component(nightCost(input(p), notification), "Pub/Sub")).toBeCloseTo(
      1000 * (100 * 3 + 40),
    );
    const reads = prices({ gcsClassBThousand: 1000, gcsClassAThousand: 1000 });
    expect(component(nightCost(input(reads), notification), "GCS operations")).toBeCloseTo(3000);
    expect(component(nightCost(input(reads), ours), "GCS operations")).toBeCloseTo(1000);
    // each of bq-sink and value-added waits for its read: 0.5 s more at 1 vCPU
    const cpu = prices({ functionVcpuSecond: 1 });
    expect(component(nightCost(input(cpu), notification), "Functions")).toBeCloseTo(1000 * 7);
  });

  it("shares an instance's time between concurrent requests, never below their CPU", () => {
    const cpu = prices({ functionVcpuSecond: 1 });
    // 36,000 alerts over 10 h = 1 a second: 1, 2 and 3 requests in flight, under the concurrency
    const busy = input(cpu, 36_000);
    expect(component(nightCost(busy, concurrent), "Functions")).toBeCloseTo(36_000 * 3);
    // 3.6 M alerts: 100 a second, so each instance runs full at 8
    const full = input(cpu, 3_600_000);
    expect(component(nightCost(full, concurrent), "Functions")).toBeCloseTo(3_600_000 * (6 / 8));
    const cpuBound = {
      ...workload,
      functionCpuSeconds: { upload_bytes_to_bucket: 1, "bq-sink": 1, "value-added": 1 },
    };
    expect(
      component(nightCost(input(cpu, 3_600_000, cpuBound), concurrent), "Functions"),
    ).toBeCloseTo(3_600_000 * (1 + 1 + 1));
    expect(component(nightCost(input(cpu, 3_600_000), ours), "Functions")).toBeCloseTo(
      3_600_000 * 6,
    );
  });

  it("bills the Storage Write API at its own price per GiB", () => {
    const p = prices({ bqStorageWriteGib: GIB, bqStreamingGib: 2 * GIB });
    expect(component(nightCost(input(p), writeApi), "BigQuery ingestion")).toBeCloseTo(1000 * 3024);
    expect(component(nightCost(input(p), ours), "BigQuery ingestion")).toBeCloseTo(1000 * 3024 * 2);
  });

  it("finds the read time at which the notification design stops paying", () => {
    // a delivered alert costs $1 a byte, a second of function $1: two 100-byte deliveries
    // saved, two 10-byte deliveries added, two reads of t seconds: t = 180 / 2 = 90 s … capped
    const p = prices({ pubsubTib: TIB / 1000, functionVcpuSecond: 1 });
    // saved per alert: 2 × 100 − 2 × 10 bytes at $0.001 = $0.18; reads cost 2 t → t = 0.09 s
    expect(breakEvenReadSeconds(input(p), notification, ours)).toBeCloseTo(0.09, 3);
    expect(breakEvenReadSeconds(input(prices({ functionVcpuSecond: 1 })), notification, ours)).toBe(
      undefined,
    );
    expect(breakEvenReadSeconds(input(prices({ pubsubTib: TIB })), notification, ours)).toBe(
      Infinity,
    );
  });

  it("bills each function's time at its size; the reference runs all of it in the largest", () => {
    const cpu = prices({ functionVcpuSecond: 1 });
    expect(component(nightCost(input(cpu), ours), "Functions")).toBeCloseTo(1000 * 6);
    const memory = prices({ functionGibSecond: 1 });
    expect(component(nightCost(input(memory), ours), "Functions")).toBeCloseTo(1000 * 7.5);
    expect(component(nightCost(input(memory), reference), "Functions")).toBeCloseTo(1000 * 12);
    const requests = prices({ functionRequestMillion: 1e6 });
    expect(component(nightCost(input(requests), ours), "Functions")).toBeCloseTo(3000);
    expect(component(nightCost(input(requests), reference), "Functions")).toBeCloseTo(1000);
  });

  it("streams two rows per alert (each at least 1 KB), the reference one", () => {
    const p = prices({ bqStreamingGib: GIB });
    expect(component(nightCost(input(p), ours), "BigQuery ingestion")).toBeCloseTo(1000 * 3024);
    expect(component(nightCost(input(p), reference), "BigQuery ingestion")).toBeCloseTo(
      1000 * 1024,
    );
  });

  it("costs the VMs per night whatever the alerts, and gives per-million figures", () => {
    const p = prices({ vmHour: 1 });
    const small = nightCost(input(p, 1000), ours);
    const large = nightCost(input(p, 1_000_000), ours);
    expect(component(small, "VMs")).toBe(10.5);
    expect(component(large, "VMs")).toBe(10.5);
    expect(small.perMillionAlerts).toBeCloseTo(10.5 * 1000);
    expect(large.perNight).toBe(10.5);
  });

  it("refuses a night without alerts and a survey without workload, naming the fix", () => {
    expect(() => nightCost(input(prices({}), 0), ours)).toThrow(/positive integer, got 0/);
    expect(() => nightCost({ ...input(prices({})), survey: "decat" }, ours)).toThrow(
      'no workload for survey "decat": use one of ztf',
    );
  });
});

describe("cost data", () => {
  it("dates every price and names its source; lists the unconfirmed ones", () => {
    const list = loadPrices();
    expect(list.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const k of PRICE_KEYS) expect(list.values[k], k).toBeGreaterThan(0);
    expect(list.unconfirmed).toContain("vmHour");
    expect(list.unconfirmed).not.toContain("pubsubTib");
  });

  it("names the file and key of a bad price", () => {
    expect(() =>
      parsePrices({ date: "d", region: "r", prices: { vmHour: { value: "1" } } }),
    ).toThrow('data/prices.json prices: "vmHour" must be a number ≥ 0');
  });

  it("has the measured workload of ZTF and LSST, and the deployed function sizes", () => {
    const w = loadWorkload();
    expect(Object.keys(w.surveys).sort()).toEqual(["lsst", "ztf"]);
    expect(w.surveys["ztf"]?.alertBytes).toBe(72600);
    expect(alertFunctionSizes("ztf")).toEqual({
      upload_bytes_to_bucket: { cpu: 1, memoryGib: 0.5 },
      "bq-sink": { cpu: 1, memoryGib: 0.5 },
      "value-added": { cpu: 1, memoryGib: 1 },
    });
    expect(memoryGib("256Mi")).toBe(0.25);
    expect(designOf(designs(w), deployedDesign("ztf")).id).toBe("notification+c8");
    expect(() => designOf(designs(w), { ...deployedDesign("ztf"), concurrency: 3 })).toThrow(
      /no design in the cost model has the deployed choices/,
    );
    expect(() => memoryGib("2G")).toThrow(/not <number>Mi or <number>Gi/);
  });
});
