import { logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { createLogger } from "@pgb/broker-utils/log";
import { kafkajsLevel, kafkajsLogCreator } from "../../../vm/consumer/src/kafka/kafkajs-log.js";

describe("kafkajs log lines", () => {
  it("shows kafkajs' INFO only at DEBUG", () => {
    expect(kafkajsLevel("DEBUG")).toBe(logLevel.INFO);
    expect(kafkajsLevel("INFO")).toBe(logLevel.WARN);
  });

  it("writes them as structured lines; kafkajs' ERROR (it recovers by itself) becomes WARNING", () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger(
      { component: "consumer" },
      { level: "DEBUG", sink: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) },
    );
    const write = kafkajsLogCreator(log)(logLevel.DEBUG);
    const entry = (message: string) => ({
      message,
      timestamp: "2026-11-28T00:00:00Z",
      logger: "kafkajs",
      broker: "127.0.0.1:9092",
    });
    write({
      namespace: "Connection",
      level: logLevel.ERROR,
      label: "ERROR",
      log: entry("refused"),
    });
    write({ namespace: "Consumer", level: logLevel.INFO, label: "INFO", log: entry("Starting") });
    write({ namespace: "Fetcher", level: logLevel.DEBUG, label: "DEBUG", log: entry("fetch") });
    expect(lines.map((l) => [l["severity"], l["message"]])).toEqual([
      ["WARNING", "kafkajs Connection: refused"],
      ["INFO", "kafkajs Consumer: Starting"],
      ["DEBUG", "kafkajs Fetcher: fetch"],
    ]);
    expect(lines[0]).toMatchObject({
      component: "consumer",
      kafkajs: { broker: "127.0.0.1:9092" },
    });
  });
});
