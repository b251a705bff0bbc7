/**
 * Rates, runtimes and the batch plan of the consumer simulator (docs/spec/broker.md §9): a rate `N/unit`
 * is published as batches of ⌊rate_per_s·b⌋ messages every b seconds for ⌊runtime_s/b⌋ batches.
 */

export type RateUnit = "once" | "perSec" | "perMin" | "perHr" | "perNight";

export interface Rate {
  count: number;
  unit: RateUnit;
}

/** A night is 10 hours. */
export const NIGHT_SECONDS = 10 * 3600;

export const RATE_PRESETS: Readonly<Record<string, Rate>> = {
  "ztf-active-avg": { count: 300_000, unit: "perNight" },
  "ztf-live-max": { count: 200, unit: "perSec" },
};

const UNIT_SECONDS: Record<Exclude<RateUnit, "once">, number> = {
  perSec: 1,
  perMin: 60,
  perHr: 3600,
  perNight: NIGHT_SECONDS,
};

const RATE_UNITS: Record<string, RateUnit> = {
  once: "once",
  s: "perSec",
  sec: "perSec",
  second: "perSec",
  persec: "perSec",
  min: "perMin",
  minute: "perMin",
  permin: "perMin",
  h: "perHr",
  hr: "perHr",
  hour: "perHr",
  perhr: "perHr",
  night: "perNight",
  pernight: "perNight",
};

const RUNTIME_SECONDS: Record<string, number> = {
  s: 1,
  sec: 1,
  second: 1,
  min: 60,
  minute: 60,
  h: 3600,
  hr: 3600,
  hour: 3600,
  night: NIGHT_SECONDS,
};

export class SimulatorPlanError extends Error {
  override name = "SimulatorPlanError";
}

function positiveInteger(text: string, what: string): number {
  if (!/^\d+$/.test(text) || Number(text) <= 0) {
    throw new SimulatorPlanError(`${what} "${text}" is not a positive whole number`);
  }
  return Number(text);
}

/** Parses `200/sec`, `300000/night`, `10/once` or a preset name (`ztf-live-max`). */
export function parseRate(text: string): Rate {
  const preset = RATE_PRESETS[text];
  if (preset) return preset;
  const m = /^(\d+)\s*\/\s*([a-zA-Z]+)$/.exec(text.trim());
  const unit = m ? RATE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || !unit) {
    throw new SimulatorPlanError(
      `rate "${text}" is not N/unit with unit once|sec|min|hr|night, nor a preset ` +
        `(${Object.keys(RATE_PRESETS).join(", ")})`,
    );
  }
  return { count: positiveInteger(m[1]!, "rate count"), unit };
}

/** Parses `30sec`, `2min`, `1hr`, `1night` (or with a space or slash) into seconds. */
export function parseRuntime(text: string): number {
  const m = /^(\d+)\s*\/?\s*([a-zA-Z]+)$/.exec(text.trim());
  const unit = m ? RUNTIME_SECONDS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new SimulatorPlanError(`runtime "${text}" is not N followed by sec|min|hr|night`);
  }
  return positiveInteger(m[1]!, "runtime") * unit;
}

export function ratePerSecond(rate: Rate): number {
  if (rate.unit === "once")
    throw new SimulatorPlanError("a rate of N/once has no per-second value");
  return rate.count / UNIT_SECONDS[rate.unit];
}

export interface BatchPlan {
  perBatch: number;
  batches: number;
  intervalSeconds: number;
}

/** The batches to publish; `runtimeSeconds` is required unless the rate is `once`. */
export function planBatches(
  rate: Rate,
  runtimeSeconds: number | undefined,
  intervalSeconds = 5,
): BatchPlan {
  if (!(intervalSeconds > 0)) {
    throw new SimulatorPlanError(`batch interval ${intervalSeconds} s must be positive`);
  }
  if (rate.unit === "once") return { perBatch: rate.count, batches: 1, intervalSeconds };
  if (runtimeSeconds === undefined) {
    throw new SimulatorPlanError(
      `a runtime is required with a rate of ${rate.count}/${rate.unit} (only N/once runs without one)`,
    );
  }
  const perBatch = Math.floor(ratePerSecond(rate) * intervalSeconds);
  if (perBatch === 0) {
    throw new SimulatorPlanError(
      `${rate.count}/${rate.unit} gives 0 messages per ${intervalSeconds} s batch: raise the rate or ` +
        `the batch interval (need at least ${Math.ceil(1 / ratePerSecond(rate))} s)`,
    );
  }
  const batches = Math.floor(runtimeSeconds / intervalSeconds);
  if (batches === 0) {
    throw new SimulatorPlanError(
      `runtime ${runtimeSeconds} s is shorter than one batch interval (${intervalSeconds} s)`,
    );
  }
  return { perBatch, batches, intervalSeconds };
}
