/**
 * `pgb salt2 fit <lightcurve>`: fits a light curve with the product configuration (docs/spec/broker.md §6) or
 * the given parameters and bounds, prints the result (JSON with --json) and optionally the plot.
 */
import { readFile, writeFile } from "node:fs/promises";
import { extname } from "node:path";

import {
  PARAM_NAMES,
  PRODUCT_FIT_CONFIG,
  fitSalt2,
  parseLightCurveCsv,
  type FitConfig,
  type FitResult,
  type ParamName,
  type PhotometryPoint,
  type Salt2Params,
} from "@pgb/salt2";
import { UsageError, type CommandModule } from "../program.js";

/**
 * Reads a light-curve file by extension: a CSV table (sncosmo's columns), or an alert (`.avro`, any
 * survey the alerts module decodes) whose light curve is built as the product does (docs/spec/broker.md §6).
 */
export async function readLightCurveFile(path: string): Promise<PhotometryPoint[]> {
  switch (extname(path).toLowerCase()) {
    case ".csv":
    case ".txt":
      return parseLightCurveCsv(await readFile(path, "utf8"), path);
    case ".avro": {
      // Loaded on demand: the Avro decoders are not needed for CSV input.
      const { Alert } = await import("@pgb/broker-utils/alerts");
      const { lightCurve } = await import("@pgb/broker-utils/photometry");
      return lightCurve(Alert.fromFile(path));
    }
    default:
      throw new UsageError(
        `${path}: unsupported light-curve file; give a CSV table with columns time,band,flux,fluxerr,zp,zpsys or an alert .avro`,
      );
  }
}

function parseNames(text: string, option: string): ParamName[] {
  const names = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const name of names) {
    if (!PARAM_NAMES.includes(name as ParamName)) {
      throw new UsageError(`${option}: unknown parameter ${name}; use ${PARAM_NAMES.join(", ")}`);
    }
  }
  return names as ParamName[];
}

/** `name=value,…` with a parser for the value. */
function parseAssignments<T>(
  text: string,
  option: string,
  parse: (value: string) => T | undefined,
  format: string,
): Partial<Record<ParamName, T>> {
  const out: Partial<Record<ParamName, T>> = {};
  for (const item of text.split(",").filter((s) => s.trim() !== "")) {
    const [name, value, ...rest] = item.split("=").map((s) => s.trim());
    const parsed = value === undefined || rest.length > 0 ? undefined : parse(value);
    if (name === undefined || parsed === undefined) {
      throw new UsageError(`${option}: ${JSON.stringify(item)} is not ${format}`);
    }
    out[parseNames(name, option)[0] as ParamName] = parsed;
  }
  return out;
}

function parseNumber(value: string): number | undefined {
  const x = Number(value);
  return value !== "" && Number.isFinite(x) ? x : undefined;
}

function parseRange(value: string): readonly [number, number] | undefined {
  // A colon separates the ends; a leading minus belongs to the number (x1=-5:5).
  const match = /^(-?[^:]+):(-?[^:]+)$/.exec(value);
  const lo = match?.[1] === undefined ? undefined : parseNumber(match[1]);
  const hi = match?.[2] === undefined ? undefined : parseNumber(match[2]);
  return lo === undefined || hi === undefined || lo > hi ? undefined : [lo, hi];
}

export interface FitOptions {
  readonly vary?: string;
  readonly bounds?: string;
  readonly fix?: string;
  readonly t0Window?: string;
  readonly modelcov?: boolean;
}

