import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import * as ff from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "@pgb/broker-utils/log";
import {
  BadInputError,
  createCloudEventHandler,
  decodeAlertMessage,
  type PubSubMessage,
} from "@pgb/function-runtime";

const handled: PubSubMessage[] = [];
const deadLetters: { data: Buffer; attributes: Record<string, string> }[] = [];
const logs: Record<string, unknown>[] = [];

const log = createLogger(
  {},
  { level: "DEBUG", sink: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) },
);

ff.cloudEvent(
  "runtimeProbe",
  createCloudEventHandler(
    async (message) => {
      handled.push(message);
      const mode = message.attributes["mode"];
      if (mode === "alert") decodeAlertMessage(message, "ztf");
      if (mode === "bad") throw new BadInputError("corrupt_avro", "not an Avro container file");
      if (mode === "transient")
        throw Object.assign(new Error("backend unavailable"), { code: 503 });
      if (mode === "bug") throw new TypeError("cannot read x of undefined");
      return "ok";
    },
    {
      stage: "probe",
      log,
      deadLetter: async (data, attributes) => {
        deadLetters.push({ data, attributes });
      },
    },
  ),
);

let server: Server;
let base: string;

beforeAll(async () => {
  server = getTestServer("runtimeProbe");
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  handled.length = 0;
  deadLetters.length = 0;
  logs.length = 0;
});

const message = (attributes: Record<string, string>, data = "alert-bytes") => ({
  data: Buffer.from(data).toString("base64"),
  attributes,
  messageId: "1234",
  publishTime: "2026-11-28T10:00:00.000Z",
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return res.status;
}

/** A structured-mode CloudEvent of Pub/Sub's type with `data`. */
function postStructured(data: unknown) {
  return post(
    "/",
    {
      specversion: "1.0",
      id: "1234",
      type: "google.cloud.pubsub.topic.v1.messagePublished",
      source: "//pubsub.googleapis.com/projects/p/topics/ztf-alerts",
      data,
    },
    { "content-type": "application/cloudevents+json" },
  );
}

describe("CloudEvent adapter through the functions framework", () => {
  it("accepts the emulator's push envelope (converted by the framework)", async () => {
    const status = await post("/projects/p/topics/ztf-alerts", {
      subscription: "projects/p/subscriptions/ztf-alerts-bq-sink",
      message: message({ objectId: "ZTF18aaa", sourceId: "1642404680815015001" }),
    });
    expect(status).toBeGreaterThanOrEqual(200);
    expect(status).toBeLessThan(300);
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatchObject({
      messageId: "1234",
      publishTime: "2026-11-28T10:00:00.000Z",
      attributes: { objectId: "ZTF18aaa", sourceId: "1642404680815015001" },
    });
    expect(handled[0]!.data.toString()).toBe("alert-bytes");
  });

  it("accepts Eventarc's binary-mode CloudEvent", async () => {
    const status = await post(
      "/",
      { message: message({ a: "1" }), subscription: "projects/p/subscriptions/x" },
      {
        "ce-id": "1234",
        "ce-type": "google.cloud.pubsub.topic.v1.messagePublished",
        "ce-source": "//pubsub.googleapis.com/projects/p/topics/ztf-alerts",
        "ce-specversion": "1.0",
      },
    );
    expect(status).toBeGreaterThanOrEqual(200);
    expect(status).toBeLessThan(300);
    expect(handled.map((m) => m.attributes)).toEqual([{ a: "1" }]);
  });

  it("accepts a structured-mode CloudEvent", async () => {
    const status = await postStructured({ message: message({ b: "2" }) });
    expect(status).toBeGreaterThanOrEqual(200);
    expect(status).toBeLessThan(300);
    expect(handled.map((m) => m.attributes)).toEqual([{ b: "2" }]);
  });

  it("dead-letters bad input with stage and reason, and acknowledges it", async () => {
    const status = await post("/projects/p/topics/t", {
      subscription: "s",
      message: message({ mode: "bad", sourceId: "42" }),
    });
    expect(status).toBeGreaterThanOrEqual(200);
    expect(status).toBeLessThan(300);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]!.data.toString()).toBe("alert-bytes");
    expect(deadLetters[0]!.attributes).toMatchObject({
      mode: "bad",
      sourceId: "42",
      "pgb.stage": "probe",
      "pgb.reason": "corrupt_avro",
      "pgb.error": "not an Avro container file",
      "pgb.messageId": "1234",
    });
    expect(logs).toContainEqual(
      expect.objectContaining({
        severity: "ERROR",
        stage: "probe",
        messageId: "1234",
        sourceId: "42",
      }),
    );
  });

  it("fails the delivery of a transient error (WARNING) so Pub/Sub retries", async () => {
    const status = await post("/projects/p/topics/t", {
      subscription: "s",
      message: message({ mode: "transient" }),
    });
    expect(status).toBe(500);
    expect(deadLetters).toEqual([]);
    expect(logs.map((l) => l["severity"])).toEqual(["WARNING"]);
  });

  it("fails the delivery of an unexpected error (ERROR): retried, then Pub/Sub dead-letters it", async () => {
    const status = await post("/projects/p/topics/t", {
      subscription: "s",
      message: message({ mode: "bug" }),
    });
    expect(status).toBe(500);
    expect(deadLetters).toEqual([]);
    expect(logs.map((l) => l["severity"])).toEqual(["ERROR"]);
  });

  it("dead-letters an envelope with empty data at once (reason empty): the framework leaves it unconverted", async () => {
    const status = await post("/projects/p/topics/t", {
      subscription: "projects/p/subscriptions/ztf-alerts-value-added",
      message: message({ mode: "alert", "kafka.offset": "7" }, ""),
    });
    expect(status).toBeGreaterThanOrEqual(200);
    expect(status).toBeLessThan(300);
    expect(handled).toHaveLength(1);
    expect(handled[0]!.data.length).toBe(0);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]!.attributes).toMatchObject({
      mode: "alert",
      "kafka.offset": "7",
      "pgb.stage": "probe",
      "pgb.reason": "empty",
      "pgb.messageId": "1234",
    });
    expect(logs.map((l) => l["severity"])).toEqual(["ERROR"]);
  });

  it("fails an event that carries no Pub/Sub message at all, so it is never acked", async () => {
    const status = await postStructured({ nothing: true });
    expect(status).toBe(500);
    expect(handled).toEqual([]);
    expect(logs[0]).toMatchObject({ severity: "ERROR", stage: "probe" });
  });
});
