import { describe, expect, it } from "vitest";

import { BandpassError, bandflux, type Salt2Params } from "@pgb/salt2";

import { APPENDIX_C } from "./appendix-c.js";
import { fixture } from "./fixtures.js";

const SETS: Salt2Params[] = [
  { z: 0.05, t0: 59000, x0: 1e-3, x1: 0, c: 0 },
  { z: 0.1, t0: 59000, x0: 4e-4, x1: -1.5, c: 0.2 },
  { z: 0.2, t0: 58000.5, x0: 1.2e-4, x1: 2, c: -0.1 },
];

function relative(got: number, want: number): number {
  return Math.abs(got - want) / Math.abs(want);
}

describe("band fluxes: docs/spec/salt2.md Appendix C", () => {
  it.each(APPENDIX_C)("set %i %s at %f", (set, band, time, flux25, photons) => {
    const params = SETS[set] as Salt2Params;
    expect(relative(bandflux(params, band, [time], 25)[0] as number, flux25)).toBeLessThanOrEqual(
      1e-9,
    );
    expect(relative(bandflux(params, band, [time])[0] as number, photons)).toBeLessThanOrEqual(
      1e-9,
    );
  });
});

describe("band fluxes: edge cases (docs/spec/salt2.md §6.2)", () => {
  const p: Salt2Params = { z: 0.05, t0: 0, x0: 1e-3, x1: 0, c: 0 };

  it("at p = 50 exactly (t = 52.5) uses the last, bilinear phase cell", () => {
    expect(52.5 * (1 / 1.05)).toBe(50);
    expect(
      relative(bandflux(p, "ztfg", [52.5], 25)[0] as number, 38.29462034492781),
    ).toBeLessThanOrEqual(1e-9);
    expect(
      relative(bandflux(p, "ztfr", [52.5], 25)[0] as number, 85.55592185026579),
    ).toBeLessThanOrEqual(1e-9);
  });

  it("is exactly 0 just outside the phase range and at p = −20", () => {
    for (const t of [50.0001 * 1.05, -20.0001 * 1.05, -21.0]) {
      expect(bandflux(p, "ztfg", [t], 25)[0]).toBe(0);
      expect(bandflux(p, "ztfr", [t], 25)[0]).toBe(0);
    }
  });

  it("at p = −19.5", () => {
    expect(
      relative(bandflux(p, "ztfg", [-20.475], 25)[0] as number, 0.41749006436078895),
    ).toBeLessThanOrEqual(1e-9);
  });

  it("refuses a band outside the model's wavelength range", () => {
    expect(() => bandflux({ ...p, z: 0.9 }, "ztfg", [0])).toThrow(BandpassError);
  });
});

describe("band fluxes against sncosmo 2.9 (random parameters, edge phases, ztf/sdss/lsst)", () => {
  const { cases } = fixture<{
    cases: (Salt2Params & { band: string; zp: number; time: number[]; flux: number[] })[];
  }>("bandflux.json");

  it(`agrees to 1e-9 relative with exact zeros (${cases.length} parameter sets)`, () => {
    let worst = 0;
    let points = 0;
    for (const c of cases) {
      const ours = bandflux(c, c.band, c.time, c.zp);
      c.flux.forEach((want, i) => {
        const got = ours[i] as number;
        points++;
        if (want === 0) expect(got, `${c.band} z=${c.z} t=${c.time[i]}`).toBe(0);
        else worst = Math.max(worst, relative(got, want));
      });
    }
    expect(points).toBeGreaterThan(3000);
    expect(worst).toBeLessThanOrEqual(1e-9);
  });
});
