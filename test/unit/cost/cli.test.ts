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
  it("prints every component of every design, marking ours, with the designs explained", async () => {
    const io = captureOutput();
    expect(await run("--survey", "ztf", "--alerts-per-night", "1_000_000")).toBe(0);
    const text = io.out();
    expect(text).toMatch(/^ztf, 1,000,000 alerts a night; list prices of 2026-12-07/);
    for (const c of ["VMS", "FUNCTIONS", "PUB/SUB", "GCS OPS", "BQ INGEST", "EGRESS", "TOTAL"]) {
      expect(text).toContain(` ${c} `);
    }
    for (const d of ["reference", "alert-pushes", "notification", "notification+c8+write-api"]) {
      expect(text).toMatch(new RegExp(`\\n${d.replaceAll("+", "\\+")} `));
      expect(text).toContain(`\n  ${d}: `);
    }
    expect(text.match(/ \(ours\) /g)).toHaveLength(1);
    // the instance model feeds bq-sink and value-added the bucket notification
    expect(text).toMatch(/\nnotification\+c8 \(ours\) +[0-9. ]+ read < 0\.\d{3} s\n/);
  });

  it("prints JSON whose totals are the sums of the components", async () => {
    const io = captureOutput();
    expect(await run("--survey", "lsst", "--alerts-per-night", "10000000", "--json")).toBe(0);
    const report = JSON.parse(io.out()) as {
      alertsPerNight: number;
      ours: string;
      designs: {
        design: string;
        perNight: number;
        timesReference: number;
        breakEvenReadSeconds?: number | null;
        components: { perNight: number }[];
      }[];
    };
    expect(report.alertsPerNight).toBe(10_000_000);
    expect(report.designs.map((d) => d.design)).toEqual([
      "reference",
      "alert-pushes",
      "notification",
      "concurrency-8",
      "notification+c8",
      "notification+c8+write-api",
    ]);
    expect(report.designs.map((d) => d.design)).toContain(report.ours);
    for (const d of report.designs) {
      expect(d.perNight).toBeCloseTo(d.components.reduce((t, c) => t + c.perNight, 0));
      expect(d.timesReference).toBeCloseTo(d.perNight / report.designs[0]!.perNight);
      expect("breakEvenReadSeconds" in d).toBe(d.design.startsWith("notification"));
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
