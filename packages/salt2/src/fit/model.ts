/**
 * The salt2-4 model (docs/spec/salt2.md §1): M0/M1 templates (×1e-12), the colour law, and the observer-frame
 * spectral flux density with sncosmo's redshift convention.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SALT2_PARAMETERS } from "@pgb/broker-utils/instance";

import { SALT2_FLUX_SCALE } from "./constants.js";
import { Salt2ColorLaw } from "./color-law.js";
import { parseColorLawFile, parseGrid3, type Grid2D } from "./grid-file.js";
import { BicubicInterpolator } from "./interpolation.js";
import { Salt2FormatError } from "./errors.js";

/** The five SALT2 parameters in sncosmo's order. */
export interface Salt2Params {
  readonly z: number;
  readonly t0: number;
  readonly x0: number;
  readonly x1: number;
  readonly c: number;
}

export type ParamName = keyof Salt2Params;

/**
 * sncosmo's parameter order, used for vectors, errors and covariances: the order of the `salt2`
 * table's columns, defined once with that table.
 */
export const PARAM_NAMES: readonly ParamName[] = SALT2_PARAMETERS;

/** A new sncosmo model's parameters. */
export const DEFAULT_PARAMS: Salt2Params = { z: 0, t0: 0, x0: 1, x1: 0, c: 0 };

/** Directory of the salt2-4 files shipped with this package. */
export const SALT2_4_DIR = fileURLToPath(new URL("../../data/salt2/salt2-4/", import.meta.url));

export class Salt2Model {
  readonly phase: Float64Array;
  readonly wave: Float64Array;
  /** M0 and M1, row-major phase × wavelength, in erg s⁻¹ cm⁻² Å⁻¹ for x0 = 1. */
  readonly m0: Float64Array;
  readonly m1: Float64Array;
  readonly #m0: BicubicInterpolator;
  readonly #m1: BicubicInterpolator;

  constructor(
    m0: Grid2D,
    m1: Grid2D,
    readonly colorLaw: Salt2ColorLaw,
  ) {
    const same = (a: Float64Array, b: Float64Array) =>
      a.length === b.length && a.every((v, i) => v === b[i]);
    if (!same(m0.x, m1.x) || !same(m0.y, m1.y)) {
      throw new Salt2FormatError("salt2 model: M0 and M1 must share the same grid");
    }
    this.phase = m0.x;
    this.wave = m0.y;
    this.m0 = m0.values;
    this.m1 = m1.values;
    this.#m0 = new BicubicInterpolator(m0);
    this.#m1 = new BicubicInterpolator(m1);
  }

  get minphase(): number {
    return this.phase[0] as number;
  }
  get maxphase(): number {
    return this.phase[this.phase.length - 1] as number;
  }
  get minwave(): number {
    return this.wave[0] as number;
  }
  get maxwave(): number {
    return this.wave[this.wave.length - 1] as number;
  }

  /** Interpolated M0 and M1 at (phase, rest wavelength), scaled (0 outside the grid). */
  templates(phase: number, restWave: number): [number, number] {
    return [this.#m0.eval(phase, restWave), this.#m1.eval(phase, restWave)];
  }

  /** Rest-frame SED x0 (M0 + x1 M1) 10^(−0.4 c CL) (docs/spec/salt2.md §1.5). */
  sourceFlux(phase: number, restWave: number, x0: number, x1: number, c: number): number {
    const [m0, m1] = this.templates(phase, restWave);
    return x0 * (m0 + x1 * m1) * Math.pow(10, -0.4 * this.colorLaw.value(restWave) * c);
  }

  /** Observer-frame flux density at (time, wavelength) in erg s⁻¹ cm⁻² Å⁻¹ (sncosmo `Model.flux`). */
  flux(params: Salt2Params, time: number, wave: number): number {
    const a = 1 / (1 + params.z);
    return a * this.sourceFlux((time - params.t0) * a, wave * a, params.x0, params.x1, params.c);
  }
}

/** Loads a SALT2 model directory (salt2_template_{0,1}.dat, salt2_color_correction.dat). */
export function loadSalt2Model(dir: string = SALT2_4_DIR): Salt2Model {
  const read = (file: string) => readFileSync(join(dir, file), "utf8");
  return new Salt2Model(
    parseGrid3(read("salt2_template_0.dat"), "salt2_template_0.dat", SALT2_FLUX_SCALE),
    parseGrid3(read("salt2_template_1.dat"), "salt2_template_1.dat", SALT2_FLUX_SCALE),
    new Salt2ColorLaw(
      parseColorLawFile(read("salt2_color_correction.dat"), "salt2_color_correction.dat"),
    ),
  );
}

let defaultModel: Salt2Model | undefined;

/** The salt2-4 model shipped with the package, loaded once. */
export function salt2Model(): Salt2Model {
  defaultModel ??= loadSalt2Model();
  return defaultModel;
}