/** The fit configuration of the command-line options (the product's where none is given). */
export function fitConfigFromOptions(options: FitOptions): FitConfig {
  const fixed = options.fix
    ? parseAssignments(options.fix, "--fix", parseNumber, "name=value")
    : {};
  const vary = (
    options.vary ? parseNames(options.vary, "--vary") : (PRODUCT_FIT_CONFIG.vary ?? PARAM_NAMES)
  ).filter((name) => !(name in fixed));
  if (vary.length === 0) throw new UsageError("nothing to fit: every parameter is fixed");
  const bounds = options.bounds
    ? parseAssignments(options.bounds, "--bounds", parseRange, "name=lo:hi")
    : PRODUCT_FIT_CONFIG.bounds;
  if (
    options.t0Window !== undefined &&
    options.t0Window !== "auto" &&
    options.t0Window !== "reference"
  ) {
    throw new UsageError(`--t0-window: use auto or reference, not ${options.t0Window}`);
  }
  return {
    vary,
    bounds,
    params: fixed as Partial<Salt2Params>,
    t0Window: (options.t0Window as "auto" | "reference" | undefined) ?? "auto",
    modelcov: options.modelcov ?? false,
  };
}

/** The JSON document printed by `--json`; non-finite numbers become null. */
export function fitResultJson(result: FitResult): Record<string, unknown> {
  const num = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
  const names = result.vparamNames;
  return {
    success: result.success,
    message: result.message,
    chisq: num(result.chisq),
    ndof: result.ndof,
    ncall: result.ncall,
    params: Object.fromEntries(PARAM_NAMES.map((n) => [n, num(result.params[n])])),
    errors: Object.fromEntries(names.map((n) => [n, num(result.errors[n])])),
    covariance: Object.fromEntries(
      names.map((a, i) => [
        a,
        Object.fromEntries(names.map((b, j) => [b, num(result.covariance[i]?.[j])])),
      ]),
    ),
  };
}

function summary(result: FitResult): string {
  const lines = [
    `${result.success ? "success" : "FAILED"}: ${result.message}`,
    `chisq/ndof = ${result.chisq.toFixed(3)}/${result.ndof}  (${result.ncall} model evaluations)`,
  ];
  for (const name of PARAM_NAMES) {
    const error = result.errors[name];
    const tag = result.atBound.includes(name)
      ? "  (at bound)"
      : error === undefined
        ? "  (fixed)"
        : "";
    lines.push(
      `  ${name.padEnd(2)} = ${result.params[name]}${error === undefined ? "" : ` ± ${error}`}${tag}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

export const salt2Commands: CommandModule = (program) => {
  const salt2 = program
    .command("salt2")
    .description("SALT2 (salt2-4) light-curve fits with sncosmo's answers");
  salt2
    .command("fit")
    .description(
      "Fit a light curve (CSV: time,band,flux,fluxerr,zp,zpsys; or an alert .avro). Without --vary/--bounds: the product " +
        "configuration (z in [0.01, 0.2], x1, c in [-5, 5], x0 free, automatic t0 bounds).",
    )
    .argument("<lightcurve>", "light-curve file: .csv table or alert .avro")
    .option("--json", "print the result as JSON")
    .option("--vary <names>", "parameters to fit, e.g. z,t0,x0,x1,c")
    .option("--bounds <ranges>", "bounds replacing the product's, e.g. z=0.01:0.2,x1=-5:5,c=-5:5")
    .option("--fix <values>", "fixed parameter values, e.g. z=0.05")
    .option(
      "--t0-window <kind>",
      "t0 bounds when not given: auto (sncosmo's) or reference (int(T)±10 d)",
    )
    .option("--modelcov", "include the SALT2 model covariance (sncosmo's modelcov)")
    .option("--plot <png>", "write the light-curve plot to this PNG file")
    .action(async (path: string, options: FitOptions & { json?: boolean; plot?: string }) => {
      const config = fitConfigFromOptions(options);
      const rows = await readLightCurveFile(path);
      const result = fitSalt2(rows, config);
      process.stdout.write(
        options.json ? `${JSON.stringify(fitResultJson(result))}\n` : summary(result),
      );
      if (options.plot !== undefined) {
        // The plot module (resvg, a native addon) is loaded only when a plot is asked for.
        const { renderSalt2Plot } = await import("@pgb/salt2/plot");
        const plot = await renderSalt2Plot({ epochs: rows, fit: result, title: path });
        await writeFile(options.plot, plot.png);
      }
    });
};
