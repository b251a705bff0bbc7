import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  describeCue,
  isTopicDate,
  parseCue,
  startTopic,
  utcTopicDate,
  type StartCue,
} from "@pgb/night";
import { bundledSchemaMap } from "@pgb/broker-utils/schema-maps";

const ZTF_SYNTAX = bundledSchemaMap("ztf").fields.topicSyntax;

function reasonOf(data: string, attributes: Record<string, string> = {}): string {
  const parsed = parseCue(data, attributes);
  if (parsed.ok) throw new Error(`expected an invalid cue, got ${JSON.stringify(parsed.cue)}`);
  return parsed.reason;
}

describe("parseCue", () => {
  it("accepts the scheduler's START and END, as Buffer or text, ignoring surrounding whitespace", () => {
    expect(parseCue(Buffer.from("START"), {})).toEqual({
      ok: true,
      cue: { action: "START", kafkaTopic: undefined, topicDate: undefined },
    });
    expect(parseCue("END\n", {})).toEqual({ ok: true, cue: { action: "END" } });
  });

  it("accepts START with KAFKA_TOPIC (a name or NONE) or topic_date", () => {
    expect(parseCue("START", { KAFKA_TOPIC: "ztf_20240131_programid1" })).toMatchObject({
      ok: true,
      cue: { kafkaTopic: "ztf_20240131_programid1" },
    });
    expect(parseCue("START", { KAFKA_TOPIC: "NONE" })).toMatchObject({
      ok: true,
      cue: { kafkaTopic: "NONE" },
    });
    expect(parseCue("START", { topic_date: "20240229" })).toMatchObject({
      ok: true,
      cue: { topicDate: "20240229" },
    });
  });

  it("ignores Google's reserved attributes", () => {
    expect(parseCue("END", { googclient_schemaencoding: "JSON" })).toEqual({
      ok: true,
      cue: { action: "END" },
    });
  });

  it.each([
    ["", {}, 'cue data must be START or END, got ""'],
    ["start", {}, 'cue data must be START or END, got "start"'],
    ["STOP", {}, 'got "STOP"'],
    ["START", { KAFKA_TOPIC: "" }, "is not a Kafka topic name"],
    ["START", { KAFKA_TOPIC: "a topic" }, "is not a Kafka topic name"],
    ["START", { KAFKA_TOPIC: ".." }, "is not a Kafka topic name"],
    ["START", { KAFKA_TOPIC: "x".repeat(250) }, "is not a Kafka topic name"],
    ["START", { topic_date: "2024-01-31" }, 'topic_date "2024-01-31" is not a date yyyymmdd'],
    ["START", { topic_date: "20240230" }, "is not a date yyyymmdd"],
    ["START", { KAFKA_TOPIC: "t", topic_date: "20240131" }, "not both"],
    ["START", { kafka_topic: "t" }, 'unknown cue attribute(s) "kafka_topic"'],
    ["END", { KAFKA_TOPIC: "t" }, "END takes no KAFKA_TOPIC or topic_date"],
    ["END", { topic_date: "20240131" }, "END takes no KAFKA_TOPIC or topic_date"],
  ])("rejects %j with %j: %s", (data, attributes, reason) => {
    expect(reasonOf(data, attributes)).toContain(reason);
  });

  it("keeps a garbage payload short in the reason", () => {
    expect(reasonOf("x".repeat(10_000)).length).toBeLessThan(120);
  });

  it("never throws, whatever the input", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.dictionary(fc.string({ minLength: 1 }), fc.string()),
        (data, attributes) => {
          const parsed = parseCue(data, attributes);
          expect(typeof parsed.ok).toBe("boolean");
        },
      ),
    );
  });

  it("describes cues for logs", () => {
    const cue = (attrs: Record<string, string>) => {
      const parsed = parseCue("START", attrs);
      if (!parsed.ok) throw new Error(parsed.reason);
      return describeCue(parsed.cue);
    };
    expect(cue({})).toBe("START");
    expect(cue({ KAFKA_TOPIC: "NONE" })).toBe("START KAFKA_TOPIC=NONE");
    expect(cue({ topic_date: "20240131" })).toBe("START topic_date=20240131");
    expect(describeCue({ action: "END" })).toBe("END");
  });
});

describe("isTopicDate", () => {
  it("accepts calendar dates only", () => {
    expect(isTopicDate("20240229")).toBe(true);
    expect(isTopicDate("20230229")).toBe(false);
    expect(isTopicDate("20241301")).toBe(false);
    expect(isTopicDate("2024013")).toBe(false);
  });

  it("round-trips every UTC date through utcTopicDate", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("1970-01-01"), max: new Date("9999-12-31"), noInvalidDate: true }),
        (d) => {
          expect(isTopicDate(utcTopicDate(d))).toBe(true);
        },
      ),
    );
  });
});

describe("startTopic", () => {
  const now = new Date("2026-11-28T03:59:00Z");
  const start = (fields: Partial<StartCue> = {}): StartCue => ({
    action: "START",
    kafkaTopic: undefined,
    topicDate: undefined,
    ...fields,
  });

  it("takes KAFKA_TOPIC first, NONE included", () => {
    expect(startTopic(start({ kafkaTopic: "mine" }), ZTF_SYNTAX, now)).toEqual({
      ok: true,
      topic: "mine",
    });
    expect(startTopic(start({ kafkaTopic: "NONE" }), null, now)).toEqual({
      ok: true,
      topic: "NONE",
    });
  });

  it("fills the ZTF syntax with topic_date, else today's UTC date", () => {
    expect(ZTF_SYNTAX).toBe("ztf_yyyymmdd_programid1");
    expect(startTopic(start({ topicDate: "20210413" }), ZTF_SYNTAX, now)).toEqual({
      ok: true,
      topic: "ztf_20210413_programid1",
    });
    expect(startTopic(start(), ZTF_SYNTAX, now)).toEqual({
      ok: true,
      topic: "ztf_20261128_programid1",
    });
    // 23:30 in Chile is already the next day in UTC
    expect(startTopic(start(), ZTF_SYNTAX, new Date("2026-11-28T23:30:00-03:00"))).toEqual({
      ok: true,
      topic: "ztf_20261129_programid1",
    });
  });

  it("uses a syntax without a date as is, and refuses a topic_date it cannot apply", () => {
    expect(startTopic(start(), "lsst-alerts-v9", now)).toEqual({
      ok: true,
      topic: "lsst-alerts-v9",
    });
    const refused = startTopic(start({ topicDate: "20240131" }), "lsst-alerts-v9", now);
    expect(refused).toMatchObject({ ok: false });
    expect(!refused.ok && refused.reason).toContain("has no yyyymmdd");
  });

  it("explains a missing syntax (LSST without a configured topic)", () => {
    const result = startTopic(start(), bundledSchemaMap("lsst").fields.topicSyntax, now);
    expect(result).toMatchObject({ ok: false });
    expect(!result.ok && result.reason).toContain("give the cue a KAFKA_TOPIC attribute");
  });
});
