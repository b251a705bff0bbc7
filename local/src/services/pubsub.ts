/**
 * Google's Pub/Sub emulator from the preinstalled Cloud SDK. Its launcher script is run directly
 * rather than `gcloud beta emulators pubsub start`: the script execs java, so the recorded PID is the
 * emulator itself, whereas killing the gcloud (python) wrapper leaves java running.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { beginLog, logFileOf, serverEnv, type ServiceDriver } from "./driver.js";
import { findCloudSdk, gcloudEnv } from "./prereq.js";
import {
  httpStatus,
  readLogSince,
  spawnDetached,
  stopProcesses,
  waitUntilReady,
  type ServiceRecord,
} from "./process.js";

/** Marks our emulator's java command line (checked before a PID is signalled). */
const MARKER_PROPERTY = "-Dpgb.service=pubsub";

async function emulatorDir(): Promise<string> {
  return join(await findCloudSdk(), "platform", "pubsub-emulator");
}

export const pubsubDriver: ServiceDriver = {
  name: "pubsub",

  async installed() {
    await findCloudSdk();
    return true;
  },

  async install() {
    // nothing to fetch: the emulator comes with the Cloud SDK; this only checks it is there
    await findCloudSdk();
  },

  async version() {
    const jars = await readdir(join(await emulatorDir(), "lib")).catch(() => [] as string[]);
    const jar = jars
      .map((f) => /^cloud-pubsub-emulator-(.+?)(?:-all)?\.jar$/.exec(f))
      .find(Boolean);
    return jar?.[1] ?? "unknown";
  },

  endpoint(port) {
    return `127.0.0.1:${port}`;
  },

  async start(config, { port }): Promise<ServiceRecord> {
    const script = join(await emulatorDir(), "bin", "cloud-pubsub-emulator");
    const logFile = logFileOf(config, "pubsub");
    const logOffset = await beginLog(config, "pubsub");
    const { pid } = await spawnDetached(script, [`--host=127.0.0.1`, `--port=${port}`], {
      env: gcloudEnv(serverEnv({ CLOUD_PUBSUB_EMULATOR_OPTS: MARKER_PROPERTY })),
      logFile,
    });
    const record: ServiceRecord = {
      name: "pubsub",
      processes: [{ pid, marker: MARKER_PROPERTY }],
      port,
      version: await this.version(config),
      startedAt: new Date().toISOString(),
      log: logFile,
    };
    try {
      await waitUntilReady(
        `Pub/Sub emulator on 127.0.0.1:${port}`,
        // the emulator's own signal, then an answer on the port (the log line can precede it)
        async () =>
          (await readLogSince(logFile, logOffset)).includes("Server started") &&
          (await pubsubDriver.healthy(config, port)),
        { pids: [pid], logFile, logOffset, timeoutMs: 60_000 },
      );
    } catch (err) {
      await stopProcesses(record.processes);
      throw err;
    }
    return record;
  },

  async healthy(_config, port) {
    // the emulator's REST front answers "Ok" on /
    const r = await httpStatus(`http://127.0.0.1:${port}/`);
    return r?.status === 200 && r.body.trim() === "Ok";
  },
};
