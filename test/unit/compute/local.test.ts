/**
 * The local compute port with real processes (no server needed): VM programs are `node -e`
 * scripts that report their environment and how they end.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ComputeError,
  MetadataConflictError,
  computeFromEnv,
  computeKind,
  installLocalHarness,
  updateMetadata,
  waitForStatus,
} from "@pgb/compute";
import {
  INITIAL_FINGERPRINT,
  LocalCompute,
  launchSpecPath,
  localHarness,
  readLaunchSpec,
  writeLaunchSpec,
  type LaunchSpec,
} from "@pgb/local/compute";

const run = promisify(execFile);
const HELPER = join(import.meta.dirname, "helpers", "local-compute-cli.ts");
/** How a child runs TypeScript helpers: workspace sources through tsx. */
const TS = ["--conditions=source", "--import", "tsx"];

/** A program that logs its environment, then runs until SIGTERM (or ignores it). */
function program(ignoreTerm: boolean): string {
  return `
    console.log(JSON.stringify({ pid: process.pid, NIGHT: process.env.NIGHT ?? null,
      KAFKA_TOPIC: process.env.KAFKA_TOPIC ?? null, lower: process.env.lower ?? null,
      SURVEY: process.env.SURVEY, PGB_COMPUTE: process.env.PGB_COMPUTE,
      PGB_LOCAL_STATE_DIR: process.env.PGB_LOCAL_STATE_DIR,
      METADATA_SERVER_DETECTION: process.env.METADATA_SERVER_DETECTION }));
    process.on("SIGTERM", () => { ${ignoreTerm ? "console.log('ignoring SIGTERM')" : "console.log('bye'); process.exit(0)"} });
    setInterval(() => {}, 1000);`;
}

let stateDir: string;
let compute: LocalCompute;
const started: LocalCompute[] = [];

function spec(): LaunchSpec {
  const node = (code: string) => ({
    command: process.execPath,
    args: ["-e", code],
    cwd: stateDir,
    env: { SURVEY: "ztf" },
  });
  return {
    version: 1,
    vms: {
      "ztf-consumer-t": node(program(false)),
      "ztf-stubborn-t": node(program(true)),
      "ztf-oneshot-t": node("console.log('done')"),
      "ztf-missing-t": {
        command: join(stateDir, "no-such-program"),
        args: [],
        cwd: stateDir,
        env: {},
      },
    },
  };
}

async function lines(vm: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(compute.logPath(vm), "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "pgb-compute-"));
  await writeLaunchSpec(stateDir, spec());
  compute = new LocalCompute({ stateDir, stopGraceMs: 1_000 });
  started.push(compute);
});

afterAll(async () => {
  // leave nothing running, whatever failed
  for (const vm of Object.keys(spec().vms)) await compute.stop(vm).catch(() => undefined);
  await rm(stateDir, { recursive: true, force: true });
});

describe("LocalCompute", () => {
  it("starts a VM program with the launch env, its UPPER_CASE metadata and the port's variables", async () => {
    await updateMetadata(compute, "ztf-consumer-t", { KAFKA_TOPIC: "t1", lower: "x" });
    expect(await compute.status("ztf-consumer-t")).toBe("TERMINATED");
    await compute.start("ztf-consumer-t");
    expect(await compute.status("ztf-consumer-t")).toBe("RUNNING");
    const [first] = await until("the program's first line", async () => {
      const l = await lines("ztf-consumer-t");
      return l.length > 0 ? l : undefined;
    });
    expect(first).toMatchObject({
      NIGHT: null,
      KAFKA_TOPIC: "t1",
      lower: null,
      SURVEY: "ztf",
      PGB_COMPUTE: "local",
      PGB_LOCAL_STATE_DIR: stateDir,
      METADATA_SERVER_DETECTION: "none",
    });
    // a second start of a running VM changes nothing
    await compute.start("ztf-consumer-t");
    await new Promise((r) => setTimeout(r, 300));
    expect(await lines("ztf-consumer-t")).toHaveLength(1);
  }, 20_000);

  it("stops a VM with SIGTERM to its process group", async () => {
    await compute.stop("ztf-consumer-t");
    expect(await compute.status("ztf-consumer-t")).toBe("TERMINATED");
    const text = await readFile(compute.logPath("ztf-consumer-t"), "utf8");
    expect(text).toContain("bye");
    // stopping a stopped VM is fine
    await compute.stop("ztf-consumer-t");
  });

  it("shows STOPPING during the grace period and kills a program that ignores SIGTERM", async () => {
    await compute.start("ztf-stubborn-t");
    // its SIGTERM handler is set once it has logged
    await until("the program to run", async () =>
      (await lines("ztf-stubborn-t")).length > 0 ? true : undefined,
    );
    const stopping = compute.stop("ztf-stubborn-t");
    const seen = await until("STOPPING", async () =>
      (await compute.status("ztf-stubborn-t")) === "STOPPING" ? true : undefined,
    );
    expect(seen).toBe(true);
    await stopping;
    expect(await compute.status("ztf-stubborn-t")).toBe("TERMINATED");
    expect(await readFile(compute.logPath("ztf-stubborn-t"), "utf8")).toContain("ignoring SIGTERM");
  }, 20_000);

  it("reports a program that exited as TERMINATED, as a VM that powered off", async () => {
    await compute.start("ztf-oneshot-t");
    const result = await waitForStatus(compute, "ztf-oneshot-t", ["TERMINATED"], {
      timeoutMs: 10_000,
      pollMs: 50,
    });
    expect(result.reached).toBe(true);
  });

  it("a started VM outlives the process that started it", async () => {
    await run(process.execPath, [...TS, HELPER, "start", stateDir, "ztf-consumer-t"], {
      cwd: process.cwd(),
    });
    expect(await compute.status("ztf-consumer-t")).toBe("RUNNING");
    await compute.stop("ztf-consumer-t");
  }, 30_000);

  it("names the problem: unknown VM, missing program, missing or invalid launch spec", async () => {
    await expect(compute.status("ztf-unknown-t")).rejects.toThrow(/not in the launch spec/);
    await expect(compute.start("ztf-missing-t")).rejects.toThrow(/cannot start VM ztf-missing-t/);
    await expect(
      new LocalCompute({ stateDir: join(stateDir, "nowhere") }).status("x"),
    ).rejects.toThrow(/no launch spec .* the local instance writes it/);
    const bad = await mkdtemp(join(tmpdir(), "pgb-compute-bad-"));
    await writeFile(
      launchSpecPath(bad),
      JSON.stringify({ version: 1, vms: { a: { command: "x", args: [], cwd: "rel", env: {} } } }),
    );
    await expect(readLaunchSpec(bad)).rejects.toThrow("vms.a.cwd must be an absolute path");
    await expect(writeLaunchSpec(bad, { version: 2 } as never)).rejects.toThrow(ComputeError);
    await rm(bad, { recursive: true });
  });
});

