/** The settings `pgb deadletter` reads from a local instance's record when it is given no flags. */
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localInstanceSettings } from "../../../local/src/instance/settings.js";

let runDir: string;

beforeAll(async () => {
  runDir = await mkdtemp(join(tmpdir(), "pgb-settings-"));
  await mkdir(join(runDir, "ztf-local"), { recursive: true });
  const record = {
    stack: "ztf-local",
    project: "pgb-local",
    endpoints: {
      kafkaBootstrap: "127.0.0.1:19092",
      pubsubHost: "127.0.0.1:18085",
      storageHost: "http://127.0.0.1:14443",
      bigqueryHost: "http://127.0.0.1:19050/bigquery/v2",
    },
  };
  await writeFile(join(runDir, "ztf-local", "instance.json"), JSON.stringify(record));
});

afterAll(() => rm(runDir, { recursive: true, force: true }));

describe("localInstanceSettings", () => {
  it("reads the stack, the project and the servers' environment of the instance that is up", async () => {
    expect(await localInstanceSettings(undefined, runDir)).toEqual({
      stack: "ztf-local",
      project: "pgb-local",
      env: expect.objectContaining({
        PUBSUB_EMULATOR_HOST: "127.0.0.1:18085",
        STORAGE_EMULATOR_HOST: "http://127.0.0.1:14443",
        METADATA_SERVER_DETECTION: "none",
      }),
    });
    expect((await localInstanceSettings("ztf-local", runDir))?.stack).toBe("ztf-local");
  });

  it("is undefined for an instance that is not up, and for a production stack", async () => {
    expect(await localInstanceSettings("lsst-local", runDir)).toBeUndefined();
    expect(await localInstanceSettings("ztf", runDir)).toBeUndefined();
  });
});
