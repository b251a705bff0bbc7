import { describe, expect, it } from "vitest";

import {
  DataQualityError,
  FitConfigError,
  NoBandOverlapError,
  PhotometryError,
  PreparedPhotometry,
  PRODUCT_FIT_CONFIG,
  REFERENCE_FIT_CONFIG,
  autoT0Bounds,
  Bandpass,
  fitSalt2,
  guessT0AndAmplitude,
  parseLightCurveCsv,
  registerBandpass,
  salt2Model,
  type FitConfig,
  type FitResult,
  type ParamName,
  type PhotometryPoint,
} from "@pgb/salt2";

import type { Epoch } from "../../../packages/broker-utils/src/photometry/epoch.js";

import {
  LN10_2_5,
  LN4,
  compareFit,
  fixture,
  fixtureText,
  lcB,
  rows,
  type Columns,
  type SncosmoFit,
} from "./fixtures.js";

const lcA = parseLightCurveCsv(fixtureText("lc-a.csv"));
const FOUR: ParamName[] = ["t0", "x0", "x1", "c"];
const PM5 = [-5, 5] as const;

describe("start point (docs/spec/salt2.md §6.4)", () => {
  const model = salt2Model();

  it("LC-A at z = 0.05: guess and automatic t0 bounds", () => {
    const data = new PreparedPhotometry(lcA);
    const params = { z: 0.05, t0: 0, x0: 1, x1: 0, c: 0 };
    const guess = guessT0AndAmplitude(data, params, model);
    expect(Math.abs(guess.t0 - 59000.004315068494)).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(guess.x0 / 0.0016380113495529243 - 1)).toBeLessThanOrEqual(1e-9);
    const [lo, hi] = autoT0Bounds(data, params, model);
    expect(Math.abs(lo - 58931.75)).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(hi - 59111.405)).toBeLessThanOrEqual(1e-9);
  });

  it("LC-B at z = 0.105 with either error convention; Pitt-Google window clamps it", () => {
    for (const k of [LN10_2_5, LN4]) {
      const guess = guessT0AndAmplitude(
        new PreparedPhotometry(lcB(k)),
        { z: 0.105, t0: 0, x0: 1, x1: 0, c: 0 },
        model,
      );
      expect(Math.abs(guess.t0 - 59302.07454545455)).toBeLessThanOrEqual(1e-9);
      expect(Math.abs(guess.x0 / 0.0009006204471207853 - 1)).toBeLessThanOrEqual(1e-9);
    }
    const fit = fitSalt2(lcB(LN4), REFERENCE_FIT_CONFIG);
    expect(fit.bounds.t0).toEqual([59282, 59302]);
    expect(fit.start.t0).toBe(59302);
  });
});

