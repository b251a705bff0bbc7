/**
 * The cost model's two data files, `data/prices.json` (dated list prices with their sources)
 * and `data/workload.json` (what one alert costs in work and bytes, measured or estimated).
 * Each value there is `{ value, source, … }`; loading keeps the numbers and checks every one.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const PRICE_KEYS = [
  "vmHour",
  "diskGibMonth",
  "functionVcpuSecond",
  "functionGibSecond",
  "functionRequestMillion",
  "pubsubTib",
  "gcsClassAThousand",
  "gcsClassBThousand",
  "gcsGibMonth",
  "bqStreamingGib",
  "bqStorageWriteGib",
  "bqGibMonth",
  "egressGib",
] as const;
export type PriceKey = (typeof PRICE_KEYS)[number];

export interface PriceList {
  /** When the prices were taken. */
  date: string;
  region: string;
  values: Record<PriceKey, number>;
  /** Prices not checked against a copy of Google's page (see the file's `confirmed`). */
  unconfirmed: PriceKey[];
}

export const SURVEY_KEYS = [
  "alertBytes",
  "alertsRowBytes",
  "diaSourceRowBytes",
  "streamJsonBytes",
  "alertsPureFraction",
  "exgalacFraction",
  "fittedFraction",
] as const;
export type SurveyWorkload = Record<(typeof SURVEY_KEYS)[number], number>;

export const ALERT_FUNCTIONS = ["upload_bytes_to_bucket", "bq-sink", "value-added"] as const;
export type AlertFunction = (typeof ALERT_FUNCTIONS)[number];

const WORKLOAD_KEYS = [
  "nightHours",
  "nightConductorHours",
  "vmCount",
  "bootDiskGib",
  "fitSeconds",
  "plotSeconds",
  "fittedWritesSeconds",
  "plotBytes",
  "egressBytesPerAlert",
  "notificationBytes",
  "minimumRowBytes",
  "objectReadSeconds",
  "candidateConcurrency",
] as const;

export type Workload = Record<(typeof WORKLOAD_KEYS)[number], number> & {
  date: string;
  /** Wall time of one request of each alert function, before any SALT2 work. */
  functionSeconds: Record<AlertFunction, number>;
  /** CPU time of one request of each alert function, before any SALT2 work. */
  functionCpuSeconds: Record<AlertFunction, number>;
  surveys: Record<string, SurveyWorkload>;
};

const dataFile = (name: string) => fileURLToPath(new URL(`../data/${name}`, import.meta.url));

type Json = Record<string, unknown>;

/** The number at `key` of `obj` (`{ value }` or a bare number), or an error naming file and key. */
function numberAt(obj: Json, key: string, where: string): number {
  const entry = obj[key];
  const value = typeof entry === "object" && entry !== null ? (entry as Json)["value"] : entry;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new Error(`${where}: "${key}" must be a number ≥ 0 (as { "value": N, "source": … })`);
  }
  return value;
}

function numbersAt<K extends string>(
  obj: Json,
  keys: readonly K[],
  where: string,
): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, numberAt(obj, k, where)])) as Record<K, number>;
}

function section(obj: Json, key: string, where: string): Json {
  const s = obj[key];
  if (typeof s !== "object" || s === null) throw new Error(`${where}: "${key}" is missing`);
  return s as Json;
}

function perFunction(json: Json, key: string, where: string): Record<AlertFunction, number> {
  return numbersAt(section(json, key, where), ALERT_FUNCTIONS, `${where} ${key}`);
}

export function parsePrices(json: Json, where = "data/prices.json"): PriceList {
  const prices = section(json, "prices", where);
  return {
    date: String(json["date"]),
    region: String(json["region"]),
    values: numbersAt(prices, PRICE_KEYS, `${where} prices`),
    unconfirmed: PRICE_KEYS.filter((k) => (prices[k] as Json)["confirmed"] !== true),
  };
}

export function parseWorkload(json: Json, where = "data/workload.json"): Workload {
  const surveys = section(json, "surveys", where);
  return {
    date: String(json["date"]),
    ...numbersAt(json, WORKLOAD_KEYS, where),
    functionSeconds: perFunction(json, "functionSeconds", where),
    functionCpuSeconds: perFunction(json, "functionCpuSeconds", where),
    surveys: Object.fromEntries(
      Object.keys(surveys).map((s) => [
        s,
        numbersAt(section(surveys, s, where), SURVEY_KEYS, `${where} surveys.${s}`),
      ]),
    ),
  };
}

export function loadPrices(path = dataFile("prices.json")): PriceList {
  return parsePrices(JSON.parse(readFileSync(path, "utf8")) as Json, path);
}

export function loadWorkload(path = dataFile("workload.json")): Workload {
  return parseWorkload(JSON.parse(readFileSync(path, "utf8")) as Json, path);
}
