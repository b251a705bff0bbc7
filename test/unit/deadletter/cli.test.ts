import { afterEach, describe, expect, it, vi } from "vitest";
import { createProgram, runProgram } from "@pgb/cli";
import {
  deadletterCommands,
  deadletterCommandsWith,
  parseFunction,
  type LocalSettings,
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

describe("pgb deadletter without --stack or --project", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });
  const withLocal = (local: LocalSettings | undefined, ...args: string[]) => {
    const asked: (string | undefined)[] = [];
    const program = createProgram([
      deadletterCommandsWith(async (stack) => (asked.push(stack), local)),
    ]);
    return {
      asked,
      code: runProgram(program, ["node", "pgb", "deadletter", ...args]),
    };
  };
  const noEmulators = () => {
    for (const key of ["PUBSUB_EMULATOR_HOST", "STORAGE_EMULATOR_HOST", "BIGQUERY_EMULATOR_HOST"])
      delete process.env[key];
  };

  it("names the missing flags in one line (exit 2) when no local instance is up: no stack trace, no path", async () => {
    noEmulators();
    const io = captureOutput();
    const { code, asked } = withLocal(undefined, "list");
    expect(await code).toBe(2);
    expect(asked).toEqual([undefined]);
    expect(io.err()).toBe(
      "pgb: --stack and --project not given and no local instance is up to read the settings from: " +
        "pass --stack <survey>[-<testid>] --project <id> for a cloud instance, or bring the local " +
        "one up (`npx pgb local up`)\n",
    );
    const again = withLocal(undefined, "replay", "--stack", "ztf-mytest", "--function", "bq-sink");
    expect(await again.code).toBe(2);
    expect(again.asked).toEqual(["ztf-mytest"]);
    expect(io.err()).toMatch(/pgb: --project not given and no local instance ztf-mytest is up/);
    expect(io.err()).not.toMatch(/\n\s+at |\/work\/|node_modules/);
  });

  it("takes the stack, the project and the servers' environment from the local instance that is up", async () => {
    noEmulators();
    const io = captureOutput();
    // --max 0 stops the command after the settings are taken, before any call
    const local = {
      stack: "ztf-local",
      project: "pgb-local",
      env: { PUBSUB_EMULATOR_HOST: "127.0.0.1:1", METADATA_SERVER_DETECTION: "none" },
    };
    const { code } = withLocal(local, "list", "--max", "0");
    expect(await code).toBe(2);
    expect(io.err()).toMatch(
      /^using the local instance ztf-local \(project pgb-local, Pub\/Sub emulator 127\.0\.0\.1:1\)\n/,
    );
    expect(io.err()).toMatch(/--max must be a positive integer, got 0\n$/);
    expect(process.env["PUBSUB_EMULATOR_HOST"]).toBe("127.0.0.1:1");
  });

  it("a project other than the local instance's is a cloud instance: --stack is then needed", async () => {
    noEmulators();
    const io = captureOutput();
    const local = { stack: "ztf-local", project: "pgb-local", env: {} };
    const { code } = withLocal(local, "list", "--project", "my-proj");
    expect(await code).toBe(2);
    expect(io.err()).toMatch(/^pgb: --stack not given and no local instance is up/);
  });

  it("names missing credentials of a cloud instance in one line (exit 2)", async () => {
    noEmulators();
    process.env["GOOGLE_APPLICATION_CREDENTIALS"] = "/nonexistent/pgb-test-credentials.json";
    const io = captureOutput();
    const { code } = withLocal(undefined, "list", "--stack", "ztf-mytest", "--project", "my-proj");
    expect(await code).toBe(2);
    expect(io.err()).toMatch(
      /^pgb: no Google credentials to read the dead letters of project my-proj \(.*\): run `gcloud auth application-default login`/,
    );
    expect(io.err().trim().split("\n")).toHaveLength(1);
  });
});
