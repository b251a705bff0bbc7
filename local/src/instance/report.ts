/**
 * How the local instance tells its user what it is doing: step lines and progress bars on stderr
 * (the CLI), or nothing (tests). The bars are broker-utils' terminal progress bars.
 */
import { progress, type Progress } from "@pgb/broker-utils/terminal";

export type { Progress };

export interface Reporter {
  /** A step of the run: "functions: 5 processes up". */
  step(message: string): void;
  /** A line from a lower layer (the servers' installs and starts). */
  detail(message: string): void;
  /** A bar for `total` units of work (or a running count when total is unknown). */
  progress(label: string, total?: number): Progress;
}

const SILENT_PROGRESS: Progress = { tick() {}, update() {}, finish() {} };

export const silentReporter: Reporter = {
  step() {},
  detail() {},
  progress: () => SILENT_PROGRESS,
};

/** Step lines `pgb local: …` and progress bars on stderr. */
export async function consoleReporter(): Promise<Reporter> {
  return {
    step: (message) => process.stderr.write(`pgb local: ${message}\n`),
    detail: (message) => process.stderr.write(`  ${message}\n`),
    progress: (label, total) => progress(`  ${label}`, total),
  };
}