/** F1–F8 of docs/spec/salt2.md §6.5. */
const GOLDEN: {
  name: string;
  data: () => PhotometryPoint[];
  config: FitConfig;
  chisq: number;
  ndof: number;
  params: Record<ParamName, number>;
  errors: Partial<Record<ParamName, number>>;
  bound?: ParamName;
  nfit?: number;
}[] = [
  {
    name: "F1",
    data: () => lcA,
    config: { vary: FOUR, params: { z: 0.05 } },
    chisq: 34.164338,
    ndof: 44,
    params: {
      z: 0.05,
      t0: 59000.0029341,
      x0: 0.00149964455144,
      x1: 0.706113606166,
      c: 0.080140402726,
    },
    errors: { t0: 0.0361234, x0: 6.84588e-6, x1: 0.0430243, c: 0.00407899 },
  },
  {
    name: "F2",
    data: () => lcA,
    config: { vary: FOUR, params: { z: 0.05 }, bounds: { x1: PM5, c: PM5 } },
    chisq: 34.164328,
    ndof: 44,
    params: {
      z: 0.05,
      t0: 59000.0029147,
      x0: 0.0014996384245,
      x1: 0.706146412438,
      c: 0.0801420539979,
    },
    errors: { t0: 0.0361234, x0: 6.84585e-6, x1: 0.0430239, c: 0.00407899 },
  },
  {
    name: "F3",
    data: () => lcA,
    config: PRODUCT_FIT_CONFIG,
    chisq: 34.072408,
    ndof: 43,
    params: {
      z: 0.0508801014287,
      t0: 59000.0061359,
      x0: 0.00149882807529,
      x1: 0.702668735511,
      c: 0.0789629030113,
    },
    errors: { z: 0.00290937, t0: 0.0376025, x0: 7.31596e-6, x1: 0.0446523, c: 0.00562326 },
  },
  {
    name: "F4",
    data: () => lcA,
    config: { vary: FOUR, params: { z: 0.05 }, modelcov: true },
    chisq: 19.248394,
    ndof: 44,
    nfit: 3,
    params: {
      z: 0.05,
      t0: 59000.0213274,
      x0: 0.00150028735914,
      x1: 0.705934961328,
      c: 0.0802090710717,
    },
    errors: { t0: 0.0646169, x0: 4.39474e-5, x1: 0.0630457, c: 0.027491 },
  },
  {
    name: "F5",
    data: () => lcB(LN10_2_5),
    config: REFERENCE_FIT_CONFIG,
    chisq: 18.917021,
    ndof: 33,
    params: {
      z: 0.0709274077461,
      t0: 59299.9925865,
      x0: 0.000899422719692,
      x1: -0.378308470262,
      c: 0.0184873155715,
    },
    errors: { z: 0.00635332, t0: 0.101824, x0: 8.8239e-6, x1: 0.128819, c: 0.0111501 },
  },
  {
    name: "F6",
    data: () => lcB(LN10_2_5),
    config: { vary: FOUR, params: { z: 0.07 }, bounds: { x1: PM5, c: PM5 } },
    chisq: 18.938719,
    ndof: 34,
    params: {
      z: 0.07,
      t0: 59299.994184,
      x0: 0.000899875059139,
      x1: -0.372993189707,
      c: 0.0195056811924,
    },
    errors: { t0: 0.100973, x0: 8.30698e-6, x1: 0.12375, c: 0.0087162 },
  },
  {
    name: "F7",
    data: () => lcB(LN4),
    config: REFERENCE_FIT_CONFIG,
    chisq: 8.350296,
    ndof: 33,
    params: {
      z: 0.0710469422107,
      t0: 59299.9927099,
      x0: 0.000899361209514,
      x1: -0.37891578021,
      c: 0.0183290576767,
    },
    errors: { z: 0.00951957, t0: 0.153342, x0: 1.32581e-5, x1: 0.1937, c: 0.0167846 },
  },
  {
    name: "F8",
    data: () => lcB(LN10_2_5),
    config: { ...PRODUCT_FIT_CONFIG, bounds: { ...PRODUCT_FIT_CONFIG.bounds, t0: [59290, 59298] } },
    chisq: 251.66694,
    ndof: 33,
    params: {
      z: 0.0882899168819,
      t0: 59298,
      x0: 0.000877116007231,
      x1: 0.769190644546,
      c: 0.00697702523044,
    },
    errors: { z: 0.00349282, x0: 7.71734e-6, x1: 0.121675, c: 0.00992547 },
    bound: "t0",
  },
];

describe("fits: golden cases F1–F8 (docs/spec/salt2.md §6.5; F4 with the model covariance)", () => {
  it.each(GOLDEN)("$name", (g) => {
    const fit = fitSalt2(g.data(), g.config);
    expect(fit.success).toBe(true);
    expect(fit.message).toBe("Minimization exited successfully.");
    expect(fit.ndof).toBe(g.ndof);
    expect(fit.nfit).toBe(g.nfit ?? 1);
    expect(fit.chisq).toBeLessThanOrEqual(g.chisq + 1e-3);
    expect(fit.chisq).toBeGreaterThan(g.chisq - 0.01);
    expect(fit.atBound).toEqual(g.bound === undefined ? [] : [g.bound]);
    for (const [name, sigma] of Object.entries(g.errors) as [ParamName, number][]) {
      expect(Math.abs(fit.params[name] - g.params[name]) / sigma, name).toBeLessThanOrEqual(0.05);
      // Errors are not compared with a bound active (§6.1).
      if (g.bound === undefined)
        expect(Math.abs((fit.errors[name] as number) / sigma - 1), name).toBeLessThanOrEqual(0.05);
    }
    if (g.bound !== undefined) expect(fit.params[g.bound]).toBe(g.params[g.bound]);
  });

  it("F5 and F7 share the minimum; F7's errors are 1.505 × F5's", () => {
    const f5 = fitSalt2(lcB(LN10_2_5), REFERENCE_FIT_CONFIG);
    const f7 = fitSalt2(lcB(LN4), REFERENCE_FIT_CONFIG);
    for (const name of ["z", "t0", "x0", "x1", "c"] as const) {
      expect(
        Math.abs(f5.params[name] - f7.params[name]) / (f5.errors[name] as number),
      ).toBeLessThan(0.005);
      expect((f7.errors[name] as number) / (f5.errors[name] as number)).toBeCloseTo(
        LN4 / LN10_2_5,
        2,
      );
    }
  });
});

