/**
 * Value tables (packages/salt2/src/fit/value-table.ts): a band's phase nodes at one (z, c), kept
 * across fits for the profile scan and the start guess. They must give the live projection's values
 * to the bit, or the fits would depend on which fits came before.
 */
import { describe, expect, it } from "vitest";

import { bandflux, getBandpass, salt2Model } from "@pgb/salt2";

import { bandProjection, tabulatedBandflux } from "../../../packages/salt2/src/fit/bandflux.js";
import { SLOT, SLOT_COUNT } from "../../../packages/salt2/src/fit/projection.js";
import { valueTable } from "../../../packages/salt2/src/fit/value-table.js";

const model = salt2Model();
/** Rest phases across the model's range and beyond it, edge cells included. */
const phases = Array.from({ length: 181 }, (_, k) => -25 + k * 0.43);

describe("value tables", () => {
  it.each([
    ["ztfg", 0.01, 0],
    ["ztfr", 0.105, 0.3],
    ["ztfi", 0.2, -1.7],
    ["lsstu", 0.05, 0.1],
  ] as const)("%s at z = %f, c = %f: the projection's values to the bit", (band, z, c) => {
    const projection = bandProjection(model, getBandpass(band));
    const table = valueTable(projection, z, c);
    const live = new Float64Array(SLOT_COUNT);
    const kept = new Float64Array(SLOT_COUNT);
    for (const p of phases) {
      projection.prepare(z, c, 0);
      const inside = projection.interpolate(p, live, 0);
      expect(table.value(p, kept)).toBe(inside);
      expect([kept[SLOT.A], kept[SLOT.A + 1]]).toEqual([live[SLOT.A], live[SLOT.A + 1]]);
    }
  });

  it("is projected once per band and (z, c), and is independent of the projection's later state", () => {
    const projection = bandProjection(model, getBandpass("ztfg"));
    const table = valueTable(projection, 0.07, 0.2);
    const before = new Float64Array(SLOT_COUNT);
    table.value(3.3, before);
    projection.prepare(0.15, -0.4, 1);
    expect(valueTable(projection, 0.07, 0.2)).toBe(table);
    const after = new Float64Array(SLOT_COUNT);
    table.value(3.3, after);
    expect(after).toEqual(before);
    expect(valueTable(projection, 0.07, 0.21)).not.toBe(table);
  });

  it("series: the values at phases a whole number of template nodes apart", () => {
    const projection = bandProjection(model, getBandpass("ztfr"));
    const table = valueTable(projection, 0.12, 0.5);
    const step = projection.phaseStep;
    expect(step).toBeGreaterThan(0);
    const count = 40;
    const series = new Float64Array(2 * count);
    table.series(51.7, 2, count, series);
    const one = new Float64Array(SLOT_COUNT);
    for (let k = 0; k < count; k++) {
      const inside = table.value(51.7 - 2 * k * step, one);
      for (const t of [0, 1]) {
        const expected = inside ? (one[SLOT.A + t] as number) : 0;
        const got = series[2 * k + t] as number;
        expect(Math.abs(got - expected), `k = ${k}`).toBeLessThanOrEqual(
          1e-12 * Math.abs(expected),
        );
      }
    }
    // The series covers the range's end (outside, zero) and its inside.
    expect(series[0]).toBe(0);
    expect(series.some((v) => v !== 0)).toBe(true);
  });

  it("bandflux of the start guess: the tabulated path equals bandflux", () => {
    const band = getBandpass("ztfg");
    const params = { z: 0.105, t0: 59000, x0: 1e-4, x1: 0.3, c: 0 };
    const times = Array.from({ length: 90 }, (_, k) => 58975 + k);
    expect(tabulatedBandflux(params, band, times, 25, model)).toEqual(
      bandflux(params, band, times, 25, model),
    );
  });
});
