/**
 * A storage handler behind the functions framework, as the emulator's push reaches it: the handler
 * is wrapped by the runtime adapter, registered under a name, served by the framework's test
 * server on 127.0.0.1, and fed push envelopes. Dead letters and log lines are collected.
 */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import * as ff from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { createLogger } from "@pgb/broker-utils/log";
import { createCloudEventHandler, type Handler } from "@pgb/function-runtime";

export interface DeadLetter {
  data: Buffer;
  attributes: Record<string, string>;
}

export interface Harness {
  deadLetters: DeadLetter[];
  logs: Record<string, unknown>[];
  /** POSTs one push envelope; resolves with the HTTP status the emulator would see. */
  push(data: Buffer, attributes?: Record<string, string>, messageId?: string): Promise<number>;
  reset(): void;
  close(): Promise<void>;
}

/** The attributes the consumer sets on every alert (docs/spec/broker.md §3). */
export const KAFKA = {
  "kafka.topic": "ztf_20231012_programid1",
  "kafka.partition": "3",
  "kafka.offset": "1207",
  "kafka.timestamp": "1697148000123",
};

export async function serve<R>(name: string, stage: string, handler: Handler<R>): Promise<Harness> {
  const deadLetters: DeadLetter[] = [];
  const logs: Record<string, unknown>[] = [];
  const log = createLogger(
    {},
    { level: "DEBUG", sink: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  ff.cloudEvent(
    name,
    createCloudEventHandler(handler, {
      stage,
      log,
      deadLetter: async (data, attributes) => {
        deadLetters.push({ data, attributes });
      },
    }),
  );
  const server: Server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let next = 1;
  return {
    deadLetters,
    logs,
    async push(data, attributes = KAFKA, messageId = String(next++)) {
      const res = await fetch(`${base}/projects/p/topics/ztf-alerts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          subscription: "projects/p/subscriptions/ztf-alerts-probe",
          message: {
            data: data.toString("base64"),
            attributes,
            messageId,
            publishTime: "2026-11-28T10:00:00.000Z",
          },
        }),
      });
      await res.arrayBuffer();
      return res.status;
    },
    reset() {
      deadLetters.length = 0;
      logs.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