describe("failure modes (docs/spec/salt2.md §4.10, §6.6)", () => {
  it("no point with S/N > 5 → DataQualityError", () => {
    const noisy = lcA.map((r) => ({ ...r, fluxerr: r.fluxerr * 1000 }));
    expect(() => fitSalt2(noisy, { vary: FOUR, params: { z: 0.05 } })).toThrow(
      new DataQualityError("No data points with S/N > 5.0. Initial guessing failed."),
    );
  });

  it("no band overlapping the model → NoBandOverlapError; a partial overlap drops the band with a warning", () => {
    registerBandpass(
      new Bandpass([1000, 1000.5, 1499.5, 1500], [0, 1, 1, 0], { name: "tophat", trimLevel: null }),
    );
    const uv = lcA.map((r) => ({ ...r, band: "tophat" }));
    expect(() => fitSalt2(uv, { vary: FOUR, params: { z: 0.05 } })).toThrow(
      new NoBandOverlapError("No bands in data overlap the model."),
    );
    const half = lcA.map((r, i) => (i % 2 === 0 ? { ...r, band: "tophat" } : r));
    const fit = fitSalt2(half, { vary: FOUR, params: { z: 0.05 } });
    expect(fit.warnings).toEqual([
      "Dropping following bands from data: tophat(out of model wavelength range)",
    ]);
    expect(fit.dataMask).toEqual(half.map((_, i) => i % 2 === 1));
    expect(fit.ndof).toBe(24 - 4);
  });

  it("z varied without bounds, or starting outside them → FitConfigError", () => {
    expect(() => fitSalt2(lcA, { vary: ["z", "t0", "x0"] })).toThrow(
      new FitConfigError("z must be bounded if fit."),
    );
    expect(() =>
      fitSalt2(lcA, {
        vary: ["z", "t0", "x0"],
        bounds: { z: [0.2, 0.3] },
        guessZ: false,
        params: { z: 0.05 },
      }),
    ).toThrow(new FitConfigError("z out of range."));
    expect(() => fitSalt2(lcA, { vary: [] })).toThrow(FitConfigError);
    expect(() => fitSalt2(lcA, { vary: ["y" as ParamName] })).toThrow(
      /Parameter not in model: 'y'/,
    );
    expect(() => fitSalt2(lcA, { vary: FOUR, bounds: { x1: [1, Infinity] } })).toThrow(/one-sided/);
  });

  it("t0 window (59010, 59020): t0 glued to 59010, success (item 4)", () => {
    const fit = fitSalt2(lcA, { vary: FOUR, params: { z: 0.05 }, bounds: { t0: [59010, 59020] } });
    expect(fit.success).toBe(true);
    expect(fit.atBound).toEqual(["t0"]);
    expect(fit.params.t0).toBe(59010);
    expect(fit.chisq).toBeLessThanOrEqual(50254.64 + 1e-2);
    expect(fit.params.x1).toBeCloseTo(8.304, 2);
    expect(fit.params.c).toBeCloseTo(0.2463, 3);
    expect(fit.params.x0 / 8.448e-4).toBeCloseTo(1, 3);
  });

  it("x1 window (0.8, 0.9) equals x1 fixed at 0.8 (item 5)", () => {
    const window = fitSalt2(lcA, { vary: FOUR, params: { z: 0.05 }, bounds: { x1: [0.8, 0.9] } });
    const fixed = fitSalt2(lcA, { vary: ["t0", "x0", "c"], params: { z: 0.05, x1: 0.8 } });
    expect(window.atBound).toEqual(["x1"]);
    expect(window.params.x1).toBe(0.8);
    expect(window.chisq).toBeLessThanOrEqual(38.88002 + 1e-3);
    expect(fixed.chisq).toBeLessThanOrEqual(38.87999 + 1e-3);
    expect(window.params.t0).toBeCloseTo(59000.0245, 3);
    expect(fixed.params.t0).toBeCloseTo(59000.02445, 3);
    for (const name of ["t0", "x0", "c"] as const) {
      expect(
        Math.abs((window.errors[name] as number) / (fixed.errors[name] as number) - 1),
      ).toBeLessThan(1e-3);
    }
  });
});

interface NamedFit extends SncosmoFit {
  name: string;
  modelcov?: boolean;
  lightcurve: string;
  fixed: Record<string, number>;
  vparam: ParamName[];
  bounds: Record<string, [number, number]>;
}

