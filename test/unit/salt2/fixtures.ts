/**
 * Loaders and comparison rules for the sncosmo fixtures of test/fixtures/salt2 (written by
 * bench/salt2/generate_fixtures.py): acceptance rules of docs/spec/salt2.md §6.1.
 */
import { readFileSync } from "node:fs";

import {
  photometryRows,
  type FitResult,
  type ParamName,
  type PhotometryColumns,
  type PhotometryPoint,
} from "@pgb/salt2";

const DIR = new URL("../../fixtures/salt2/", import.meta.url);

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, DIR), "utf8")) as T;
}

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, DIR), "utf8");
}

export type Columns = PhotometryColumns;
export const rows = photometryRows;

export type Params = Record<ParamName, number>;

export interface SncosmoResult {
  success: boolean;
  message: string;
  ncall: number;
  chisq: number;
  ndof: number;
  parameters: Params;
  vparamNames: ParamName[];
  nfit: number;
  errors: Partial<Record<ParamName, number | null>>;
  covariance: (number | null)[][] | null;
  hesseErrors: Partial<Record<ParamName, number | null>> | null;
}

export interface SncosmoFit {
  zStart?: number;
  t0Bounds?: [number, number];
  guess?: { t0: number; x0: number };
  result?: SncosmoResult;
  error?: { type: string; message: string };
  warnings?: string[];
}

/** Outcome of comparing one fit with sncosmo's. */
export interface Comparison {
  /** Violations of the §6.1 rules. */
  failures: string[];
  /** TS χ² lower than sncosmo's by more than 0.01: a different (better) minimum. */
  betterMinimum: boolean;
  /** Largest |Δθ|/σ over compared parameters; relative error differences of t0, x0, x1, c and of z. */
  maxSigma: number;
  maxErrorDeviation: number;
  zErrorDeviation: number;
}

/** Parameters sncosmo left within 1e-5 of the range from a bound (docs/spec/salt2.md §6.8 †). */
export function sncosmoAtBound(
  ref: SncosmoResult,
  bounds: Partial<Record<ParamName, readonly [number, number]>>,
): ParamName[] {
  return ref.vparamNames.filter((name) => {
    const b = bounds[name];
    if (b === undefined) return false;
    const tol = 1e-5 * (b[1] - b[0]);
    const v = ref.parameters[name];
    return Math.abs(v - b[0]) <= tol || Math.abs(v - b[1]) <= tol;
  });
}

/**
 * §6.1: χ² ≤ sncosmo + 1e-3 (a minimum lower by > 0.01 is a finding, not compared further); same
 * active bounds; free parameters within 0.05σ; errors within 5 % of sncosmo's reported or of Minuit's
 * HESSE errors at sncosmo's optimum when no bound is active; same ndof and success. With the model
 * covariance, the last fit's χ² depends on where the previous fit froze C_model, hence a tolerance.
 */
export function compareFit(ours: FitResult, ref: SncosmoResult, chisqTolerance = 1e-3): Comparison {
  const failures: string[] = [];
  const ourError = (name: ParamName) => ours.errors[name] ?? NaN;
  const out: Comparison = {
    failures,
    betterMinimum: false,
    maxSigma: 0,
    maxErrorDeviation: 0,
    zErrorDeviation: 0,
  };
  if (ours.chisq > ref.chisq + chisqTolerance) {
    failures.push(`chisq ${ours.chisq} > sncosmo ${ref.chisq} + ${chisqTolerance}`);
  }
  if (ours.ndof !== ref.ndof) failures.push(`ndof ${ours.ndof} ≠ ${ref.ndof}`);
  if (ours.chisq < ref.chisq - 0.01) {
    out.betterMinimum = true;
    return out;
  }
  if (ours.success !== ref.success) failures.push(`success ${ours.success} ≠ ${ref.success}`);
  const refBound = sncosmoAtBound(ref, ours.bounds);
  const ourBound = [...ours.atBound].sort();
  if (refBound.sort().join() !== ourBound.join()) {
    failures.push(`bounds [${ourBound.join()}] ≠ sncosmo [${refBound.join()}]`);
  }
  for (const name of ref.vparamNames) {
    if (refBound.includes(name)) continue;
    const sigma = ref.errors[name];
    if (sigma === null || sigma === undefined || !(sigma > 0)) continue;
    const d = Math.abs(ours.params[name] - ref.parameters[name]) / sigma;
    out.maxSigma = Math.max(out.maxSigma, d);
    if (d > 0.05) failures.push(`${name}: |Δ| = ${d.toFixed(3)}σ`);
  }
  if (refBound.length === 0) {
    for (const name of ref.vparamNames) {
      // Minuit's reported error comes from MIGRAD's covariance unless it ran HESSE; both are Minuit's
      // answers, and χ² is only C¹ in z (Keys interpolation), so curvature estimates differ by a few %.
      const references = [ref.errors[name], ref.hesseErrors?.[name]].filter(
        (e): e is number => typeof e === "number" && e > 0,
      );
      if (references.length === 0) continue;
      const dev = Math.min(...references.map((e) => Math.abs(ourError(name) / e - 1)));
      if (name === "z") out.zErrorDeviation = dev;
      else out.maxErrorDeviation = Math.max(out.maxErrorDeviation, dev);
      if (!(dev <= 0.05)) failures.push(`${name}: error deviates ${(100 * dev).toFixed(1)} %`);
    }
  }
  return out;
}

/** LC-B (Appendix B) converted per docs/spec/salt2.md §3.3 with error factor k. */
export function lcB(k: number): PhotometryPoint[] {
  const [, ...lines] = fixtureText("lc-b.csv").trim().split("\n");
  return lines.map((line) => {
    const [mjd, band, magpsf, sigmapsf, magzpsci] = line.split(",");
    const flux = 10 ** ((Number(magzpsci) - Number(magpsf)) / 2.5);
    return {
      time: Number(mjd),
      band: `ztf${band}`,
      flux,
      fluxerr: flux * Number(sigmapsf) * k,
      zp: Number(magzpsci),
      zpsys: "ab",
    };
  });
}
/** Error factors of docs/spec/salt2.md §3.3: correct, and Pitt-Google's ln 4. */
export const LN10_2_5 = Math.LN10 / 2.5;
export const LN4 = Math.log(10 / 2.5);
