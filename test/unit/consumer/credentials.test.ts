import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CredentialsError,
  kafkaSecurity,
  loadCredentials,
  parseCredentials,
} from "../../../vm/consumer/src/credentials.js";
import { kafkajsSecurity } from "../../../vm/consumer/src/kafka/kafkajs.js";
import { platformaticSecurity } from "../../../vm/consumer/src/kafka/platformatic.js";

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

  describe("security settings", () => {
    it("PLAINTEXT: neither TLS nor SASL", () => {
      expect(kafkaSecurity("PLAINTEXT", undefined, {})).toEqual({});
    });

    it("SSL: system CAs, or the given CA and client certificate", () => {
      expect(kafkaSecurity("SSL", undefined, {})).toEqual({ tls: true });
      expect(kafkaSecurity("SSL", undefined, { ca: "CA", cert: "C", key: "K" })).toEqual({
        tls: { ca: "CA", cert: "C", key: "K" },
      });
    });

    it("SASL over TLS with SASL_SSL", () => {
      const credentials = { username: "u", password: "p" };
      const sasl = { mechanism: "SCRAM-SHA-512", username: "u", password: "p" };
      expect(kafkaSecurity("SASL_PLAINTEXT", "SCRAM-SHA-512", credentials)).toEqual({ sasl });
      expect(kafkaSecurity("SASL_SSL", "SCRAM-SHA-512", credentials)).toEqual({ tls: true, sasl });
    });
  });

  describe("each client's security options", () => {
    it.each([
      ["PLAIN", "plain"],
      ["SCRAM-SHA-256", "scram-sha-256"],
      ["SCRAM-SHA-512", "scram-sha-512"],
    ] as const)(
      "SASL %s is kafkajs' %s and @platformatic/kafka's own name",
      (mechanism, kafkajs) => {
        const security = kafkaSecurity("SASL_SSL", mechanism, { username: "u", password: "p" });
        expect(kafkajsSecurity(security)).toEqual({
          ssl: true,
          sasl: { mechanism: kafkajs, username: "u", password: "p" },
        });
        expect(platformaticSecurity(security)).toEqual({
          tls: {},
          tlsServerName: true,
          sasl: { mechanism, username: "u", password: "p" },
        });
      },
    );

    it("passes a private CA and a client certificate to both", () => {
      const security = kafkaSecurity("SSL", undefined, { ca: "CA", cert: "C", key: "K" });
      expect(kafkajsSecurity(security)).toEqual({ ssl: { ca: "CA", cert: "C", key: "K" } });
      expect(platformaticSecurity(security)).toEqual({
        tls: { ca: "CA", cert: "C", key: "K" },
        tlsServerName: true,
      });
    });
  });
});
