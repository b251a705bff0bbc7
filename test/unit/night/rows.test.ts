import { describe, expect, it } from "vitest";
import {
  StreamTally,
  kafkaFieldsOf,
  metadataInsertId,
  nightOf,
  percentile,
  type CountedMessage,
} from "@pgb/night";
import { metadataTableSchema } from "@pgb/broker-utils/instance";

const T0 = Date.parse("2026-11-28T04:00:00Z");

function message(
  id: number,
  kafkaMs: number | undefined,
  publishMs: number,
  topic = "ztf_20261128_programid1",
): CountedMessage {
  return {
    messageId: String(id),
    data: Buffer.from("avro"),
    attributes: {
      ...(kafkaMs === undefined ? {} : { "kafka.timestamp": String(kafkaMs) }),
      "kafka.topic": topic,
    },
    publishTime: new Date(publishMs),
  };
}

/** A Cloud Storage JSON_API_V1 notification of the Avro object, as on `alert_avros`. */
function notification(id: number, kafkaMs: number, publishMs: number): CountedMessage {
  return {
    messageId: String(id),
    data: Buffer.from(
      JSON.stringify({
        kind: "storage#object",
        name: "ztf_20261128_programid1/ZTF26aaa/1.avro",
        metadata: { "kafka.timestamp": String(kafkaMs), "kafka.topic": "ztf_20261128_programid1" },
      }),
    ),
    // the notification's attributes are the bucket's, not the alert's
    attributes: {
      objectId: "ztf_20261128_programid1/ZTF26aaa/1.avro",
      eventType: "OBJECT_FINALIZE",
    },
    publishTime: new Date(publishMs),
  };
}

const context = {
  night: "2026-11-28",
  collectedAt: new Date("2026-11-28T14:30:00Z"),
  complete: true,
  backlog: 0,
  fallbackKafkaTopic: undefined,
};

describe("percentile (nearest rank)", () => {
  it("returns observed values", () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 90)).toBe(9);
    expect(percentile(values, 99)).toBe(10);
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
  });
});

describe("StreamTally", () => {
  it("computes count, first/last times and latency percentiles of the alerts stream", () => {
    const tally = new StreamTally("alerts");
    // latencies 1 s … 100 s, added out of order
    for (let i = 100; i >= 1; i -= 1) tally.add(message(i, T0 + i * 1000, T0 + i * 2000));
    const row = tally.row(context);
    expect(row).toEqual({
      night: "2026-11-28",
      kafka_topic: "ztf_20261128_programid1",
      stream: "alerts",
      count: "100",
      complete: true,
      first_kafka_timestamp: "2026-11-28T04:00:01.000Z",
      last_kafka_timestamp: "2026-11-28T04:01:40.000Z",
      first_publish_time: "2026-11-28T04:00:02.000Z",
      last_publish_time: "2026-11-28T04:03:20.000Z",
      collected_at: "2026-11-28T14:30:00.000Z",
      latency_p50_s: 50,
      latency_p90_s: 90,
      latency_p99_s: 99,
      latency_max_s: 100,
    });
    // every column of the table, and nothing else
    expect(Object.keys(row).sort()).toEqual(
      metadataTableSchema()
        .map((f) => f.name)
        .sort(),
    );
  });

  it("reads alert_avros' Kafka fields from the notification payload's object metadata", () => {
    expect(kafkaFieldsOf("alert_avros", notification(1, T0, T0 + 1500))).toEqual({
      timestampMs: T0,
      topic: "ztf_20261128_programid1",
    });
    // on other streams the payload is not looked at
    expect(kafkaFieldsOf("alerts", notification(1, T0, T0 + 1500)).timestampMs).toBeUndefined();
    const tally = new StreamTally("alert_avros");
    tally.add(notification(1, T0, T0 + 1500));
    tally.add(notification(2, T0, T0 + 2500));
    const row = tally.row(context);
    expect(row).toMatchObject({ count: "2", latency_p50_s: 1.5, latency_max_s: 2.5 });
  });

  it("counts a redelivered message once and one without kafka.timestamp without latency", () => {
    const tally = new StreamTally("salt2");
    tally.add(message(1, T0, T0 + 1000));
    tally.add(message(1, T0, T0 + 1000));
    tally.add(message(2, undefined, T0 + 5000));
    tally.add({ ...message(3, undefined, T0 + 6000), data: Buffer.from("not json") });
    expect(tally.count).toBe(3);
    expect(tally.duplicates).toBe(1);
    expect(tally.withoutKafkaTimestamp).toBe(2);
    expect(tally.row(context)).toMatchObject({
      count: "3",
      first_publish_time: "2026-11-28T04:00:01.000Z",
      last_publish_time: "2026-11-28T04:00:06.000Z",
      latency_p50_s: 1,
      latency_max_s: 1,
    });
  });

  it("adds the backlog to an incomplete count and falls back to the consumer's topic when empty", () => {
    const row = new StreamTally("exgalac_trans").row({
      ...context,
      complete: false,
      backlog: 42,
      fallbackKafkaTopic: "ztf_20261128_programid1",
    });
    expect(row).toMatchObject({
      count: "42",
      complete: false,
      kafka_topic: "ztf_20261128_programid1",
      first_kafka_timestamp: null,
      latency_p50_s: null,
      latency_max_s: null,
    });
  });

  it("lists every topic seen when a night spanned two", () => {
    const tally = new StreamTally("alerts");
    tally.add(message(1, T0, T0, "b_topic"));
    tally.add(message(2, T0, T0, "a_topic"));
    expect(tally.row(context).kafka_topic).toBe("a_topic,b_topic");
  });
});

describe("night and insertId", () => {
  it("the night is the UTC date of the END; the insertId is {night}-{stream}", () => {
    expect(nightOf(new Date("2026-11-28T13:55:00Z"))).toBe("2026-11-28");
    expect(metadataInsertId("2026-11-28", "alert_avros")).toBe("2026-11-28-alert_avros");
  });
});
