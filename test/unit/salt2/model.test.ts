import { describe, expect, it } from "vitest";

import {
  BicubicInterpolator,
  SALT2_FLUX_SCALE,
  Salt2ColorLaw,
  Salt2FormatError,
  getBandpass,
  integrationGrid,
  parseColorLawFile,
  parseGrid3,
  salt2Model,
} from "@pgb/salt2";

import { fixture } from "./fixtures.js";

describe("salt2-4 model files (docs/spec/salt2.md §1.2, §5.1)", () => {
  const model = salt2Model();

  it("has 71 phases × 721 wavelengths and the native range", () => {
    expect(model.phase.length).toBe(71);
    expect(model.wave.length).toBe(721);
    expect([model.minphase, model.maxphase, model.minwave, model.maxwave]).toEqual([
      -20, 50, 2000, 9200,
    ]);
    expect(model.m0.length).toBe(71 * 721);
  });

  it("scales file values by 1e-12; M0 is 0 at phase −20 and non-zero at +50", () => {
    for (let j = 0; j < 721; j++) expect(model.m0[j]).toBe(0);
    let max50 = 0;
    for (let j = 0; j < 721; j++) max50 = Math.max(max50, model.m0[70 * 721 + j] as number);
    expect(max50 / SALT2_FLUX_SCALE).toBeCloseTo(0.0401, 4);
  });

  it("rejects malformed grids and colour laws", () => {
    expect(() => parseGrid3("0 1 2\n0 2 3\n1 1 4\n1 3 5\n", "bad")).toThrow(Salt2FormatError);
    expect(() => parseGrid3("0 1\n", "bad")).toThrow(/3 columns/);
    expect(() => parseColorLawFile("2 0.1 0.2 Salt2ExtinctionLaw.version 0", "cl")).toThrow(
      /version 1/,
    );
    expect(() => parseColorLawFile("1 0.1 Salt2ExtinctionLaw.version 1 Foo 3", "cl")).toThrow(
      /unknown keyword/,
    );
    expect(() => parseColorLawFile("7 1 1 1 1 1 1 1", "cl")).toThrow(/1 to 6/);
    expect(parseColorLawFile("1 0.5 Salt2ExtinctionLaw.version 1", "cl")).toEqual({
      coefficients: [0.5],
      minWave: 3000,
      maxWave: 7000,
    });
  });
});

describe("colour law (docs/spec/salt2.md §1.4, §6.2)", () => {
  const golden: [number, number][] = [
    [2000, 14.8051069486765],
    [2500, 9.3286376606562],
    [2800, 6.04275608784403],
    [3000, 4.15898486939911],
    [3500, 1.45736662318777],
    [4000, 0.348937395630469],
    [4302.57, 0],
    [5000, -0.612512890142019],
    [5428.55, -1],
    [6000, -1.45633449489793],
    [7000, -1.79114982445021],
    [8000, -2.04196278586097],
    [9200, -2.34293833955388],
  ];
  const law = salt2Model().colorLaw;

  it.each(golden)("CL(%f) = %f to 1e-12", (wave, value) => {
    expect(Math.abs(law.value(wave) - value)).toBeLessThanOrEqual(1e-12);
  });

  // `evaluate` (the fit's per-sample path) unrolls salt2-4's five terms and loops otherwise.
  it.each([
    ["salt2-4 (4 coefficients)", law],
    [
      "2 coefficients",
      new Salt2ColorLaw({ coefficients: [-0.5, 0.3], minWave: 2800, maxWave: 7000 }),
    ],
    [
      "6 coefficients",
      new Salt2ColorLaw({
        coefficients: [-0.5, 0.3, -0.1, 0.05, 0.02, -0.01],
        minWave: 2800,
        maxWave: 7000,
      }),
    ],
  ])("%s: evaluate gives value and derivative of every wavelength", (_, colourLaw) => {
    const waves = Float64Array.from({ length: 300 }, (_, k) => 2000 + 25.3 * k);
    const value = new Float64Array(waves.length);
    const derivative = new Float64Array(waves.length);
    const withSecond = [new Float64Array(waves.length), new Float64Array(waves.length)] as const;
    colourLaw.evaluate(waves, waves.length, value, derivative);
    colourLaw.evaluate(
      waves,
      waves.length,
      withSecond[0],
      withSecond[1],
      new Float64Array(waves.length),
    );
    // value() and derivative() divide by V − B where evaluate multiplies by its inverse: ulps apart.
    const close = (got: number | undefined, want: number) =>
      expect(Math.abs((got as number) - want)).toBeLessThanOrEqual(4e-15 * (Math.abs(want) + 1e-3));
    waves.forEach((wave, k) => {
      close(value[k], colourLaw.value(wave));
      close(derivative[k], colourLaw.derivative(wave));
      expect(withSecond[0][k]).toBe(value[k]);
      expect(withSecond[1][k]).toBe(derivative[k]);
    });
  });

  it("has the slope of its value (extended linearly outside 2800–7000 Å)", () => {
    for (const wave of [2100, 2799, 3500, 5000, 6999, 7001, 9000]) {
      const h = 1e-3;
      const numeric = (law.value(wave + h) - law.value(wave - h)) / (2 * h);
      expect(law.derivative(wave)).toBeCloseTo(numeric, 9);
    }
  });
});