describe("fits against sncosmo 2.9 (test/fixtures/salt2/fits.json)", () => {
  const { lightcurves } = fixture<{ lightcurves: Record<string, Columns> }>("lightcurves.json");
  const { fits, failures } = fixture<{
    fits: NamedFit[];
    failures: (NamedFit & { data?: Columns })[];
  }>("fits.json");
  const configOf = (f: NamedFit): FitConfig => ({
    vary: f.vparam,
    bounds: f.bounds,
    params: f.fixed,
    modelcov: f.modelcov ?? false,
  });

  it.each(fits.map((f) => [f.name, f] as const))("%s", (_, f) => {
    const ours: FitResult = fitSalt2(rows(lightcurves[f.lightcurve] as Columns), configOf(f));
    const ref = f.result;
    if (ref === undefined) throw new Error(`fixture ${f.name} has no result`);
    // Start point: sncosmo's z, guess (clamped into the bounds) and automatic t0 bounds.
    if (f.zStart !== undefined) expect(ours.start.z).toBe(f.zStart);
    if (f.t0Bounds !== undefined) expect(ours.bounds.t0).toEqual(f.t0Bounds);
    if (f.guess !== undefined) {
      const [lo, hi] = ours.bounds.t0 ?? [-Infinity, Infinity];
      expect(Math.abs(ours.start.t0 - Math.min(Math.max(f.guess.t0, lo), hi))).toBeLessThanOrEqual(
        1e-9,
      );
      expect(Math.abs(ours.start.x0 / f.guess.x0 - 1)).toBeLessThanOrEqual(1e-9);
    }
    const comparison = compareFit(ours, ref, f.modelcov === true ? 0.01 : 1e-3);
    expect(comparison.failures).toEqual([]);
    expect(ours.nfit).toBe(ref.nfit);
    expect(comparison.betterMinimum).toBe(false);
    if (ours.atBound.length === 0) expect(ours.message).toBe(ref.message);
  });

  it.each(failures.map((f) => [f.name, f] as const))("failure mode: %s", (_, f) => {
    registerBandpass(
      new Bandpass([1000, 1000.5, 1499.5, 1500], [0, 1, 1, 0], { name: "tophat", trimLevel: null }),
    );
    const data = rows(f.data ?? (lightcurves["LC-A"] as Columns));
    const run = () => fitSalt2(data, configOf(f));
    if (f.error !== undefined) {
      const type = {
        DataQualityError,
        RuntimeError: NoBandOverlapError,
        ValueError: FitConfigError,
      }[f.error.type];
      expect(type, f.error.type).toBeDefined();
      expect(run).toThrow(f.error.message);
      expect(run).toThrow(type as typeof DataQualityError);
    } else {
      const ours = run();
      expect(ours.warnings).toEqual(f.warnings ?? []);
      expect(ours.chisq).toBeLessThanOrEqual((f.result?.chisq ?? NaN) + 1e-3);
      expect(ours.success).toBe(f.result?.success);
    }
  });
});

describe("input rows", () => {
  it("accepts the light-curve epochs of @pgb/broker-utils/photometry", () => {
    const epochs: Epoch[] = lcA.map((r) => ({ ...r, zpsys: "ab", detection: r.flux > 0 }));
    expect(fitSalt2(epochs, { vary: FOUR, params: { z: 0.05 } }).ndof).toBe(44);
  });

  it("rejects unusable rows with the row and the fix", () => {
    const bad = (patch: Partial<PhotometryPoint>) => [{ ...(lcA[0] as PhotometryPoint), ...patch }];
    expect(() => fitSalt2(bad({ fluxerr: 0 }))).toThrow(
      new PhotometryError("photometry row 0: fluxerr must be > 0, got 0"),
    );
    expect(() => fitSalt2(bad({ flux: Number.NaN }))).toThrow(
      /row 0: flux must be a finite number/,
    );
    expect(() => fitSalt2(bad({ zpsys: "vega" }))).toThrow(
      /zpsys "vega" is not supported; use "ab"/,
    );
  });

  it("rejects a light curve spanning more than 10,000 days (a wrong time) before any search", () => {
    const rows = lcA.map((r) => ({ ...r, zpsys: "ab" }));
    const wrong = [...rows.slice(1), { ...(rows[0] as PhotometryPoint), time: 1e300 }];
    expect(() => fitSalt2(wrong, { vary: FOUR, params: { z: 0.05 } })).toThrow(
      /the times span 1\.000e\+300 days \(.* to 1e\+300\), over the 10000 days a light curve can span: a time is wrong/,
    );
    const decades = [
      ...rows.slice(1),
      { ...(rows[0] as PhotometryPoint), time: (rows[0] as PhotometryPoint).time + 9000 },
    ];
    expect(() => fitSalt2(decades, { vary: FOUR, params: { z: 0.05 } })).not.toThrow(
      PhotometryError,
    );
  });
});
