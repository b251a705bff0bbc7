import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CredentialsError,
  kafkaSecurityOptions,
  loadCredentials,
  parseCredentials,
} from "../../../vm/consumer/src/credentials.js";

const ORIGIN = "Secret Manager secret ztf-kafka-credentials (project my-proj)";

describe("Kafka credentials", () => {
  it("parses the secret's JSON", () => {
    expect(parseCredentials('{"username":"u","password":"p"}', ORIGIN, "SASL_SSL")).toEqual({
      username: "u",
      password: "p",
    });
    expect(parseCredentials('{"ca":"-----BEGIN CERTIFICATE-----"}', ORIGIN, "SSL")).toEqual({
      ca: "-----BEGIN CERTIFICATE-----",
    });
  });

  it.each([
    ["username: u", "is not JSON"],
    ["[]", "must be a JSON object"],
    ['{"user":"u","password":"p"}', "unknown key(s) user"],
    ['{"username":"","password":"p"}', "username must be a non-empty string"],
    ['{"username":"u"}', "KAFKA_SECURITY_PROTOCOL=SASL_SSL needs username and password"],
    ['{"username":"u","password":"p","cert":"c"}', "cert and key go together"],
  ])("refuses %s naming the secret, never the values", (text, message) => {
    let error: unknown;
    try {
      parseCredentials(text, ORIGIN, "SASL_SSL");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toContain(ORIGIN);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('"p"');
  });

  describe("from the environment (local runs)", () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "pgb-consumer-creds-"));
      await writeFile(join(dir, "ca.pem"), "CA PEM");
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("reads PEM files", async () => {
      await expect(
        loadCredentials(
          { kind: "env", username: "u", password: "p", caFile: join(dir, "ca.pem") },
          "SASL_SSL",
          "p",
        ),
      ).resolves.toEqual({ username: "u", password: "p", ca: "CA PEM" });
    });

    it("names the variable of a PEM file that cannot be read", async () => {
      await expect(
        loadCredentials({ kind: "env", caFile: join(dir, "absent.pem") }, "SSL", "p"),
      ).rejects.toThrow(/^KAFKA_SSL_CA_FILE=.*absent\.pem cannot be read/);
    });

    it("needs nothing for PLAINTEXT", async () => {
      await expect(loadCredentials({ kind: "none" }, "PLAINTEXT", "p")).resolves.toEqual({});
    });
  });

  describe("kafkajs security options", () => {
    it("PLAINTEXT: neither TLS nor SASL", () => {
      expect(kafkaSecurityOptions("PLAINTEXT", undefined, {})).toEqual({});
    });

    it("SSL: system CAs, or the given CA and client certificate", () => {
      expect(kafkaSecurityOptions("SSL", undefined, {})).toEqual({ ssl: true });
      expect(kafkaSecurityOptions("SSL", undefined, { ca: "CA", cert: "C", key: "K" })).toEqual({
        ssl: { ca: "CA", cert: "C", key: "K" },
      });
    });

    it.each([
      ["PLAIN", "plain"],
      ["SCRAM-SHA-256", "scram-sha-256"],
      ["SCRAM-SHA-512", "scram-sha-512"],
    ] as const)("SASL %s maps to kafkajs' %s, over TLS with SASL_SSL", (mechanism, kafkajs) => {
      const credentials = { username: "u", password: "p" };
      expect(kafkaSecurityOptions("SASL_PLAINTEXT", mechanism, credentials)).toEqual({
        sasl: { mechanism: kafkajs, username: "u", password: "p" },
      });
      expect(kafkaSecurityOptions("SASL_SSL", mechanism, credentials)).toEqual({
        ssl: true,
        sasl: { mechanism: kafkajs, username: "u", password: "p" },
      });
    });
  });
});