describe("template interpolation (docs/spec/salt2.md §1.3, §6.2)", () => {
  const golden: [number, number, number, number][] = [
    [-20, 2000, 0, 0],
    [-19.5, 4005, 0.00033377927605, 0.00052220231425],
    [-10.25, 4321.7, 0.13574540326924, 0.0362121634457103],
    [0, 4400, 0.3295652195, 0.01855078144],
    [0.3, 5503.3, 0.197112725251266, 0.00379565008548218],
    [15.7, 6123.4, 0.0553953639315293, 0.0073540027500113],
    [48.6, 7001, 0.0109878062558781, 0.00246212206539942],
    [49.5, 5000, 0.019850227015, 0.0026449377895],
    [50, 9200, 0.02374158456, 0.01540527328],
    [25, 2005, 4.6961082475e-5, -6.39783182e-5],
    [10, 9195, 0.019903657535, 0.005592871421],
    [10, 9185, 0.02020492666875, 0.005791172295],
  ];
  const model = salt2Model();

  it.each(golden)("M0, M1 at (%f, %f)", (phase, wave, m0, m1) => {
    const [a, b] = model.templates(phase, wave).map((v) => v / SALT2_FLUX_SCALE) as [
      number,
      number,
    ];
    for (const [got, want] of [
      [a, m0],
      [b, m1],
    ] as const) {
      expect(Math.abs(got - want)).toBeLessThanOrEqual(Math.max(1e-12 * Math.abs(want), 1e-14));
    }
  });

  it("is exactly 0 outside the grid (bounds inclusive) and for NaN", () => {
    for (const [p, w] of [
      [-20.0001, 5000],
      [50.0001, 5000],
      [0, 1999.999],
      [0, 9200.001],
      [Number.NaN, 5000],
    ] as const) {
      expect(model.templates(p, w)).toEqual([0, 0]);
    }
  });

  it("falls back to bilinear in both dimensions when either is an edge cell", () => {
    const grid = {
      x: Float64Array.of(0, 1, 2, 3),
      y: Float64Array.of(0, 1, 2, 3),
      values: new Float64Array(16),
    };
    grid.values.forEach((_, k) => (grid.values[k] = (Math.floor(k / 4) + 1) ** 3 + (k % 4) ** 2));
    const f = new BicubicInterpolator(grid);
    // Cell (0, 1): x is an edge cell → bilinear on (0..1) × (1..2).
    const bilinear =
      0.75 * (0.5 * (1 + 1) + 0.5 * (1 + 4)) + 0.25 * (0.5 * (8 + 1) + 0.5 * (8 + 4));
    expect(f.eval(0.25, 1.5)).toBeCloseTo(bilinear, 14);
    expect(f.eval(3, 3)).toBe(64 + 9);
  });
});

describe("bandpasses (docs/spec/salt2.md §2.1–2.2)", () => {
  const table = [
    ["ztfg", 1933, 3676, 5608, 387, 4.992248062015504, 4813.948048935322, 1256598.9579155657],
    [
      "ztfr",
      3201,
      5497.6,
      7394.400000000001,
      380,
      4.991578947368422,
      6421.814890148709,
      1109021.5843106203,
    ],
    ["ztfi", 1046, 6870, 8960, 418, 5.0, 7883.027212349599, 665831.1679280724],
  ] as const;

  it.each(table)(
    "%s: trim, range, 5 Å grid, λ_eff, ZP_AB",
    (name, kept, lo, hi, n, spacing, waveEff, zp) => {
      const band = getBandpass(name);
      expect(band.wave.length).toBe(kept);
      expect([band.minwave, band.maxwave]).toEqual([lo, hi]);
      const grid = integrationGrid(band.minwave, band.maxwave, 5);
      expect(grid.wave.length).toBe(n);
      expect(grid.spacing).toBe(spacing);
      expect(Math.abs(band.waveEff / waveEff - 1)).toBeLessThanOrEqual(1e-10);
      expect(Math.abs(band.zpAB / zp - 1)).toBeLessThanOrEqual(1e-10);
    },
  );

  it("matches sncosmo for every shipped band (ztf, sdss, lsst in nm)", () => {
    const { bands } = fixture<{
      bands: Record<
        string,
        {
          nKept: number;
          minwave: number;
          maxwave: number;
          waveEff: number;
          zpAB: number;
          gridN: number;
          gridSpacing: number;
        }
      >;
    }>("bandflux.json");
    for (const [name, ref] of Object.entries(bands)) {
      const band = getBandpass(name);
      expect(band.wave.length, name).toBe(ref.nKept);
      expect([band.minwave, band.maxwave], name).toEqual([ref.minwave, ref.maxwave]);
      const grid = integrationGrid(band.minwave, band.maxwave, 5);
      expect([grid.wave.length, grid.spacing], name).toEqual([ref.gridN, ref.gridSpacing]);
      expect(Math.abs(band.waveEff / ref.waveEff - 1), name).toBeLessThanOrEqual(1e-10);
      expect(Math.abs(band.zpAB / ref.zpAB - 1), name).toBeLessThanOrEqual(1e-10);
    }
  });

  it("transmission is linear between samples and 0 outside", () => {
    const band = getBandpass("ztfg");
    expect(band.transmission(3675.9)).toBe(0);
    expect(band.transmission(5608.1)).toBe(0);
    const mid = (band.transmission(4000) + band.transmission(4001)) / 2;
    expect(band.transmission(4000.5)).toBeCloseTo(mid, 15);
  });

  it("names unknown bands with the fix", () => {
    expect(() => getBandpass("ztfq")).toThrow(/unknown bandpass "ztfq": use one of ztfg/);
  });
});
