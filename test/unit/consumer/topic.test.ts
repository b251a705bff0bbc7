import { describe, expect, it } from "vitest";
import { createLogger, type Severity } from "@pgb/broker-utils/log";
import { bundledSchemaMap } from "@pgb/broker-utils/schema-maps";
import { topicFor, TopicConfigError, waitForTopic } from "../../../vm/consumer/src/topic.js";

const NIGHT = new Date("2026-11-28T03:59:00Z");

function capture() {
  const lines: { severity: Severity; message: string }[] = [];
  const log = createLogger(
    {},
    {
      level: "DEBUG",
      sink: (line) => lines.push(JSON.parse(line) as { severity: Severity; message: string }),
    },
  );
  return { lines, log };
}

describe("tonight's topic (docs/spec/broker.md §3)", () => {
  const ztf = bundledSchemaMap("ztf");

  it("is the schema map's TOPIC_SYNTAX with today's UTC date", () => {
    expect(topicFor({ kind: "syntax", syntax: undefined }, ztf, NIGHT)).toBe(
      "ztf_20261128_programid1",
    );
  });

  it("uses KAFKA_TOPIC_SYNTAX instead, and a syntax without a date as is", () => {
    expect(topicFor({ kind: "syntax", syntax: "ztf_yyyymmdd_programid2" }, ztf, NIGHT)).toBe(
      "ztf_20261128_programid2",
    );
    expect(topicFor({ kind: "syntax", syntax: "lsst-alerts-v9" }, ztf, NIGHT)).toBe(
      "lsst-alerts-v9",
    );
  });

  it("takes an explicit KAFKA_TOPIC as it is", () => {
    expect(topicFor({ kind: "explicit", topic: "ztf_20250101_programid1" }, ztf, NIGHT)).toBe(
      "ztf_20250101_programid1",
    );
  });

  it("needs KAFKA_TOPIC or KAFKA_TOPIC_SYNTAX for a survey without a syntax (LSST)", () => {
    expect(() =>
      topicFor({ kind: "syntax", syntax: undefined }, bundledSchemaMap("lsst"), NIGHT),
    ).toThrow(TopicConfigError);
    expect(() =>
      topicFor({ kind: "syntax", syntax: undefined }, bundledSchemaMap("lsst"), NIGHT),
    ).toThrow(
      /lsst has no TOPIC_SYNTAX .* set metadata KAFKA_TOPIC \(the topic\) or KAFKA_TOPIC_SYNTAX/,
    );
  });

  it("waits while the topic does not exist, one INFO line per check", async () => {
    const { lines, log } = capture();
    let calls = 0;
    const topic = await waitForTopic({
      source: { kind: "syntax", syntax: undefined },
      map: ztf,
      listTopics: async () => (++calls < 3 ? ["other"] : ["other", "ztf_20261128_programid1"]),
      intervalMs: 1,
      log,
      now: () => NIGHT,
      stopped: new Promise(() => undefined),
    });
    expect(topic).toBe("ztf_20261128_programid1");
    expect(lines.map((l) => [l.severity, l.message])).toEqual([
      ["INFO", "Kafka topic ztf_20261128_programid1 does not exist yet; checking again in 0.001 s"],
      ["INFO", "Kafka topic ztf_20261128_programid1 does not exist yet; checking again in 0.001 s"],
    ]);
  });

  it("looks for the new date's topic after UTC midnight, and retries a failed listing", async () => {
    const { lines, log } = capture();
    const times = [NIGHT, NIGHT, new Date("2026-11-29T00:00:01Z")];
    let calls = 0;
    const topic = await waitForTopic({
      source: { kind: "syntax", syntax: undefined },
      map: ztf,
      listTopics: async () => {
        calls++;
        if (calls === 1) throw new Error("connection refused");
        return ["ztf_20261129_programid1"];
      },
      intervalMs: 1,
      log,
      now: () => times.shift() ?? NIGHT,
      stopped: new Promise(() => undefined),
    });
    expect(topic).toBe("ztf_20261129_programid1");
    expect(lines.map((l) => l.severity)).toEqual(["WARNING", "INFO"]);
    expect(lines[0]?.message).toBe("cannot list the Kafka topics: connection refused");
  });

  it("returns undefined when stopped while waiting", async () => {
    const { log } = capture();
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const waiting = waitForTopic({
      source: { kind: "explicit", topic: "never" },
      map: ztf,
      listTopics: async () => [],
      intervalMs: 60_000,
      log,
      stopped,
    });
    setTimeout(stop, 10);
    await expect(waiting).resolves.toBeUndefined();
  });
});
