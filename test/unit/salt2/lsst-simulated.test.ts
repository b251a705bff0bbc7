/**
 * Simulated Rubin (LSST) SN Ia light curves (bench/salt2/simulate_lsst.py): 20 SALT2 light curves
 * in lsstu…lsstz drawn by sncosmo 2.9 with Rubin's cadence and nJy errors, fitted with the product
 * configuration by fitSalt2 and by sncosmo.fit_lc. Our χ² is never above sncosmo's; where both
 * reach the same minimum the parameters agree within 0.05σ; both drop the bands SALT2 cannot cover
 * over z ∈ [0.01, 0.2] (lsstz, and lssty had there been any).
 */
import { describe, expect, it } from "vitest";

import { PRODUCT_FIT_CONFIG, fitSalt2, type ParamName } from "@pgb/salt2";

import { compareFit, fixture, rows, type Columns, type SncosmoFit } from "./fixtures.js";

interface Simulated {
  name: string;
  truth: Record<ParamName, number>;
  data: Columns;
  product: SncosmoFit;
}

const { provenance, lightcurves } = fixture<{
  provenance: { simulated: boolean; sncosmo: string };
  lightcurves: Simulated[];
}>("lsst-simulated.json");

const fits = lightcurves.map((s) => ({
  s,
  ours: fitSalt2(rows(s.data), PRODUCT_FIT_CONFIG),
  ref: s.product.result!,
}));

describe("simulated LSST light curves against sncosmo 2.9 (product fit)", () => {
  it("are 20 simulated curves in LSST bands, each fitted by sncosmo", () => {
    expect(provenance).toMatchObject({ simulated: true, sncosmo: "2.9.0" });
    expect(lightcurves).toHaveLength(20);
    for (const { s, ref } of fits) {
      expect(ref, s.name).toBeDefined();
      expect(new Set(s.data.band).size, s.name).toBeGreaterThanOrEqual(4);
      expect(s.data.band.every((b) => /^lsst[ugrizy]$/.test(b))).toBe(true);
      expect(s.data.zp.every((zp) => zp === 31.4)).toBe(true);
    }
  });

  it.each(fits.map((f) => [f.s.name, f] as const))(
    "%s: χ² ≤ sncosmo's; at the same minimum every parameter within 0.05σ",
    (_, { ours, ref }) => {
      const comparison = compareFit(ours, ref);
      expect(ours.chisq).toBeLessThanOrEqual(ref.chisq + 1e-3);
      if (!comparison.betterMinimum) {
        expect(comparison.maxSigma).toBeLessThanOrEqual(0.05);
        expect(ours.ndof).toBe(ref.ndof);
      }
    },
  );

  it("drops exactly the bands sncosmo drops, with its message", () => {
    for (const { s, ours } of fits) {
      expect(ours.warnings, s.name).toEqual(s.product.warnings ?? []);
    }
    expect(fits.every(({ s }) => s.data.band.includes("lsstz"))).toBe(true);
    expect(fits[0]!.ours.warnings).toEqual([
      "Dropping following bands from data: lsstz(out of model wavelength range)",
    ]);
  });
});
