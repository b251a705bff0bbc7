import { describe, expect, it } from "vitest";

import { chisq, parseLightCurveCsv, type Salt2Params } from "@pgb/salt2";

import { LN10_2_5, LN4, fixture, fixtureText, lcB, rows, type Columns } from "./fixtures.js";

describe("χ² golden values (docs/spec/salt2.md §6.3)", () => {
  const lcA = parseLightCurveCsv(fixtureText("lc-a.csv"));
  const truthA: Salt2Params = { z: 0.05, t0: 59000, x0: 1.5e-3, x1: 0.7, c: 0.08 };
  const truthB: Salt2Params = { z: 0.07, t0: 59300, x0: 9e-4, x1: -0.4, c: 0.02 };

  it("LC-A at the truth, without and with the model covariance", () => {
    expect(Math.abs(chisq(lcA, truthA) / 34.18904126711973 - 1)).toBeLessThanOrEqual(1e-9);
    expect(
      Math.abs(chisq(lcA, truthA, { modelcov: true }) / 19.392882106627507 - 1),
    ).toBeLessThanOrEqual(1e-9);
  });

  it("LC-B with the correct and the Pitt-Google errors", () => {
    expect(Math.abs(chisq(lcB(LN10_2_5), truthB) / 19.003451132443473 - 1)).toBeLessThanOrEqual(
      1e-9,
    );
    expect(Math.abs(chisq(lcB(LN4), truthB) / 8.38828012171233 - 1)).toBeLessThanOrEqual(1e-9);
  });
});

describe("χ² against sncosmo 2.9 at random parameters", () => {
  const { lightcurves } = fixture<{ lightcurves: Record<string, Columns> }>("lightcurves.json");
  const { cases } = fixture<{
    cases: { lightcurve: string; parameters: Salt2Params; chisq: number; chisqModelcov: number }[];
  }>("chisq.json");

  it.each(cases.map((c, i) => [i, c] as const))("case %i", (_, c) => {
    const data = rows(lightcurves[c.lightcurve] as Columns);
    expect(Math.abs(chisq(data, c.parameters) / c.chisq - 1)).toBeLessThanOrEqual(1e-9);
    const withModel = chisq(data, c.parameters, { modelcov: true });
    expect(Math.abs(withModel / c.chisqModelcov - 1)).toBeLessThanOrEqual(1e-9);
  });
});
