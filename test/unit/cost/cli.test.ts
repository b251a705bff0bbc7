import { afterEach, describe, expect, it, vi } from "vitest";
import { createProgram, runProgram } from "@pgb/cli";
import { costCommands } from "../../../packages/cli/src/commands/cost.js";
import { captureOutput } from "../../support/output.js";

afterEach(() => {
  vi.restoreAllMocks();
});

const run = (...args: string[]) =>
  runProgram(createProgram([costCommands]), ["node", "pgb", "cost", ...args]);

describe("pgb cost", () => {
  it("prints every component for both designs, per night and per million alerts", async () => {
    const io = captureOutput();
    expect(await run("--survey", "ztf", "--alerts-per-night", "1_000_000")).toBe(0);
    const text = io.out();
    expect(text).toMatch(/^ztf, 1,000,000 alerts a night; list prices of 2026-12-07/);
    for (const c of [
      "VMs",
      "Functions",
      "Pub/Sub",
      "GCS operations",
      "BigQuery ingestion",
      "Egress",
      "TOTAL",
    ]) {
      expect(text).toContain(`\n${c} `);
    }
  });

  it("prints JSON whose totals are the sums of the components", async () => {
    const io = captureOutput();
    expect(await run("--survey", "lsst", "--alerts-per-night", "10000000", "--json")).toBe(0);
    const report = JSON.parse(io.out()) as {
      alertsPerNight: number;
      designs: { design: string; perNight: number; components: { perNight: number }[] }[];
    };
    expect(report.alertsPerNight).toBe(10_000_000);
    expect(report.designs.map((d) => d.design)).toEqual(["ours", "reference"]);
    for (const d of report.designs) {
      expect(d.perNight).toBeCloseTo(d.components.reduce((t, c) => t + c.perNight, 0));
    }
  });

  it("names the option and the fix for bad input", async () => {
    const io = captureOutput();
    expect(await run("--survey", "decat", "--alerts-per-night", "10")).toBe(2);
    expect(io.err()).toContain('--survey "decat" has no workload: use one of ztf, lsst');
    expect(await run("--survey", "ztf", "--alerts-per-night", "1e6x")).toBe(2);
    expect(io.err()).toContain('--alerts-per-night "1e6x" is not a positive whole number');
  });
});
