/**
 * The building blocks of the value-added filters: a criterion's result, numeric thresholds with
 * the spec's null rule (NaN counts as null; a null operand fails unless the rule names null), and
 * the "not moving" span shared by every survey (docs/spec/broker.md §6).
 */
import type { Alert } from "../alerts/alert.js";
import type { AlertRecord } from "../schema-maps/index.js";

export interface CriterionResult {
  readonly pass: boolean;
  /** The operand(s) the rule saw, nulls for missing or NaN. */
  readonly value: unknown;
  readonly rule: string;
}

export interface FilterResult {
  readonly pass: boolean;
  /** False for surveys without filters (elasticc): pass is false and nothing is published. */
  readonly applicable: boolean;
  readonly reasons: Readonly<Record<string, CriterionResult>>;
}

/** A number, or null for null, absent, NaN and non-numbers. */
export function num(record: AlertRecord, name: string): number | null {
  const value = record[name];
  return typeof value === "number" && !Number.isNaN(value) ? value : null;
}

export function threshold(
  record: AlertRecord,
  name: string,
  rule: string,
  test: (value: number) => boolean,
): CriterionResult {
  const value = num(record, name);
  return { pass: value !== null && test(value), value, rule };
}

export function combine(reasons: Record<string, CriterionResult>): FilterResult {
  return { pass: Object.values(reasons).every((r) => r.pass), applicable: true, reasons };
}

/** Positive detections must span at least 30 min to rule out a moving object. */
export const MIN_SPAN_DAYS = 1 / 48;

/**
 * At least 2 positive records among the source and the previous sources whose sorted times (MJD,
 * through the schema map) span MIN_SPAN_DAYS; records without a time are left out.
 */
export function notMoving(
  alert: Alert,
  isPositive: (record: AlertRecord) => boolean,
  rule: string,
): CriterionResult {
  const times = [...(alert.source ? [alert.source] : []), ...(alert.prvSources ?? [])]
    .filter(isPositive)
    .map((record) => alert.schemaMap.mjd(record))
    .filter((mjd): mjd is number => mjd !== undefined)
    .sort((a, b) => a - b);
  const span = times.length >= 2 ? times.at(-1)! - times[0]! : null;
  return {
    pass: span !== null && span >= MIN_SPAN_DAYS,
    value: { positiveDetections: times.length, spanDays: span },
    rule,
  };
}
