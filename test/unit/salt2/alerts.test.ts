/**
 * The real ZTF alerts of test/data (all schema versions), as light curves built by the sncosmo
 * fixture generator: the product's epochs (docs/spec/broker.md §6) fitted with the product configuration, and
 * the Pitt-Google epochs fitted with its configuration (docs/spec/salt2.md §6.8). Degenerate problems: χ² must
 * not exceed sncosmo's, and the fits that are well posed must agree (§6.1, §6.8).
 */
import { describe, expect, it } from "vitest";

import { Alert } from "@pgb/broker-utils/alerts";
import { lightCurve } from "@pgb/broker-utils/photometry";

import {
  PRODUCT_FIT_CONFIG,
  REFERENCE_FIT_CONFIG,
  fitSalt2,
  referenceT0Window,
  salt2QualityCuts,
} from "@pgb/salt2";

import { dataPath } from "@pgb/test-data";
import { compareFit, fixture, rows, type Columns, type SncosmoFit } from "./fixtures.js";

interface Epochs extends Columns {
  detection: boolean[];
}
interface AlertFixture {
  file: string;
  objectId: string;
  candid: string;
  product: SncosmoFit & {
    epochs: Epochs;
    cuts: { maxSnr: number | null; detections: number; pass: boolean };
  };
  pittGoogle: SncosmoFit & {
    epochs: Epochs;
    cuts: { maxSnr: number | null; detections: number; pass: boolean };
    T?: number;
  };
}

const { alerts } = fixture<{ alerts: AlertFixture[] }>("alerts.json");
const epochs = (e: Epochs) =>
  rows(e).map((row, i) => ({ ...row, detection: e.detection[i] as boolean }));

/**
 * Fits where this fitter ends in a local minimum with a higher χ² than Minuit's (degenerate light
 * curves with several minima; docs/salt2.md lists them with the χ²). None since the profile scan.
 */
const KNOWN_HIGHER = new Set<string>([]);

describe("real ZTF alerts: quality cuts (docs/spec/broker.md §6, docs/spec/salt2.md §6.8)", () => {
  it.each(alerts.map((a) => [a.file, a] as const))("%s", (_, a) => {
    for (const kind of ["product", "pittGoogle"] as const) {
      const cuts = salt2QualityCuts(epochs(a[kind].epochs));
      expect(cuts.pass, kind).toBe(a[kind].cuts.pass);
      expect(cuts.detections, kind).toBe(a[kind].cuts.detections);
      if (a[kind].cuts.maxSnr !== null) expect(cuts.maxSnr).toBeCloseTo(a[kind].cuts.maxSnr, 9);
    }
  });

  it("rejects the eight v3.3 alerts listed by docs/spec/salt2.md §6.8 (Pitt-Google epochs)", () => {
    const rejected = alerts
      .filter(
        (a) => a.file.startsWith("v3.3/") && !salt2QualityCuts(epochs(a.pittGoogle.epochs)).pass,
      )
      .map((a) => a.file.replace("v3.3/", "").split(".")[0]);
    expect(rejected.sort()).toEqual(
      [
        "472263571115115000",
        "ZTF18abhmmsr",
        "ZTF18acyizaa",
        "ztf_3", // ztf_3.3_1154308030015010004 and ztf_3.3_validschema_…
        "ztf_3",
        "ZTF18abbwsvo",
        "ZTF18abefmzp",
        "ZTF18abkizda",
      ].sort(),
    );
  });
});

