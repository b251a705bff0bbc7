/**
 * Named bandpasses, as sncosmo's registry names them, loaded from the files shipped under
 * `data/bandpasses/` on first use: ztfg/ztfr/ztfi (P48, Å), sdssg…sdssz (Å) and lsstu…lssty (the
 * Rubin v1.9 total throughputs in nm; sncosmo's own `lsst*` entries point at the v1.1 files of 2016,
 * see docs/salt2.md).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { bandpassFromText, type Bandpass } from "./bandpass.js";
import { BandpassError } from "./errors.js";

const DATA_DIR = new URL("../../data/bandpasses/", import.meta.url);

const BUILTIN: Readonly<Record<string, { file: string; waveUnit: "AA" | "nm" }>> = {
  ztfg: { file: "ztf/P48_g.dat", waveUnit: "AA" },
  ztfr: { file: "ztf/P48_R.dat", waveUnit: "AA" },
  ztfi: { file: "ztf/P48_I.dat", waveUnit: "AA" },
  sdssg: { file: "sdss/sdss_g.dat", waveUnit: "AA" },
  sdssr: { file: "sdss/sdss_r.dat", waveUnit: "AA" },
  sdssi: { file: "sdss/sdss_i.dat", waveUnit: "AA" },
  sdssz: { file: "sdss/sdss_z.dat", waveUnit: "AA" },
  lsstu: { file: "lsst/total_u.dat", waveUnit: "nm" },
  lsstg: { file: "lsst/total_g.dat", waveUnit: "nm" },
  lsstr: { file: "lsst/total_r.dat", waveUnit: "nm" },
  lssti: { file: "lsst/total_i.dat", waveUnit: "nm" },
  lsstz: { file: "lsst/total_z.dat", waveUnit: "nm" },
  lssty: { file: "lsst/total_y.dat", waveUnit: "nm" },
};

const registry = new Map<string, Bandpass>();

/** Names that `getBandpass` resolves. */
export function bandpassNames(): string[] {
  return [...new Set([...Object.keys(BUILTIN), ...registry.keys()])];
}

/** The bandpass registered under `name` (built-ins load on first use). */
export function getBandpass(name: string): Bandpass {
  let band = registry.get(name);
  if (band === undefined) {
    const entry = BUILTIN[name];
    if (entry === undefined) {
      throw new BandpassError(
        `unknown bandpass ${JSON.stringify(name)}: use one of ${bandpassNames().join(", ")} or registerBandpass()`,
      );
    }
    const text = readFileSync(fileURLToPath(new URL(entry.file, DATA_DIR)), "utf8");
    band = bandpassFromText(text, { name, waveUnit: entry.waveUnit });
    registry.set(name, band);
  }
  return band;
}

/** Registers (or replaces) a bandpass under its name. */
export function registerBandpass(band: Bandpass): void {
  registry.set(band.name, band);
}
