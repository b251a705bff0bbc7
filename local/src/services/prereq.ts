/**
 * The machine's own tools the servers need (Java 17, Maven, Go, Python 3.11+, the Cloud SDK), each
 * found once per process, with an error that names the missing tool and how to install it.
 */
import { join } from "node:path";
import { pathExists, runCommand } from "./process.js";

export class PrerequisiteError extends Error {
  override name = "PrerequisiteError";
}

const cache = new Map<string, Promise<string>>();

function once(key: string, find: () => Promise<string>): Promise<string> {
  let found = cache.get(key);
  if (!found) {
    found = find();
    // a failed probe is retried next time (the user may have installed the tool meanwhile)
    found.catch(() => cache.delete(key));
    cache.set(key, found);
  }
  return found;
}

/** Environment for the gcloud CLI: no update check and no usage report (no traffic off the machine). */
export function gcloudEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...env,
    CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: "1",
    CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: "true",
    CLOUDSDK_CORE_DISABLE_PROMPTS: "1",
  };
}

/** The java binary, version 17 or newer (JAVA_HOME first, then PATH). */
export function findJava(): Promise<string> {
  return once("java", async () => {
    const javaHome = process.env["JAVA_HOME"];
    const candidates = [...(javaHome ? [join(javaHome, "bin", "java")] : []), "java"];
    let seen = "";
    for (const java of candidates) {
      const r = await runCommand(java, ["-version"]);
      if (r.code === 127) continue;
      const match = /version "(\d+)(?:\.(\d+))?/.exec(r.stderr + r.stdout);
      const major = match?.[1] === "1" ? Number(match[2]) : Number(match?.[1]);
      if (major >= 17) return java;
      seen = ` (found ${java}: ${match ? `Java ${major}` : "no version"})`;
    }
    throw new PrerequisiteError(
      `java 17 not found${seen}: install OpenJDK 17 (Debian: apt-get install openjdk-17-jre-headless) ` +
        `or set JAVA_HOME to a JDK 17+`,
    );
  });
}

export function findMaven(): Promise<string> {
  return once("mvn", async () => {
    const r = await runCommand("mvn", ["-v"]);
    if (r.code !== 0) {
      throw new PrerequisiteError(
        "mvn not found: install Apache Maven (Debian: apt-get install maven); it fetches Kafka from Maven Central",
      );
    }
    return "mvn";
  });
}

export function findGo(): Promise<string> {
  return once("go", async () => {
    const r = await runCommand("go", ["version"]);
    if (r.code !== 0) {
      throw new PrerequisiteError(
        "go not found: install Go 1.22 or newer (it builds fake-gcs-server from the Go module proxy)",
      );
    }
    return "go";
  });
}

/** A python3 of version 3.11 or newer with the venv module (bqemulator needs 3.11+). */
export function findPython(): Promise<string> {
  return once("python", async () => {
    const seen: string[] = [];
    for (const python of ["python3.13", "python3.12", "python3.11", "python3"]) {
      const r = await runCommand(python, [
        "-c",
        "import sys, venv; print('%d.%d' % sys.version_info[:2])",
      ]);
      if (r.code === 127) continue;
      const [major, minor] = r.stdout.trim().split(".").map(Number);
      if (r.code === 0 && major === 3 && (minor ?? 0) >= 11) return python;
      seen.push(`${python}: ${r.code === 0 ? r.stdout.trim() : "no venv module"}`);
    }
    throw new PrerequisiteError(
      `python 3.11+ with venv not found${seen.length ? ` (${seen.join("; ")})` : ""}: ` +
        `install python3 (3.11 or newer) and python3-venv`,
    );
  });
}

/** The Cloud SDK root, from `gcloud info` (never a hard-coded path: it differs per install). */
export function findCloudSdk(): Promise<string> {
  return once("gcloud", async () => {
    const r = await runCommand("gcloud", ["info", "--format=value(installation.sdk_root)"], {
      env: gcloudEnv(),
      timeoutMs: 60_000,
    });
    const root = r.stdout.trim();
    if (r.code !== 0 || root === "") {
      throw new PrerequisiteError(
        "gcloud not found: install the Google Cloud CLI and its Pub/Sub emulator " +
          "(Debian: apt-get install google-cloud-cli google-cloud-cli-pubsub-emulator)",
      );
    }
    const script = join(root, "platform", "pubsub-emulator", "bin", "cloud-pubsub-emulator");
    if (!(await pathExists(script))) {
      throw new PrerequisiteError(
        `Pub/Sub emulator not found at ${script}: install it ` +
          `(apt-get install google-cloud-cli-pubsub-emulator, or gcloud components install pubsub-emulator)`,
      );
    }
    return root;
  });
}