describe("LocalCompute metadata", () => {
  it("starts empty with the initial fingerprint and rejects a stale fingerprint", async () => {
    const vm = "ztf-oneshot-t";
    const fresh = await compute.getMetadata("ztf-stubborn-t");
    expect(fresh).toEqual({ items: {}, fingerprint: INITIAL_FINGERPRINT });
    const before = await compute.getMetadata(vm);
    await compute.setMetadata(vm, { NIGHT: "END" }, before.fingerprint);
    const after = await compute.getMetadata(vm);
    expect(after.items).toEqual({ NIGHT: "END" });
    expect(after.fingerprint).not.toBe(before.fingerprint);
    await expect(compute.setMetadata(vm, {}, before.fingerprint)).rejects.toBeInstanceOf(
      MetadataConflictError,
    );
    await expect(compute.setMetadata(vm, { "a b": "x" }, after.fingerprint)).rejects.toThrow(
      /invalid item "a b"/,
    );
  });

  it("loses no write when processes update it concurrently", async () => {
    const vm = "ztf-consumer-t";
    const writers = ["a", "b", "c"].map((prefix) =>
      run(process.execPath, [...TS, HELPER, "write", stateDir, vm, prefix, "8"], {
        cwd: process.cwd(),
      }),
    );
    await Promise.all(writers);
    const { items } = await compute.getMetadata(vm);
    for (const prefix of ["a", "b", "c"]) {
      for (let i = 0; i < 8; i += 1) expect(items).toHaveProperty(`${prefix}${i}`);
    }
    // the keys written before are still there
    expect(items).toMatchObject({ KAFKA_TOPIC: "t1", lower: "x" });
  }, 60_000);

  it("breaks a lock left by a dead process", async () => {
    const vm = "ztf-stubborn-t";
    // a PID that no longer exists: a finished child's
    const { stdout } = await run(process.execPath, ["-e", "console.log(process.pid)"]);
    await writeFile(join(stateDir, "vms", vm, "metadata.lock"), stdout.trim());
    await updateMetadata(compute, vm, { NIGHT: "START" });
    expect((await compute.getMetadata(vm)).items).toEqual({ NIGHT: "START" });
  });
});

describe("computeFromEnv", () => {
  it("chooses local with an emulator host and gce without; refuses gce in a local environment", () => {
    expect(computeKind({})).toBe("gce");
    expect(computeKind({ PUBSUB_EMULATOR_HOST: "127.0.0.1:8085" })).toBe("local");
    expect(computeKind({ PGB_COMPUTE: "local" })).toBe("local");
    expect(() => computeKind({ PGB_COMPUTE: "gce", PUBSUB_EMULATOR_HOST: "127.0.0.1:1" })).toThrow(
      /must not start or stop real VMs/,
    );
    expect(() => computeKind({ PGB_COMPUTE: "aws" })).toThrow("PGB_COMPUTE=aws: use gce or local");
    const where = { project: "p", zone: "z" };
    expect(computeFromEnv(where, {}).kind).toBe("gce");
  });

  it("gets the local port only from the local harness, which a deployed program never has", () => {
    const where = { project: "p", zone: "z" };
    const env = { PGB_COMPUTE: "local", PGB_LOCAL_STATE_DIR: stateDir };
    expect(() => computeFromEnv(where, env)).toThrow(/no local harness.*@pgb\/local\/harness/);
    installLocalHarness(localHarness);
    expect(() => computeFromEnv(where, { PGB_COMPUTE: "local" })).toThrow(
      /needs PGB_LOCAL_STATE_DIR/,
    );
    expect(
      computeFromEnv(where, { PGB_COMPUTE: "local", PGB_LOCAL_STATE_DIR: stateDir }).kind,
    ).toBe("local");
    expect(() =>
      computeFromEnv(where, {
        PGB_COMPUTE: "local",
        PGB_LOCAL_STATE_DIR: stateDir,
        PGB_LOCAL_STOP_GRACE_SECONDS: "0",
      }),
    ).toThrow(/not a positive number/);
    installLocalHarness(undefined);
    expect(() => computeFromEnv(where, env)).toThrow(/no local harness/);
  });
});
