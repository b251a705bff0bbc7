/**
 * The VM startup script, as text and run by bash against stand-ins for the VM's commands (gcloud
 * copies from a local folder standing for the buckets; systemd-run, systemctl, dpkg and curl only
 * record their calls): a boot copies the runtime and the bundle from broker_files and nothing from
 * the internet, and a failed boot prints the line the alert policy matches and powers off.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bigQueryTableSchema } from "@pgb/broker-utils/alerts";
import { instanceModel, type VmSpec } from "@pgb/broker-utils/instance";
import { BOOT_FAILURE_POWEROFF_SECONDS, startupScript } from "../../../infra/src/startup-script.js";

const run = promisify(execFile);
const vm: Pick<VmSpec, "name" | "env" | "runtimeMetadataKeys" | "nodeVersion"> = {
  name: "ztf-consumer-mytestid",
  env: { SURVEY: "ztf", COUNTER_SUBSCRIPTIONS: `{"alerts":"it's"}` },
  runtimeMetadataKeys: ["NIGHT", "KAFKA_TOPIC"],
  nodeVersion: "22.12.0",
};
const BUNDLE = "gs://b/vm/consumer/h.zip";
const RUNTIME = "gs://b/runtime/node-v22.12.0-linux-x64.tar.xz";
const consumer = (sha256: string) =>
  startupScript({ ...vm, stub: "consumer", onExit: "restart" }, BUNDLE, { url: RUNTIME, sha256 });

describe("VM startup script (text)", () => {
  const nc = startupScript({ ...vm, stub: "night-conductor", onExit: "poweroff" }, BUNDLE, {
    url: RUNTIME,
    sha256: "ab".repeat(32),
  });

  it("restarts the consumer and powers the night conductor off after its run", () => {
    expect(consumer("x")).toContain('"--property=Restart=always"');
    expect(nc).toContain('"--property=ExecStopPost=/usr/bin/systemctl poweroff"');
  });

  it("carries the deployment's environment, bundle and runtime; reads only the run-time keys from metadata", () => {
    expect(nc).toContain(`BUNDLE='${BUNDLE}'`);
    expect(nc).toContain(`NODE_RUNTIME='${RUNTIME}'`);
    expect(nc).toContain(`NODE_SHA256='${"ab".repeat(32)}'`);
    expect(nc).toContain("'--setenv=SURVEY=ztf'");
    // a quote in a value survives bash's single-quoting
    expect(nc).toContain(`'--setenv=COUNTER_SUBSCRIPTIONS={"alerts":"it'\\''s"}'`);
    expect(nc).toContain("for key in NIGHT KAFKA_TOPIC; do");
    expect(nc).not.toContain('md ""');
  });

  it("runs no npm and downloads nothing but the Ops Agent on a disk's first boot", () => {
    const commands = nc.split("\n").filter((l) => !l.trimStart().startsWith("#"));
    expect(commands.filter((l) => /\bnpm\b/.test(l))).toEqual([]);
    expect(nc).not.toContain("nodejs.org");
    const urls = nc.match(/https?:\/\/[^\s"']+/g) ?? [];
    expect(new Set(urls)).toEqual(
      new Set([
        "http://metadata.google.internal/computeMetadata/v1/instance/attributes",
        "https://dl.google.com/cloudagents/add-google-cloud-ops-agent-repo.sh",
      ]),
    );
  });
});

describe("VM startup script (run by bash)", () => {
  let dir: string;
  let tarball: Buffer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "pgb-boot-"));
    // broker_files: a Node "runtime" and a bundle with its node_modules
    const node = join(dir, "src", "node-v22.12.0-linux-x64", "bin");
    await mkdir(node, { recursive: true });
    await writeFile(join(node, "node"), "#!/bin/sh\n", { mode: 0o755 });
    await mkdir(join(dir, "gcs", "b", "runtime"), { recursive: true });
    await mkdir(join(dir, "gcs", "b", "vm", "consumer"), { recursive: true });
    const runtimeFile = join(dir, "gcs", "b", "runtime", "node-v22.12.0-linux-x64.tar.xz");
    await run("tar", ["-cJf", runtimeFile, "-C", join(dir, "src"), "node-v22.12.0-linux-x64"]);
    tarball = await readFile(runtimeFile);
    const program = join(dir, "src", "program");
    await mkdir(join(program, "dist", "pgb"), { recursive: true });
    await mkdir(join(program, "node_modules", "yaml"), { recursive: true });
    await writeFile(join(program, "dist", "pgb", "index.js"), "// the program\n");
    await writeFile(join(program, "node_modules", "yaml", "index.js"), "// yaml\n");
    await run("zip", ["-qr", join(dir, "gcs", "b", "vm", "consumer", "h.zip"), "."], {
      cwd: program,
    });
    // the VM's commands
    const bin = join(dir, "bin");
    await mkdir(bin);
    const stub = async (name: string, body: string) => {
      await writeFile(join(bin, name), `#!/bin/bash\necho "${name} $*" >> "$CALLS"\n${body}\n`);
      await chmod(join(bin, name), 0o755);
    };
    await stub("gcloud", 'cp "$GCS/${3#gs://}" "$4"');
    await stub("dpkg", "exit 0");
    await stub("systemctl", "exit 0");
    await stub("systemd-run", "exit 0");
    await stub("curl", "exit 22");
    await stub("npm", "exit 1");
  }, 60_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Boots a fresh "VM" (its own root folder) with `script`; its exit status, output and calls. */
  async function boot(name: string, script: string) {
    const root = join(dir, name);
    await mkdir(root);
    const local = script
      .replaceAll("/opt/pgb", join(root, "opt"))
      .replaceAll("/var/log/pgb", join(root, "log"))
      .replaceAll("/etc/google-cloud-ops-agent", root);
    await writeFile(join(root, "startup.sh"), local);
    const calls = join(root, "calls");
    const env = {
      ...process.env,
      PATH: `${join(dir, "bin")}:${process.env["PATH"] ?? ""}`,
      GCS: join(dir, "gcs"),
      CALLS: calls,
    };
    const result = await run("bash", [join(root, "startup.sh")], { env }).then(
      (r) => ({ status: 0, stdout: r.stdout }),
      (e: { code: number; stdout: string }) => ({ status: e.code, stdout: e.stdout }),
    );
    return {
      ...result,
      root,
      calls: existsSync(calls) ? (await readFile(calls, "utf8")).trim().split("\n") : [],
    };
  }

  it("installs the runtime and the bundle from broker_files and starts the program", async () => {
    const sha = createHash("sha256").update(tarball).digest("hex");
    const b = await boot("ok", consumer(sha));
    expect(b.status).toBe(0);
    expect(existsSync(join(b.root, "opt", "node", "bin", "node"))).toBe(true);
    expect(existsSync(join(b.root, "opt", "program", "node_modules", "yaml", "index.js"))).toBe(
      true,
    );
    expect(b.calls.filter((c) => c.startsWith("gcloud"))).toEqual([
      `gcloud storage cp ${RUNTIME} ${join(b.root, "opt", "node.tar.xz")}`,
      `gcloud storage cp ${BUNDLE} ${join(b.root, "opt", "program.zip")}`,
    ]);
    expect(b.calls.filter((c) => /^(npm|curl) /.test(c) && !c.includes("metadata"))).toEqual([]);
    const start = b.calls.find((c) => c.startsWith("systemd-run --unit=pgb-consumer"));
    expect(start).toContain(`${join(b.root, "opt", "node", "bin", "node")} `);
    expect(b.calls.join("\n")).not.toContain("poweroff");
  }, 60_000);

  it("fails on a runtime that is not the pinned one: the alert's line, then power-off", async () => {
    const b = await boot("bad-runtime", consumer("0".repeat(64)));
    expect(b.status).not.toBe(0);
    const line = b.stdout.split("\n").find((l) => l.includes("vm-boot-failed")) ?? "";
    expect(JSON.parse(line)).toMatchObject({
      severity: "CRITICAL",
      event: "vm-boot-failed",
      vm: "ztf-consumer-mytestid",
      step: "node-runtime",
      status: 1,
    });
    expect(b.calls).toContain(
      `systemd-run --on-active=${BOOT_FAILURE_POWEROFF_SECONDS} /usr/bin/systemctl poweroff`,
    );
    expect(b.calls.some((c) => c.startsWith("systemd-run --unit"))).toBe(false);
    expect(existsSync(join(b.root, "opt", "node", "bin", "node"))).toBe(false);

    // every quoted string the instance's vm-boot-failed policy looks for is in the line
    const policy = instanceModel({
      survey: "ztf",
      testid: "mytestid",
      project: "my-proj",
      region: "us-central1",
      tableSchemas: bigQueryTableSchema,
    }).alertPolicies.find((p) => p.stub === "vm-boot-failed");
    const filter = policy?.condition.filter ?? "";
    const wanted = [...filter.matchAll(/message:\(?"((?:[^"\\]|\\.)*)"/g)].map((m) =>
      (m[1] ?? "").replaceAll('\\"', '"'),
    );
    expect(wanted).toEqual(['"event":"vm-boot-failed"', '"vm":"ztf-consumer-mytestid"']);
    for (const w of wanted) expect(line).toContain(w);
  }, 60_000);
});
