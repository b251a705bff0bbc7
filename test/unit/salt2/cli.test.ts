import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { afterEach, describe, expect, it, vi } from "vitest";

import { createProgram, runProgram } from "../../../packages/cli/src/program.js";
import { fitConfigFromOptions, salt2Commands } from "../../../packages/cli/src/commands/salt2.js";
import { dataPath } from "@pgb/test-data";

const LC_A = fileURLToPath(new URL("../../fixtures/salt2/lc-a.csv", import.meta.url));

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = vi
    .spyOn(process.stdout, "write")
    .mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi
    .spyOn(process.stderr, "write")
    .mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await runProgram(createProgram([salt2Commands]), ["node", "pgb", ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

afterEach(() => {
  process.exitCode = undefined;
});

describe("pgb salt2 fit", () => {
  it("fits a CSV light curve with the product configuration and prints JSON", async () => {
    const { code, stdout } = await run("salt2", "fit", LC_A, "--json");
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as Record<string, unknown> & {
      params: Record<string, number>;
      errors: Record<string, number>;
      covariance: Record<string, Record<string, number>>;
    };
    expect(Object.keys(result)).toEqual([
      "success",
      "message",
      "chisq",
      "ndof",
      "ncall",
      "params",
      "errors",
      "covariance",
    ]);
    expect(result["success"]).toBe(true);
    expect(result["ndof"]).toBe(43);
    // F3 of docs/spec/salt2.md §6.5.
    expect(Math.abs(result.params["z"]! - 0.0508801014287) / 0.00290937).toBeLessThan(0.05);
    expect(Object.keys(result.errors)).toEqual(["z", "t0", "x0", "x1", "c"]);
    expect(result.covariance["z"]!["z"]).toBeCloseTo(result.errors["z"]! ** 2, 12);
  });

  it("takes --vary, --bounds and --fix, and writes the plot", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pgb-salt2-"));
    const png = join(dir, "fit.png");
    const { code, stdout } = await run(
      "salt2",
      "fit",
      LC_A,
      "--json",
      "--fix",
      "z=0.05",
      "--bounds",
      "x1=-5:5,c=-5:5",
      "--plot",
      png,
    );
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as {
      params: Record<string, number>;
      errors: Record<string, number>;
      chisq: number;
    };
    expect(result.params["z"]).toBe(0.05);
    expect(Object.keys(result.errors)).toEqual(["t0", "x0", "x1", "c"]);
    expect(result.chisq).toBeLessThanOrEqual(34.164328 + 1e-3); // F2
    expect(readFileSync(png).subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
  }, 30_000);

  it("fits a ZTF alert file with the product's light curve and configuration", async () => {
    const alert = dataPath(
      "ztf/alerts/v3.3/ZTF21abprzfg.1704377621415015002.ztf_20210901_programid1.avro",
    );
    const { code, stdout } = await run("salt2", "fit", alert, "--json");
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { ndof: number; chisq: number; success: boolean };
    expect(result).toMatchObject({ success: true, ndof: 7 });
    expect(result.chisq).toBeLessThan(1.2005); // sncosmo: 1.2 (test/fixtures/salt2/alerts.json)
  }, 30_000);

  it("prints a readable summary without --json", async () => {
    const { code, stdout } = await run(
      "salt2",
      "fit",
      LC_A,
      "--vary",
      "t0,x0,x1,c",
      "--fix",
      "z=0.05",
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^success: Minimization exited successfully\.\nchisq\/ndof = 34\.164\/44/,
    );
    expect(stdout).toMatch(/ {2}z {2}= 0\.05 {2}\(fixed\)/);
  });

  it("turns bad input into messages and exit codes", async () => {
    expect(await run("salt2", "fit", "lightcurve.fits")).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/unsupported light-curve file/),
    });
    expect(await run("salt2", "fit", LC_A, "--vary", "z,q")).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--vary: unknown parameter q/),
    });
    expect(await run("salt2", "fit", LC_A, "--bounds", "x1=5:-5")).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/is not name=lo:hi/),
    });
    const dir = mkdtempSync(join(tmpdir(), "pgb-salt2-"));
    const noisy = join(dir, "noisy.csv");
    writeFileSync(
      noisy,
      "time,band,flux,fluxerr,zp,zpsys\n59000,ztfg,1,10,25,ab\n59001,ztfr,1,10,25,ab\n",
    );
    expect(await run("salt2", "fit", noisy)).toMatchObject({
      code: 1,
      stderr: "pgb: No data points with S/N > 5.0. Initial guessing failed.\n",
    });
  });

  it("maps options to fit configurations", () => {
    expect(fitConfigFromOptions({})).toMatchObject({
      vary: ["z", "t0", "x0", "x1", "c"],
      bounds: { z: [0.01, 0.2] },
      t0Window: "auto",
    });
    expect(fitConfigFromOptions({ fix: "z=0.05", t0Window: "reference" })).toMatchObject({
      vary: ["t0", "x0", "x1", "c"],
      params: { z: 0.05 },
      t0Window: "reference",
    });
    expect(
      fitConfigFromOptions({ vary: "t0,x0", bounds: "t0=58990:59010", modelcov: true }),
    ).toEqual({
      vary: ["t0", "x0"],
      bounds: { t0: [58990, 59010] },
      params: {},
      t0Window: "auto",
      modelcov: true,
    });
  });
});
