/**
 * How the local instance tells its user what it is doing: step lines and progress bars on stderr
 * (the CLI), or nothing (tests). The bars are broker-utils' progress reporter (`src/cli/progress`).
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

/** broker-utils' `Progress` (cli/progress.ts). */
export interface Progress {
  tick(n?: number, note?: string): void;
  update(done: number, note?: string): void;
  finish(summary?: string): void;
}

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

type ProgressFactory = (label: string, total?: number) => Progress;

/**
 * broker-utils' progress reporter, which its `cli` module does not export yet: loaded from the
 * package's own files (sources under tsx and vitest, dist/ otherwise).
 */
async function loadProgress(): Promise<ProgressFactory> {
  const root = dirname(createRequire(import.meta.url).resolve("@pgb/broker-utils/package.json"));
  const file = import.meta.url.endsWith(".ts")
    ? join(root, "src", "cli", "progress.ts")
    : join(root, "dist", "cli", "progress.js");
  const module = (await import(pathToFileURL(file).href)) as { progress: ProgressFactory };
  return module.progress;
}

/** Step lines `pgb local: …` and progress bars on stderr. */
export async function consoleReporter(): Promise<Reporter> {
  const progress = await loadProgress();
  return {
    step: (message) => process.stderr.write(`pgb local: ${message}\n`),
    detail: (message) => process.stderr.write(`  ${message}\n`),
    progress: (label, total) => progress(`  ${label}`, total),
  };
}
