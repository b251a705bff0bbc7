/**
 * The LSST value-added filters (docs/spec/broker.md §6, docs/value-added.md), on the alert's
 * diaSource and its previous DIA sources. Each threshold quotes the field's `doc` in the bundled
 * schemas (lsst.vM_m.diaSource.avsc under packages/broker-utils/data/schemas/lsst/). A criterion on a
 * field the alert's version does not carry is left out (v7 has no isDipole and no glint_trail);
 * a field the version carries but the alert leaves null fails, as for ZTF.
 */
import type { Alert } from "../alerts/alert.js";
import type { AlertRecord } from "../schema-maps/index.js";
import {
  combine,
  notMoving,
  num,
  threshold,
  type CriterionResult,
  type FilterResult,
} from "./criteria.js";

/**
 * reliability, v8_0+: "Probability (0-1) that the diaSource is astrophysical, derived from a machine
 * learning model" (v7: "A measure of reliability, computed using information from the source and
 * image characterization…"). At 0.5 a source is at least as likely real as bogus.
 */
export const MIN_RELIABILITY = 0.5;

/**
 * psfFlux: "Flux for Point Source model. Note this actually measures the flux difference between
 * the template and the visit image [nJy]"; psfFluxErr: "Uncertainty of psfFlux [nJy]". |psfFlux| /
 * psfFluxErr ≥ 5 is Rubin's own 5σ detection threshold applied to the flux the light curve uses
 * (`snr`, "the signal-to-noise ratio at which this source was detected", is ≥ 5 for every DIA source
 * by construction and says nothing about the PSF fit).
 */
export const MIN_PSF_SNR = 5;

/**
 * Pixel flags that must be false, each with its `doc`. The 3×3 centre flags are used for
 * saturation, cosmic rays, suspect, interpolated and streak pixels, because a bright host or
 * neighbour may touch the footprint of a real transient; bad, edge and off-image pixels and the
 * flags' own failure count anywhere. pixelFlags_nodataCenter exists from v7_4 on.
 */
export const PIXEL_FLAGS: Readonly<Record<string, string>> = {
  pixelFlags: "General pixel flags failure; set if anything went wrong when setting pixels flags",
  pixelFlags_bad: "Bad pixel in the DiaSource footprint.",
  pixelFlags_edge: "Some of the source footprint is outside usable exposure region",
  pixelFlags_offimage: "DiaSource center is off image.",
  pixelFlags_nodataCenter: "NO_DATA pixel in the 3x3 region around the centroid.",
  pixelFlags_saturatedCenter: "Saturated pixel in the 3x3 region around the centroid.",
  pixelFlags_crCenter: "Cosmic ray in the 3x3 region around the centroid.",
  pixelFlags_suspectCenter: "Suspect pixel in the 3x3 region around the centroid.",
  pixelFlags_interpolatedCenter: "Interpolated pixel in the 3x3 region around the centroid.",
  pixelFlags_streakCenter: "Streak in the 3x3 region around the centroid.",
};

/** The flag names of `names` the record carries whose value is not false (true or null). */
function raisedFlags(record: AlertRecord, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(
    names.filter((name) => name in record && record[name] !== false).map((n) => [n, record[n]]),
  );
}

function flagFalse(record: AlertRecord, name: string, rule: string): CriterionResult {
  const value = record[name] ?? null;
  return { pass: value === false, value, rule };
}

/** |psfFlux| / psfFluxErr; null without both or with a non-positive error. */
function psfSnr(record: AlertRecord): number | null {
  const flux = num(record, "psfFlux");
  const err = num(record, "psfFluxErr");
  return flux === null || err === null || !(err > 0) ? null : Math.abs(flux) / err;
}

function isPositive(record: AlertRecord): boolean {
  const flux = num(record, "psfFlux");
  return flux !== null && flux > 0;
}

/** Purity → alerts_pure. */
export function lsstPurity(alert: Alert): FilterResult {
  const source = alert.source ?? {};
  const snr = psfSnr(source);
  const pixel = raisedFlags(source, Object.keys(PIXEL_FLAGS));
  const reasons: Record<string, CriterionResult> = {
    reliability: threshold(
      source,
      "reliability",
      `reliability >= ${MIN_RELIABILITY}`,
      (v) => v >= MIN_RELIABILITY,
    ),
    snr: {
      pass: snr !== null && snr >= MIN_PSF_SNR,
      value: snr,
      rule: `|psfFlux| / psfFluxErr >= ${MIN_PSF_SNR}`,
    },
    // "Failure to derive linear least-squares fit of psf model": the flux above is not usable
    psfFluxFlag: flagFalse(source, "psfFlux_flag", "psfFlux_flag = false"),
    pixelFlags: {
      pass: Object.keys(pixel).length === 0,
      value: pixel,
      rule: `${Object.keys(PIXEL_FLAGS).join(", ")} all false (where the version has them)`,
    },
  };
  // "Source well fit by a dipole" (v8_0+): a subtraction artefact of a misaligned or moving source
  if ("isDipole" in source)
    reasons["notDipole"] = flagFalse(source, "isDipole", "isDipole = false");
  // "This flag is set if the source is part of a glint trail" (v8_0+): scattered light, not a source
  if ("glint_trail" in source) {
    reasons["notGlint"] = flagFalse(source, "glint_trail", "glint_trail = false");
  }
  return combine(reasons);
}

/** The ssObjectId a source was associated with; null for none (null, or 0 as Rubin writes it). */
function ssObjectId(source: AlertRecord): string | null {
  const id = source["ssObjectId"];
  if (typeof id !== "bigint" && typeof id !== "number") return null;
  return BigInt(id) === 0n ? null : String(id);
}

/** Extragalactic transient → exgalac_trans. */
export function lsstExtragalacticTransient(alert: Alert): FilterResult {
  const source = alert.source ?? {};
  const ssId = ssObjectId(source);
  return combine({
    positive: {
      pass: isPositive(source),
      value: num(source, "psfFlux"),
      rule: "psfFlux > 0 (brighter than the template)",
    },
    notStar: {
      pass: true,
      value: null,
      rule:
        "not judged: no LSST alert v7_0-v11_1 says whether a counterpart is a star " +
        "(v7 diaObject.nearbyObj1-3 are ids, distances and association probabilities only)",
    },
    notMoving: notMoving(
      alert,
      isPositive,
      "at least 2 positive DIA sources (diaSource and prvDiaSources) spanning >= 1/48 d (30 min)",
    ),
    notSolarSystem: {
      pass: ssId === null,
      value: ssId,
      rule: "diaSource.ssObjectId null or 0 (not associated with a solar-system object)",
    },
  });
}
