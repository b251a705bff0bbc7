/**
 * Light-curve tables as CSV with sncosmo's column names and aliases (docs/spec/salt2.md §3.1), matched
 * case-insensitively; other columns are ignored.
 */
import type { PhotometryPoint } from "./photometry.js";
import { Salt2FormatError } from "./errors.js";

const ALIASES: Readonly<Record<keyof PhotometryPoint, readonly string[]>> = {
  time: ["time", "date", "jd", "mjd", "mjdobs", "mjd_obs"],
  band: ["band", "bandpass", "filter", "flt"],
  flux: ["flux", "f"],
  fluxerr: ["fluxerr", "fe", "fluxerror", "flux_error", "flux_err"],
  zp: ["zp", "zpt", "zeropoint", "zero_point", "zeropt"],
  zpsys: ["zpsys", "zpmagsys", "magsys"],
};

function splitLine(line: string): string[] {
  return line.split(",").map((cell) => cell.trim().replace(/^"(.*)"$/, "$1"));
}

/**
 * Parses a CSV light curve (header row first; `#` lines and blank lines skipped). `source` names the
 * input in error messages.
 */
export function parseLightCurveCsv(text: string, source = "light curve"): PhotometryPoint[] {
  const lines = text
    .split(/\r?\n/)
    .map((line, i) => ({ line: line.trim(), number: i + 1 }))
    .filter(({ line }) => line !== "" && !line.startsWith("#"));
  const header = lines.shift();
  if (header === undefined) throw new Salt2FormatError(`${source}: empty table`);
  const names = splitLine(header.line).map((name) => name.toLowerCase());
  const column = {} as Record<keyof PhotometryPoint, number>;
  for (const [key, aliases] of Object.entries(ALIASES) as [
    keyof PhotometryPoint,
    readonly string[],
  ][]) {
    const found = names.flatMap((name, i) => (aliases.includes(name) ? [i] : []));
    if (found.length === 0) {
      throw new Salt2FormatError(
        `${source}: no ${key} column; name one of ${aliases.join(", ")} (columns: time, band, flux, fluxerr, zp, zpsys)`,
      );
    }
    if (found.length > 1) {
      throw new Salt2FormatError(
        `${source}: ${found.map((i) => names[i]).join(" and ")} are all aliases of ${key}; keep one`,
      );
    }
    column[key] = found[0] as number;
  }
  return lines.map(({ line, number }) => {
    const cells = splitLine(line);
    const cell = (key: keyof PhotometryPoint) => {
      const value = cells[column[key]];
      if (value === undefined || value === "") {
        throw new Salt2FormatError(`${source}: line ${number} has no ${key} value`);
      }
      return value;
    };
    const numeric = (key: "time" | "flux" | "fluxerr" | "zp") => {
      const value = Number(cell(key));
      if (Number.isNaN(value)) {
        throw new Salt2FormatError(
          `${source}: line ${number}: ${key} is not a number: ${cell(key)}`,
        );
      }
      return value;
    };
    return {
      time: numeric("time"),
      band: cell("band"),
      flux: numeric("flux"),
      fluxerr: numeric("fluxerr"),
      zp: numeric("zp"),
      zpsys: cell("zpsys"),
    };
  });
}
