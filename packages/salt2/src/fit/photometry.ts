/**
 * Photometric input of the fitter in sncosmo's table convention (docs/spec/salt2.md §3.1): one row per
 * observation with time, band, flux, fluxerr, zp and zpsys. Any object with these fields works, for
 * example `Epoch` of `@pgb/broker-utils/photometry`.
 */
import type { Bandpass } from "./bandpass.js";
import { getBandpass } from "./bandpass-registry.js";
import { Salt2Error } from "./errors.js";

export interface PhotometryPoint {
  /** Days (MJD for ZTF). */
  readonly time: number;
  /** Bandpass name (see `bandpassNames()`). */
  readonly band: string;
  /** Flux at zero point `zp`: a source of magnitude m has flux 10^(−0.4 (m − zp)). */
  readonly flux: number;
  readonly fluxerr: number;
  readonly zp: number;
  /** Magnitude system of `zp`; only "ab" is supported. */
  readonly zpsys: string;
}

/** The same photometry as columns (sncosmo's table layout, and that of the JSON fixtures). */
export interface PhotometryColumns {
  readonly time: readonly number[];
  readonly band: readonly string[];
  readonly flux: readonly number[];
  readonly fluxerr: readonly number[];
  readonly zp: readonly number[];
  readonly zpsys: readonly string[];
}

/** Columns → rows; every column must be as long as `time`. */
export function photometryRows(c: PhotometryColumns): PhotometryPoint[] {
  const n = c.time.length;
  for (const key of ["band", "flux", "fluxerr", "zp", "zpsys"] as const) {
    if (c[key].length !== n) {
      throw new PhotometryError(`column ${key} has ${c[key].length} values, time has ${n}`);
    }
  }
  return c.time.map((time, i) => ({
    time,
    band: c.band[i]!,
    flux: c.flux[i]!,
    fluxerr: c.fluxerr[i]!,
    zp: c.zp[i]!,
    zpsys: c.zpsys[i]!,
  }));
}

/** A row that cannot be used (non-finite value, non-positive error, unknown magnitude system). */
export class PhotometryError extends Salt2Error {
  override name = "PhotometryError";
}

/**
 * The longest light curve the fitter takes, in days (~27 years). A survey's alert spans at most a
 * few years (ZTF's history is 30 days, LSST's a year); a longer span means a wrong time (a jd of
 * 1e300), and the t0 search, sized by the span, would try to allocate it.
 */
export const MAX_TIME_SPAN_DAYS = 10_000;

/** Photometry sorted by time (stable) and grouped by band, in the arrays the fitter uses. */
export class PreparedPhotometry {
  /** Index into the caller's rows of each sorted point. */
  readonly order: Int32Array;
  readonly time: Float64Array;
  readonly flux: Float64Array;
  readonly fluxerr: Float64Array;
  readonly zp: Float64Array;
  /** Index into `bands` of each sorted point. */
  readonly bandIndex: Int32Array;
  /** Distinct bands, in order of first appearance in time. */
  readonly bands: readonly Bandpass[];

  constructor(rows: readonly PhotometryPoint[], order?: Int32Array) {
    rows.forEach((row, i) => validate(row, i));
    this.order =
      order ??
      Int32Array.from(
        rows
          .map((_, i) => i)
          .sort((i, j) => (rows[i] as PhotometryPoint).time - (rows[j] as PhotometryPoint).time),
      );
    const n = this.order.length;
    this.time = new Float64Array(n);
    this.flux = new Float64Array(n);
    this.fluxerr = new Float64Array(n);
    this.zp = new Float64Array(n);
    this.bandIndex = new Int32Array(n);
    const bands: Bandpass[] = [];
    const byName = new Map<string, number>();
    this.order.forEach((src, k) => {
      const row = rows[src] as PhotometryPoint;
      this.time[k] = row.time;
      this.flux[k] = row.flux;
      this.fluxerr[k] = row.fluxerr;
      this.zp[k] = row.zp;
      let b = byName.get(row.band);
      if (b === undefined) {
        b = bands.length;
        bands.push(getBandpass(row.band));
        byName.set(row.band, b);
      }
      this.bandIndex[k] = b;
    });
    this.bands = bands;
    const span = n === 0 ? 0 : (this.time[n - 1] as number) - (this.time[0] as number);
    if (span > MAX_TIME_SPAN_DAYS) {
      throw new PhotometryError(
        `the times span ${span.toPrecision(4)} days (${this.time[0]} to ${this.time[n - 1]}), ` +
          `over the ${MAX_TIME_SPAN_DAYS} days a light curve can span: a time is wrong`,
      );
    }
  }

  get length(): number {
    return this.order.length;
  }

  /** The points (keeping time order) whose band satisfies `keep`. */
  subset(keep: (band: Bandpass) => boolean, rows: readonly PhotometryPoint[]): PreparedPhotometry {
    const kept = this.order.filter((_, k) =>
      keep(this.bands[this.bandIndex[k] as number] as Bandpass),
    );
    return new PreparedPhotometry(rows, kept);
  }
}

function validate(row: PhotometryPoint, i: number): void {
  const where = `photometry row ${i}`;
  for (const key of ["time", "flux", "fluxerr", "zp"] as const) {
    if (!Number.isFinite(row[key])) {
      throw new PhotometryError(`${where}: ${key} must be a finite number, got ${row[key]}`);
    }
  }
  if (!(row.fluxerr > 0))
    throw new PhotometryError(`${where}: fluxerr must be > 0, got ${row.fluxerr}`);
  if (String(row.zpsys).toLowerCase() !== "ab") {
    throw new PhotometryError(
      `${where}: zpsys ${JSON.stringify(row.zpsys)} is not supported; use "ab"`,
    );
  }
}
