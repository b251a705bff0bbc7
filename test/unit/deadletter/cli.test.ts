import { afterEach, describe, expect, it, vi } from "vitest";
import { createProgram, runProgram } from "@pgb/cli";
import {
  deadletterCommands,
  parseFunction,
} from "../../../packages/cli/src/commands/deadletter.js";
import { captureOutput } from "../../support/output.js";

afterEach(() => {
  vi.restoreAllMocks();
});

const run = (...args: string[]) =>
  runProgram(createProgram([deadletterCommands]), ["node", "pgb", "deadletter", ...args]);

describe("pgb deadletter (arguments; the commands themselves run against the emulator in test/integration/storage)", () => {
  it("names a function by stub or by its id", () => {
    expect(parseFunction("bq-sink")).toBe("bq-sink");
    expect(parseFunction("upload-bytes-to-bucket")).toBe("upload_bytes_to_bucket");
    expect(parseFunction("upload_bytes_to_bucket")).toBe("upload_bytes_to_bucket");
    expect(() => parseFunction("bqsink")).toThrow(
      /not a broker function; use one of upload-bytes-to-bucket, bq-sink/,
    );
  });

  it("rejects an unknown function, an invalid stack, a bad --max or an unsafe --url before any call", async () => {
    const io = captureOutput();
    const instance = ["--stack", "ztf-mytest", "--project", "my-proj"];
    expect(await run("list", ...instance, "--function", "nope")).toBe(2);
    expect(await run("list", "--stack", "ztf-a-b", "--project", "my-proj")).toBe(2);
    expect(await run("list", ...instance, "--max", "0")).toBe(2);
    expect(
      await run("replay", ...instance, "--function", "bq-sink", "--url", "http://10.0.0.8/f"),
    ).toBe(2);
    expect(io.err()).toMatch(/--function nope is not a broker function/);
    expect(io.err()).toMatch(/invalid stack name "ztf-a-b"/);
    expect(io.err()).toMatch(/--max must be a positive integer, got 0/);
    expect(io.err()).toMatch(/only over https, or over http to a local function process/);
  });

  it("requires --function for replay", async () => {
    const io = captureOutput();
    expect(await run("replay", "--stack", "ztf", "--project", "my-proj")).toBe(1);
    expect(io.err()).toMatch(/required option '--function <fn>'/);
  });
});
