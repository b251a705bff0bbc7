import { describe, expect, it, vi } from "vitest";
import { createProgram, runProgram } from "@pgb/cli";
import { dataPath } from "@pgb/test-data";
import { simulateCommands } from "../../../packages/cli/src/commands/simulate.js";

async function pgb(...args: string[]) {
  const errors: string[] = [];
  const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    errors.push(String(chunk));
    return true;
  });
  try {
    const code = await runProgram(createProgram([simulateCommands]), ["node", "pgb", ...args]);
    return { code, stderr: errors.join("") };
  } finally {
    spy.mockRestore();
  }
}

describe("pgb simulate: refusals before anything is sent", () => {
  it("needs a runtime with a per-second rate", async () => {
    const r = await pgb("simulate", "--rate", "5/sec", "--from", "x");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/runtime is required/);
  });

  it("refuses the production alerts topic without --yes", async () => {
    const r = await pgb(
      "simulate",
      "--rate",
      "1/once",
      "--project",
      "my-proj",
      "--from",
      dataPath("ztf/alerts/v4.02"),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ztf-alerts is the production alerts topic.*--yes/);
  });

  it("refuses files and a subscription together", async () => {
    const r = await pgb("simulate", "--rate", "1/once", "--from", "a", "--subscription", "s");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/either --from <files> or --subscription/);
  });
});
