/**
 * Simulated ZTF light curves (docs/spec/salt2.md §6.7 (c)): 80 SALT2 light curves drawn by sncosmo with noise,
 * fitted with z fixed at the truth, with the product configuration and with the Pitt-Google t0 window.
 */
import { describe, expect, it } from "vitest";

import { PRODUCT_FIT_CONFIG, fitSalt2, type FitConfig, type ParamName } from "@pgb/salt2";

import {
  compareFit,
  fixture,
  rows,
  type Columns,
  type Comparison,
  type SncosmoFit,
} from "./fixtures.js";

interface Simulated {
  name: string;
  truth: Record<ParamName, number>;
  data: Columns;
  fits: Record<
    "zFixed" | "product" | "pittGoogle",
    SncosmoFit & { bounds?: { t0: [number, number] } }
  >;
}

const { lightcurves } = fixture<{ lightcurves: Simulated[] }>("simulated.json");

function configOf(s: Simulated, kind: keyof Simulated["fits"]): FitConfig {
  if (kind === "zFixed") return { vary: ["t0", "x0", "x1", "c"], params: { z: s.truth.z } };
  const t0 = s.fits.pittGoogle.bounds?.t0;
  return kind === "product" || t0 === undefined
    ? PRODUCT_FIT_CONFIG
    : { ...PRODUCT_FIT_CONFIG, bounds: { ...PRODUCT_FIT_CONFIG.bounds, t0 } };
}

/**
 * Fits that end in a local minimum with a higher χ² than Minuit's: sim-077, whose χ² is flat in z
 * with shallow ripples, ends in a neighbouring ripple (docs/salt2.md).
 */
const KNOWN_HIGHER = new Set<string>(["sim-077 product"]);

describe("simulated ZTF light curves against sncosmo 2.9", () => {
  for (const kind of ["zFixed", "product", "pittGoogle"] as const) {
    it(`${kind}: χ² never above sncosmo's except known local minima; same minima agree`, () => {
      const results: (Comparison & { label: string })[] = [];
      const higher: string[] = [];
      for (const s of lightcurves) {
        const ref = s.fits[kind]?.result;
        if (ref === undefined) continue;
        const ours = fitSalt2(rows(s.data), configOf(s, kind));
        const label = `${s.name} ${kind}`;
        if (ours.chisq > ref.chisq + 1e-3) higher.push(label);
        results.push({ ...compareFit(ours, ref), label });
      }
      expect(higher.filter((l) => !KNOWN_HIGHER.has(l))).toEqual([]);
      const same = results.filter((r) => !r.betterMinimum && !higher.includes(r.label));
      const withinSigma = same.filter((r) => r.maxSigma <= 0.05).length / same.length;
      const withinErrors = same.filter((r) => r.maxErrorDeviation <= 0.05).length / same.length;
      // χ² is only C¹ in z, so Minuit's z error depends on its step; ours is the ~0.1σ-scale curvature.
      const zWithin = same.filter((r) => r.zErrorDeviation <= 0.2).length / same.length;
      expect(results.length).toBeGreaterThan(70);
      console.info(
        `${kind}: ${results.length} fits, χ² higher ${higher.length}, lower ${results.filter((r) => r.betterMinimum).length}, ` +
          `same minimum within 0.05σ ${(100 * withinSigma).toFixed(0)} %, errors of t0, x0, x1, c within 5 % ` +
          `${(100 * withinErrors).toFixed(0)} %, z error within 20 % ${(100 * zWithin).toFixed(0)} %`,
      );
      expect(withinSigma).toBeGreaterThanOrEqual(kind === "zFixed" ? 0.98 : 0.9);
      expect(withinErrors).toBeGreaterThanOrEqual(kind === "zFixed" ? 0.98 : 0.9);
      expect(zWithin).toBeGreaterThanOrEqual(0.95);
    });
  }
});
