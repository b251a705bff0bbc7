import { afterEach, describe, expect, it, vi } from "vitest";
import { createProgram, runProgram } from "@pgb/cli";
import { namesCommands } from "../../../packages/cli/src/commands/names.js";
import { captureOutput } from "../../support/output.js";

afterEach(() => {
  vi.restoreAllMocks();
});

const run = (...args: string[]) =>
  runProgram(createProgram([namesCommands]), ["node", "pgb", "names", ...args]);

describe("pgb names", () => {
  it("prints every resource of the instance model as JSON", async () => {
    const io = captureOutput();
    expect(await run("--stack", "ztf-mytestid", "--project", "my-proj", "--json")).toBe(0);
    const resources = JSON.parse(io.out()) as { kind: string; stub: string; name: string }[];
    expect(resources).toContainEqual(
      expect.objectContaining({
        kind: "function",
        stub: "upload_bytes_to_bucket",
        name: "ztf-upload-bytes-to-bucket-mytestid",
      }),
    );
    expect(resources).toContainEqual(
      expect.objectContaining({ kind: "dataset", name: "ztf_alerts_mytestid" }),
    );
    expect(resources.filter((r) => r.kind === "serviceAccount")).toHaveLength(8);
  });

  it("prints a table without --json", async () => {
    const io = captureOutput();
    expect(await run("--stack", "ztf", "--project", "my-proj")).toBe(0);
    expect(io.out()).toMatch(/^bucket\s+broker_files\s+my-proj-ztf-broker_files$/m);
  });

  it("exits non-zero with the naming error of an invalid stack", async () => {
    const io = captureOutput();
    expect(await run("--stack", "ztf-False", "--project", "my-proj")).toBe(2);
    expect(io.err()).toContain("the production stack is `ztf`");
    expect(
      await run("--stack", "ztf-abcdefghijklmnopqrstuv", "--project", "my-proj", "--json"),
    ).toBe(2);
    expect(io.err()).toContain("the longest testid that fits is 21 characters");
  });
});