describe("real ZTF alerts: fits against sncosmo 2.9", () => {
  const cases = alerts.flatMap((a) =>
    (["product", "pittGoogle"] as const)
      .filter((kind) => a[kind].result !== undefined)
      .map((kind) => [`${a.objectId} ${kind}`, a, kind] as const),
  );

  it.each(cases)("%s", (label, a, kind) => {
    const data = rows(a[kind].epochs);
    const config = kind === "product" ? PRODUCT_FIT_CONFIG : REFERENCE_FIT_CONFIG;
    const ours = fitSalt2(data, config);
    const ref = a[kind].result;
    if (ref === undefined) throw new Error("no sncosmo result");
    if (kind === "pittGoogle") {
      const T = a.pittGoogle.T as number;
      expect(referenceT0Window(data)).toEqual([T - 10, T + 10]);
    } else {
      expect(ours.bounds.t0).toEqual(a.product.t0Bounds);
    }
    expect(ours.ndof).toBe(ref.ndof);
    const comparison = compareFit(ours, ref);
    const higher = ours.chisq > ref.chisq + 1e-3;
    expect(higher, `χ² ${ours.chisq} vs sncosmo ${ref.chisq}`).toBe(KNOWN_HIGHER.has(label));
    // Only well-posed fits (every parameter inside its bounds, the same minimum) are compared in full;
    // ZTF21abvawaj, interior for sncosmo too, has σ(x1) = 8.8: a flat valley where optimisers differ.
    const interior = ["ZTF21abprzfg", "ZTF17aacymkf"].includes(a.objectId);
    if (interior && !comparison.betterMinimum && !higher) expect(comparison.failures).toEqual([]);
  });
});

describe("real ZTF alerts: the Pitt-Google table of docs/spec/salt2.md §6.8", () => {
  // objectId, N, T, χ², ndof (sncosmo 2.9.0).
  const TABLE: [string, number, number, number, number][] = [
    ["ZTF18aawmdot", 9, 59430, 1613.1804, 4],
    ["ZTF18abeoiol", 14, 59427, 53.0042, 9],
    ["ZTF18abiyatb", 12, 59452, 8.2808, 7],
    ["ZTF18ablpgeh", 9, 59448, 32.8309, 4],
    ["ZTF18ablxccg", 18, 59427, 27.3887, 13],
    ["ZTF18abmsrfx", 5, 59440, 0.6879, 0],
    ["ZTF18aboetso", 5, 59447, 0.5477, 0],
    ["ZTF18abvorxt", 5, 59442, 3.3371, 0],
    ["ZTF19aatvxcs", 5, 59450, 0.9773, 0],
    ["ZTF21aavuqzr", 32, 59429, 13.6599, 27],
    ["ZTF21abngbrl", 6, 59438, 0.1451, 1],
    ["ZTF21abpiosb", 29, 59428, 5.9112, 24],
    ["ZTF21abprzfg", 12, 59429, 0.5297, 7],
    ["ZTF21abvawaj", 15, 59452, 2.6123, 10],
    ["ZTF21abvicne", 8, 59452, 1.1463, 3],
  ];

  it.each(TABLE)("%s: N = %i, T = %i, χ² ≤ %f + 1e-3, ndof = %i", (objectId, n, T, chi2, ndof) => {
    const a = alerts.find((x) => x.file.startsWith("v3.3/") && x.objectId === objectId);
    if (a === undefined) throw new Error(`${objectId} not in the fixture`);
    const data = rows(a.pittGoogle.epochs);
    expect(data).toHaveLength(n);
    expect(referenceT0Window(data)).toEqual([T - 10, T + 10]);
    const fit = fitSalt2(data, REFERENCE_FIT_CONFIG);
    expect(fit.ndof).toBe(ndof);
    // The table rounds χ² to 4 decimals.
    expect(fit.chisq).toBeLessThanOrEqual(chi2 + 1e-3 + 5e-5);
  });
});

describe("product path: alert → lightCurve() → epochs (docs/spec/broker.md §6)", () => {
  it.each(alerts.map((a) => [a.file, a] as const))("%s gives the generator's epochs", (file, a) => {
    const epochs = lightCurve(Alert.fromFile(dataPath("ztf/alerts", file), { survey: "ztf" }));
    const want = a.product.epochs;
    expect(epochs.map((e) => e.band)).toEqual(want.band);
    expect(epochs.map((e) => e.detection)).toEqual(want.detection);
    expect(epochs.map((e) => e.zpsys)).toEqual(want.zpsys);
    epochs.forEach((e, i) => {
      expect(e.time).toBeCloseTo(want.time[i] as number, 9);
      expect(e.zp).toBe(want.zp[i]);
      expect(Math.abs(e.flux / (want.flux[i] as number) - 1)).toBeLessThan(1e-12);
      expect(Math.abs(e.fluxerr / (want.fluxerr[i] as number) - 1)).toBeLessThan(1e-12);
    });
  });
});
