import { describe, expect, it } from "vitest";
import {
  assertSafeClientEnvironment,
  isLocalEnvironment,
  pubsubClient,
  UnsafeClientEnvironmentError,
} from "@pgb/broker-utils/gcp";

describe("client environment guard", () => {
  it("refuses a local environment without METADATA_SERVER_DETECTION=none", () => {
    expect(() =>
      assertSafeClientEnvironment({ PUBSUB_EMULATOR_HOST: "127.0.0.1:8085" }),
    ).toThrowError(/METADATA_SERVER_DETECTION/);
  });

  it("refuses an emulator host that is not loopback", () => {
    expect(() =>
      assertSafeClientEnvironment({
        METADATA_SERVER_DETECTION: "none",
        STORAGE_EMULATOR_HOST: "http://10.1.2.3:4443",
      }),
    ).toThrowError(/not a loopback address/);
  });

  it("accepts loopback hosts with and without a scheme", () => {
    expect(() =>
      assertSafeClientEnvironment({
        METADATA_SERVER_DETECTION: "none",
        PUBSUB_EMULATOR_HOST: "127.0.0.1:8085",
        STORAGE_EMULATOR_HOST: "http://localhost:4443",
        BIGQUERY_EMULATOR_HOST: "http://127.0.0.1:9050",
      }),
    ).not.toThrow();
  });

  it("treats an environment without emulator hosts as the cloud", () => {
    expect(isLocalEnvironment({})).toBe(false);
    expect(() => assertSafeClientEnvironment({})).not.toThrow();
  });

  it("makes the client factories fail when the variable is missing", () => {
    const saved = process.env["METADATA_SERVER_DETECTION"];
    const savedHost = process.env["PUBSUB_EMULATOR_HOST"];
    process.env["PUBSUB_EMULATOR_HOST"] = "127.0.0.1:8085";
    delete process.env["METADATA_SERVER_DETECTION"];
    try {
      expect(() => pubsubClient("p")).toThrowError(UnsafeClientEnvironmentError);
    } finally {
      process.env["METADATA_SERVER_DETECTION"] = saved;
      if (savedHost === undefined) delete process.env["PUBSUB_EMULATOR_HOST"];
      else process.env["PUBSUB_EMULATOR_HOST"] = savedHost;
    }
  });

  it("runs every test with METADATA_SERVER_DETECTION=none", () => {
    expect(process.env["METADATA_SERVER_DETECTION"]).toBe("none");
  });
});
