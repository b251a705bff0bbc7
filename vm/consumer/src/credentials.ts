/**
 * Kafka credentials and the security settings built from them. In the cloud they are a JSON
 * secret (`{"username", "password", "ca"?, "cert"?, "key"?}`, the form docs/deploy.md tells
 * operators to store); locally they come from the environment (CONSUMER_ENV), because Secret
 * Manager has no emulator and a local run never talks to Google.
 */
import { readFile } from "node:fs/promises";
import { assertSafeClientEnvironment } from "@pgb/broker-utils/gcp";
import { ENV } from "@pgb/broker-utils/instance";
import {
  CONSUMER_ENV,
  type CredentialsSource,
  type SaslMechanism,
  type SecurityProtocol,
} from "./config.js";

export interface KafkaCredentials {
  username?: string;
  password?: string;
  /** PEM of a private CA that signed the brokers' certificates. */
  ca?: string;
  /** PEM client certificate and key (mutual TLS). */
  cert?: string;
  key?: string;
}

export class CredentialsError extends Error {
  override name = "CredentialsError";
}

const KEYS = ["username", "password", "ca", "cert", "key"] as const;

/**
 * Parses and checks the secret's JSON for the protocol: SASL needs username and password; cert and
 * key go together. `origin` names the secret in errors; the values never appear in a message.
 */
export function parseCredentials(
  text: string,
  origin: string,
  protocol: SecurityProtocol,
): KafkaCredentials {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new CredentialsError(
      `${origin} is not JSON; store {"username": "…", "password": "…"} (SASL) and optionally ` +
        `"ca", "cert", "key" as PEM strings (SSL)`,
    );
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new CredentialsError(`${origin} must be a JSON object with username and password`);
  }
  const record = doc as Record<string, unknown>;
  const unknown = Object.keys(record).filter((k) => !(KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new CredentialsError(
      `${origin} has unknown key(s) ${unknown.join(", ")}; the keys are ${KEYS.join(", ")}`,
    );
  }
  const out: KafkaCredentials = {};
  for (const key of KEYS) {
    const value = record[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string" || value === "") {
      throw new CredentialsError(`${origin}: ${key} must be a non-empty string`);
    }
    out[key] = value;
  }
  checkCredentials(out, origin, protocol);
  return out;
}

function checkCredentials(c: KafkaCredentials, origin: string, protocol: SecurityProtocol): void {
  const sasl = protocol === "SASL_PLAINTEXT" || protocol === "SASL_SSL";
  if (sasl && (c.username === undefined || c.password === undefined)) {
    throw new CredentialsError(
      `${origin}: ${ENV.kafkaSecurityProtocol}=${protocol} needs username and password`,
    );
  }
  if ((c.cert === undefined) !== (c.key === undefined)) {
    throw new CredentialsError(
      `${origin}: cert and key go together (mutual TLS); give both or neither`,
    );
  }
}

/** gRPC NOT_FOUND and FAILED_PRECONDITION: the secret has no (enabled) version. */
const NO_VERSION = new Set([5, 9]);

/** The secret's latest version from Secret Manager; undefined when it has none (SSL may need none). */
async function readSecret(project: string, secret: string): Promise<string | undefined> {
  // Loaded on demand: only a cloud run with SASL or SSL needs it, and it is slow to load.
  const { SecretManagerServiceClient } = await import("@google-cloud/secret-manager");
  assertSafeClientEnvironment();
  const client = new SecretManagerServiceClient();
  try {
    const [version] = await client.accessSecretVersion({
      name: `projects/${project}/secrets/${secret}/versions/latest`,
    });
    const data = version.payload?.data;
    if (data === undefined || data === null) return undefined;
    return typeof data === "string" ? data : Buffer.from(data).toString("utf8");
  } catch (err) {
    if (NO_VERSION.has((err as { code?: unknown }).code as number)) return undefined;
    throw err;
  } finally {
    await client.close();
  }
}

async function readPem(variable: string, path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw new CredentialsError(
      `${variable}=${path} cannot be read (${(err as Error).message}); give the path of a PEM file`,
    );
  }
}

/** Loads the credentials the configuration points at. */
export async function loadCredentials(
  source: CredentialsSource,
  protocol: SecurityProtocol,
  project: string,
): Promise<KafkaCredentials> {
  switch (source.kind) {
    case "none":
      return {};
    case "env": {
      const out: KafkaCredentials = {};
      if (source.username !== undefined) out.username = source.username;
      if (source.password !== undefined) out.password = source.password;
      if (source.caFile !== undefined)
        out.ca = await readPem(CONSUMER_ENV.sslCaFile, source.caFile);
      if (source.certFile !== undefined)
        out.cert = await readPem(CONSUMER_ENV.sslCertFile, source.certFile);
      if (source.keyFile !== undefined)
        out.key = await readPem(CONSUMER_ENV.sslKeyFile, source.keyFile);
      checkCredentials(out, "the environment", protocol);
      return out;
    }
    case "secret": {
      const origin = `Secret Manager secret ${source.name} (project ${project})`;
      const text = await readSecret(project, source.name);
      if (text === undefined) {
        if (protocol === "SSL") return {};
        throw new CredentialsError(
          `${origin} has no enabled version, and ${ENV.kafkaSecurityProtocol}=${protocol} needs ` +
            `credentials: gcloud secrets versions add ${source.name} --data-file=creds.json ` +
            `(creds.json = {"username": "…", "password": "…"})`,
        );
      }
      return parseCredentials(text, origin, protocol);
    }
  }
}

/**
 * How to reach the brokers, in no client's terms (kafka/ maps it to each client's options): TLS with
 * the system's CAs (`true`) or with the given PEMs, and SASL with a mechanism and credentials.
 */
export interface KafkaSecurity {
  tls?: true | { ca?: string; cert?: string; key?: string };
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
}

/** The security settings of a protocol, mechanism and credentials. */
export function kafkaSecurity(
  protocol: SecurityProtocol,
  mechanism: SaslMechanism | undefined,
  credentials: KafkaCredentials,
): KafkaSecurity {
  const tls = protocol === "SSL" || protocol === "SASL_SSL";
  const sasl = protocol === "SASL_PLAINTEXT" || protocol === "SASL_SSL";
  const out: KafkaSecurity = {};
  if (tls) {
    const { ca, cert, key } = credentials;
    out.tls =
      ca === undefined && cert === undefined
        ? true
        : {
            ...(ca !== undefined ? { ca } : {}),
            ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
          };
  }
  if (sasl) {
    if (
      mechanism === undefined ||
      credentials.username === undefined ||
      credentials.password === undefined
    ) {
      // parseConfig and loadCredentials have already refused this; a bug if reached
      throw new CredentialsError(`${protocol} needs a SASL mechanism, username and password`);
    }
    out.sasl = { mechanism, username: credentials.username, password: credentials.password };
  }
  return out;
}
