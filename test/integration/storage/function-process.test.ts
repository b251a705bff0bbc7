/**
 * The local function process API itself (the storage tests use it in bundle mode): source mode,
 * the health check, restart on the same port, refusal of a busy port, a start failure reported
 * with the log, and that only a PID whose command line shows the marker is ever signalled.
 */
import { createServer } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { bigQueryTableSchema } from "@pgb/broker-utils/alerts";
import { instanceModel } from "@pgb/broker-utils/instance";
import { FUNCTION } from "@pgb/broker-utils/naming";
import { serviceEnv } from "@pgb/local";
import {
  functionHealthy,
  HEALTH_PATH,
  killFunction,
  restartFunction,
  startFunction,
  stopFunction,
  type FunctionProcess,
} from "../../../local/src/functions/index.js";
import { servers, TEST_PROJECT } from "../../support/services.js";
import { testid } from "./support.js";

const model = instanceModel({
  survey: "ztf",
  testid: testid("fp"),
  project: TEST_PROJECT,
  region: "us-central1",
  tableSchemas: bigQueryTableSchema,
});
const spec = model.functions.find((f) => f.stub === FUNCTION.upload)!;
const started: FunctionProcess[] = [];

afterAll(async () => {
  for (const p of started) await stopFunction(p, 2000).catch(() => undefined);
});

describe("local function processes", () => {
  it("run the TypeScript source (source mode), answer the health check, restart on the same port", async () => {
    const proc = await startFunction({
      spec,
      serviceEnv: serviceEnv(servers()),
      mode: "source",
      exitWithParent: true,
    });
    started.push(proc);
    expect(proc.module).toMatch(/functions\/upload-bytes-to-bucket\/src\/index\.ts$/);
    expect(proc.url).toBe(`http://127.0.0.1:${proc.port}`);
    const health = await fetch(`${proc.url}${HEALTH_PATH}`);
    expect(await health.json()).toEqual({
      name: spec.name,
      target: spec.entryPoint,
      pid: proc.pid,
    });
    const again = await restartFunction(proc);
    started.push(again);
    expect(again.port).toBe(proc.port);
    expect(again.pid).not.toBe(proc.pid);
    expect(await functionHealthy(proc)).toBe(false);
    expect(await functionHealthy(again)).toBe(true);
    await stopFunction(again);
    expect(await functionHealthy(again)).toBe(false);
  });

  it("never signals a PID whose command line lacks the marker", async () => {
    const proc = await startFunction({
      spec,
      serviceEnv: serviceEnv(servers()),
      exitWithParent: true,
    });
    started.push(proc);
    const impostor = { ...proc, marker: `${proc.marker} --not-this-one` };
    await killFunction(impostor);
    await stopFunction(impostor, 100);
    expect(await functionHealthy(proc)).toBe(true);
    await killFunction(proc);
    expect(await functionHealthy(proc)).toBe(false);
  });

  it("refuses a busy port, naming it", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      await expect(
        startFunction({ spec, serviceEnv: serviceEnv(servers()), port }),
      ).rejects.toThrow(`127.0.0.1:${port} is in use`);
    } finally {
      server.close();
    }
  });

  it("reports a process that exits at start with the end of its log", async () => {
    const wrong = { ...spec, entryPoint: "noSuchEntryPoint" };
    await expect(startFunction({ spec: wrong, serviceEnv: serviceEnv(servers()) })).rejects.toThrow(
      /did not become healthy .*\(exited\).*\n[^]*"noSuchEntryPoint" was not registered/,
    );
  });
});
