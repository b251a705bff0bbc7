/**
 * The value-added filters (docs/spec/broker.md §6), run independently on an alert's source record:
 * - purity (→ alerts_pure): ZTF rb ≥ 0.65 ∧ nbad = 0 ∧ fwhm ≤ 5 ∧ elong ≤ 1.2 ∧ |magdiff| ≤ 0.1;
 *   LSST reliability, PSF-flux S/N and flags (./lsst.ts); DECAT rb ≥ 0.65;
 * - extragalactic transient (→ exgalac_trans): ZTF and LSST positive ∧ not a star ∧ not moving ∧
 *   not a known solar-system object; DECAT always true.
 * NaN counts as null, and a null operand makes its comparison false unless the rule names null.
 * ELAsTiCC has no filters: the result says "not applicable".
 */
import type { Alert } from "../alerts/alert.js";
import type { AlertRecord } from "../schema-maps/index.js";
import { combine, notMoving, num, threshold, type FilterResult } from "./criteria.js";
import { lsstExtragalacticTransient, lsstPurity } from "./lsst.js";

/** ZTF isdiffpos: t or 1 = positive (science − reference). */
function isPositive(record: AlertRecord): boolean {
  return record["isdiffpos"] === "t" || record["isdiffpos"] === "1";
}

function notApplicable(alert: Alert): FilterResult {
  return {
    pass: false,
    applicable: false,
    reasons: {
      survey: {
        pass: false,
        value: alert.survey,
        rule: "filters exist for ztf, lsst and decat only",
      },
    },
  };
}

function sourceOf(alert: Alert): AlertRecord {
  return alert.source ?? {};
}

export function purityFilter(alert: Alert): FilterResult {
  const source = sourceOf(alert);
  const rb = threshold(source, "rb", "rb >= 0.65", (v) => v >= 0.65);
  switch (alert.survey) {
    case "ztf":
      return combine({
        rb,
        nbad: threshold(source, "nbad", "nbad = 0", (v) => v === 0),
        fwhm: threshold(source, "fwhm", "fwhm <= 5", (v) => v <= 5),
        elong: threshold(source, "elong", "elong <= 1.2", (v) => v <= 1.2),
        magdiff: threshold(source, "magdiff", "|magdiff| <= 0.1", (v) => Math.abs(v) <= 0.1),
      });
    case "lsst":
      return lsstPurity(alert);
    case "decat":
      return combine({ rb });
    default:
      return notApplicable(alert);
  }
}

function ztfExtragalacticTransient(alert: Alert): FilterResult {
  const source = sourceOf(alert);
  const distpsnr1 = num(source, "distpsnr1");
  const sgscore1 = num(source, "sgscore1");
  const ssdistnr = num(source, "ssdistnr");
  return combine({
    positive: {
      pass: isPositive(source),
      value: source["isdiffpos"] ?? null,
      rule: "isdiffpos in {t, 1}",
    },
    notStar: {
      pass: distpsnr1 === null || distpsnr1 > 1.5 || (sgscore1 !== null && sgscore1 < 0.5),
      value: { distpsnr1, sgscore1 },
      rule: "distpsnr1 null or > 1.5, otherwise sgscore1 < 0.5",
    },
    notMoving: notMoving(
      alert,
      isPositive,
      "at least 2 positive detections (candidate and prv_candidates) spanning >= 1/48 d (30 min)",
    ),
    notSolarSystem: {
      pass: ssdistnr === null || ssdistnr < 0 || ssdistnr > 5,
      value: ssdistnr,
      rule: "ssdistnr null, < 0 (none) or > 5",
    },
  });
}

export function extragalacticTransientFilter(alert: Alert): FilterResult {
  switch (alert.survey) {
    case "ztf":
      return ztfExtragalacticTransient(alert);
    case "lsst":
      return lsstExtragalacticTransient(alert);
    case "decat":
      return combine({ decat: { pass: true, value: null, rule: "DECAT: always true" } });
    default:
      return notApplicable(alert);
  }
}

export interface FilterResults {
  readonly pure: FilterResult;
  readonly extragalacticTransient: FilterResult;
}

/** Both filters, independently. */
export function runFilters(alert: Alert): FilterResults {
  return { pure: purityFilter(alert), extragalacticTransient: extragalacticTransientFilter(alert) };
}
