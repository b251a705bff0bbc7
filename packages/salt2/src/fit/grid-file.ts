/**
 * Readers for the plain-text salt2-4 model files (docs/spec/salt2.md §5.1): three-column `phase wavelength
 * value` grids, the colour-law token stream and two-column tables. `#` starts a comment.
 */
import { Salt2FormatError } from "./errors.js";

/** A 2-D table on a rectilinear grid: `values[i * y.length + j]` is the value at (x[i], y[j]). */
export interface Grid2D {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly values: Float64Array;
}

function dataLines(text: string): string[][] {
  const rows: string[][] = [];
  for (const raw of text.split("\n")) {
    const hash = raw.indexOf("#");
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (line !== "") rows.push(line.split(/\s+/));
  }
  return rows;
}

function parseNumber(token: string, what: string): number {
  const value = Number(token);
  if (token === "" || Number.isNaN(value))
    throw new Salt2FormatError(`${what}: not a number: ${token}`);
  return value;
}

function assertIncreasing(values: Float64Array, what: string): void {
  for (let i = 1; i < values.length; i++) {
    if (!((values[i] as number) > (values[i - 1] as number))) {
      throw new Salt2FormatError(`${what}: grid values must be strictly increasing`);
    }
  }
}

/**
 * Parses a phase-major `x y value` grid. Like sncosmo, the y list comes from the first x block; unlike
 * sncosmo, every block is checked to repeat it exactly.
 */
export function parseGrid3(text: string, name: string, scale = 1): Grid2D {
  const rows = dataLines(text);
  if (rows.length === 0) throw new Salt2FormatError(`${name}: no data rows`);
  const firstX = rows[0]?.[0];
  let ny = 0;
  while (ny < rows.length && rows[ny]?.[0] === firstX) ny++;
  if (rows.length % ny !== 0) {
    throw new Salt2FormatError(
      `${name}: ${rows.length} rows are not a multiple of ${ny} wavelengths`,
    );
  }
  const nx = rows.length / ny;
  const x = new Float64Array(nx);
  const y = new Float64Array(ny);
  const values = new Float64Array(nx * ny);
  rows.forEach((row, k) => {
    if (row.length !== 3) throw new Salt2FormatError(`${name}: line ${k + 1} must have 3 columns`);
    const [xs, ys, vs] = row as [string, string, string];
    const i = Math.floor(k / ny);
    const j = k % ny;
    const xv = parseNumber(xs, name);
    const yv = parseNumber(ys, name);
    if (j === 0) x[i] = xv;
    else if (xv !== x[i])
      throw new Salt2FormatError(`${name}: row ${k + 1} breaks the phase block`);
    if (i === 0) y[j] = yv;
    else if (yv !== y[j]) {
      throw new Salt2FormatError(
        `${name}: phase ${xv} does not repeat the wavelengths of the first phase`,
      );
    }
    values[k] = parseNumber(vs, name) * scale;
  });
  assertIncreasing(x, `${name} (phase)`);
  assertIncreasing(y, `${name} (wavelength)`);
  return { x, y, values };
}

/** Parses a two-column numeric table (bandpass curves, colour dispersion). */
export function parseColumns2(text: string, name: string): { a: Float64Array; b: Float64Array } {
  const rows = dataLines(text);
  const a = new Float64Array(rows.length);
  const b = new Float64Array(rows.length);
  rows.forEach((row, k) => {
    if (row.length < 2) throw new Salt2FormatError(`${name}: line ${k + 1} must have 2 columns`);
    a[k] = parseNumber(row[0] as string, name);
    b[k] = parseNumber(row[1] as string, name);
  });
  return { a, b };
}

/** Contents of `salt2_color_correction.dat` (docs/spec/salt2.md §1.4). */
export interface ColorLawFile {
  readonly coefficients: readonly number[];
  readonly minWave: number;
  readonly maxWave: number;
}

/** Parses the colour-law token stream: n, n coefficients, then optional keyword/value pairs. */
export function parseColorLawFile(text: string, name: string): ColorLawFile {
  const tokens = dataLines(text).flat();
  const n = parseNumber(tokens[0] ?? "", name);
  if (!Number.isInteger(n) || n < 1 || n > 6) {
    throw new Salt2FormatError(`${name}: the number of coefficients must be 1 to 6, got ${n}`);
  }
  const coefficients = tokens.slice(1, 1 + n).map((t) => parseNumber(t, name));
  if (coefficients.length !== n) throw new Salt2FormatError(`${name}: expected ${n} coefficients`);
  let version = 0;
  let minWave = 3000;
  let maxWave = 7000;
  for (let k = 1 + n; k < tokens.length; k += 2) {
    const value = parseNumber(tokens[k + 1] ?? "", name);
    switch (tokens[k]) {
      case "Salt2ExtinctionLaw.version":
        version = value;
        break;
      case "Salt2ExtinctionLaw.min_lambda":
        minWave = value;
        break;
      case "Salt2ExtinctionLaw.max_lambda":
        maxWave = value;
        break;
      default:
        throw new Salt2FormatError(`${name}: unknown keyword ${tokens[k]}`);
    }
  }
  if (version !== 1) {
    throw new Salt2FormatError(
      `${name}: only Salt2ExtinctionLaw.version 1 is supported, got ${version}`,
    );
  }
  return { coefficients, minWave, maxWave };
}
