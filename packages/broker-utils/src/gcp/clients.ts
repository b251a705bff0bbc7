/**
 * Construction of the official Google clients. Every client in the project is made here so that one
 * rule holds everywhere: a local run (any emulator host set) never talks to Google and never probes
 * the GCE metadata server. google-auth-library probes the metadata server (a non-loopback address)
 * unless METADATA_SERVER_DETECTION=none, so a local run without it is refused, and emulator hosts
 * must be loopback addresses.
 */
import { BigQuery } from "@google-cloud/bigquery";
import { PubSub } from "@google-cloud/pubsub";
import { Storage } from "@google-cloud/storage";

/** Environment variables naming the local emulators, as the official clients read them. */
export const EMULATOR_HOST_VARS = [
  "PUBSUB_EMULATOR_HOST",
  "STORAGE_EMULATOR_HOST",
  "BIGQUERY_EMULATOR_HOST",
] as const;

export class UnsafeClientEnvironmentError extends Error {
  override name = "UnsafeClientEnvironmentError";
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

function hostOf(value: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(value) ? value : `http://${value}`;
  return new URL(withScheme).hostname;
}

/** True when any emulator host is set: the process is part of a local instance or a test. */
export function isLocalEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
  return EMULATOR_HOST_VARS.some((v) => env[v] !== undefined && env[v] !== "");
}

/**
 * Throws unless the environment is safe for constructing a Google client: in a local environment
 * METADATA_SERVER_DETECTION must be `none` and every emulator host must be a loopback address.
 */
export function assertSafeClientEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  if (!isLocalEnvironment(env)) return;
  if (env["METADATA_SERVER_DETECTION"] !== "none") {
    throw new UnsafeClientEnvironmentError(
      "an emulator host is set but METADATA_SERVER_DETECTION is not 'none': google-auth-library " +
        "would probe the GCE metadata server off this machine. Set METADATA_SERVER_DETECTION=none " +
        "for every local run and test.",
    );
  }
  for (const name of EMULATOR_HOST_VARS) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    const host = hostOf(value);
    if (!LOOPBACK.has(host)) {
      throw new UnsafeClientEnvironmentError(
        `${name}=${value} is not a loopback address; local servers must listen on 127.0.0.1`,
      );
    }
  }
}

/** The project id: explicit, else GOOGLE_CLOUD_PROJECT (required locally; emulators accept any id). */
export function projectId(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return explicit ?? env["GOOGLE_CLOUD_PROJECT"] ?? env["GCLOUD_PROJECT"];
}

export function pubsubClient(project?: string): PubSub {
  assertSafeClientEnvironment();
  const id = projectId(project);
  return new PubSub(id === undefined ? {} : { projectId: id });
}

export function storageClient(project?: string): Storage {
  assertSafeClientEnvironment();
  const id = projectId(project);
  return new Storage(id === undefined ? {} : { projectId: id });
}

export function bigqueryClient(project?: string): BigQuery {
  assertSafeClientEnvironment();
  const id = projectId(project);
  return new BigQuery(id === undefined ? {} : { projectId: id });
}
