import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ATTEMPTS_EXHAUSTED,
  checkReplayUrl,
  describeDeadLetter,
  httpDeliver,
  listDeadLetters,
  originalAttributes,
  replayDeadLetters,
  replayEnvelope,
  type PullSource,
  type PushEnvelope,
} from "@pgb/deadletter";
import type { ReceivedMessage } from "@pgb/broker-utils/gcp";
import { notificationMessage } from "@pgb/local";

const KAFKA = {
  "kafka.topic": "ztf_20231012_programid1",
  "kafka.partition": "2",
  "kafka.offset": "7",
};

function adapterLetter(
  id: string,
  original: string,
  extra: Record<string, string> = {},
): ReceivedMessage {
  return {
    ackId: "",
    messageId: id,
    data: Buffer.from(`alert ${original}`),
    attributes: {
      ...KAFKA,
      candid: "1642404680815015001",
      "pgb.stage": "bq-sink",
      "pgb.reason": "row-invalid",
      "pgb.error": "candidate.drbversion: REQUIRED STRING is missing",
      "pgb.messageId": original,
      ...extra,
    },
    publishTime: new Date(Date.UTC(2026, 10, 28, 10, 0, Number(id) % 60)),
    deliveryAttempt: undefined,
  };
}

function pubsubLetter(id: string): ReceivedMessage {
  return {
    ackId: "",
    messageId: id,
    data: Buffer.alloc(0),
    attributes: {
      ...KAFKA,
      CloudPubSubDeadLetterSourceDeliveryCount: "5",
      CloudPubSubDeadLetterSourceSubscription: "ztf-alerts-bq-sink-t",
      CloudPubSubDeadLetterSourceSubscriptionProject: "p",
      CloudPubSubDeadLetterSourceTopicPublishTime: "2026-11-28T09:00:00.123Z",
    },
    publishTime: new Date("2026-11-28T09:01:00Z"),
    deliveryAttempt: undefined,
  };
}

/**
 * A pull subscription with leases: a pulled message is not handed out again until it is nacked
 * (or, with `leaseExpires`, on every later pull, as after an expired ack deadline).
 */
class FakeSubscription implements PullSource {
  private next = 0;
  readonly messages = new Map<string, ReceivedMessage>();
  private readonly leased = new Set<string>();
  pulls = 0;
  constructor(
    messages: ReceivedMessage[] = [],
    private readonly options: { batch?: number; leaseExpires?: boolean } = {},
  ) {
    for (const m of messages) this.add(m);
  }
  add(m: ReceivedMessage): void {
    const ackId = `ack-${this.next++}`;
    this.messages.set(ackId, { ...m, ackId });
  }
  async pull(max: number): Promise<ReceivedMessage[]> {
    this.pulls += 1;
    const free = [...this.messages.values()].filter((m) => !this.leased.has(m.ackId));
    const batch = free.slice(0, Math.min(max, this.options.batch ?? max));
    if (!this.options.leaseExpires) for (const m of batch) this.leased.add(m.ackId);
    return batch;
  }
  async ack(ackIds: readonly string[]): Promise<void> {
    for (const id of ackIds) this.messages.delete(id);
  }
  async nack(ackIds: readonly string[]): Promise<void> {
    for (const id of ackIds) this.leased.delete(id);
  }
  get ids(): string[] {
    return [...this.messages.values()].map((m) => m.messageId).sort();
  }
}

describe("dead-letter entries", () => {
  it("describes the adapter's dead letter: stage, reason, error, ids (from candid), kafka position", () => {
    const entry = describeDeadLetter("bq-sink", adapterLetter("900", "12"));
    expect(entry).toMatchObject({
      function: "bq-sink",
      messageId: "900",
      originalMessageId: "12",
      stage: "bq-sink",
      reason: "row-invalid",
      error: "candidate.drbversion: REQUIRED STRING is missing",
      sourceId: "1642404680815015001",
      kafka: { topic: "ztf_20231012_programid1", partition: "2", offset: "7" },
      deliveryCount: undefined,
    });
  });

  it("describes a dead notification by the alert in its object's metadata, not the object name", () => {
    const m = notificationMessage(
      "pgb-t-ztf-alert_avros",
      "ztf_20231012_programid1/ZTF18a/99.avro",
      {
        metadata: { ...KAFKA, objectId: "ZTF18a", sourceId: "9100000000000000099" },
      },
    );
    const entry = describeDeadLetter("bq-sink", {
      ackId: "",
      messageId: "901",
      data: m.data,
      attributes: { ...m.attributes, "pgb.reason": "object-missing", "pgb.messageId": m.messageId },
      publishTime: new Date(),
      deliveryAttempt: undefined,
    });
    expect(entry).toMatchObject({
      reason: "object-missing",
      objectId: "ZTF18a",
      sourceId: "9100000000000000099",
      kafka: { topic: "ztf_20231012_programid1", partition: "2", offset: "7" },
      attributes: { objectId: "ztf_20231012_programid1/ZTF18a/99.avro" },
    });
  });

  it("describes a dead letter Pub/Sub moved after the last attempt", () => {
    const entry = describeDeadLetter("upload_bytes_to_bucket", pubsubLetter("5"));
    expect(entry).toMatchObject({
      stage: "upload_bytes_to_bucket",
      reason: ATTEMPTS_EXHAUSTED,
      deliveryCount: 5,
      error: expect.stringContaining("gave up after 5 delivery attempts from ztf-alerts-bq-sink-t"),
    });
  });

  it("strips the dead-letter bookkeeping from the attributes", () => {
    expect(originalAttributes(adapterLetter("1", "2").attributes)).toEqual({
      ...KAFKA,
      candid: "1642404680815015001",
    });
    expect(originalAttributes(pubsubLetter("1").attributes)).toEqual(KAFKA);
  });

  it("replays with the original message id and first publish time", () => {
    expect(replayEnvelope(adapterLetter("900", "12"), "projects/p/subscriptions/s")).toEqual({
      message: {
        data: Buffer.from("alert 12").toString("base64"),
        attributes: { ...KAFKA, candid: "1642404680815015001" },
        messageId: "12",
        publishTime: "2026-11-28T10:00:00.000Z",
      },
      subscription: "projects/p/subscriptions/s",
    });
    expect(replayEnvelope(pubsubLetter("5"), "s").message).toMatchObject({
      messageId: "5",
      publishTime: "2026-11-28T09:00:00.123Z",
    });
  });
});

describe("listing a reservoir", () => {
  it("returns every message, oldest first, and consumes none", async () => {
    const sub = new FakeSubscription(
      Array.from({ length: 250 }, (_, i) => adapterLetter(String(1000 + i), String(i))),
      { batch: 37 },
    );
    const entries = await listDeadLetters("bq-sink", sub, { max: 1000 });
    expect(entries).toHaveLength(250);
    expect(new Set(entries.map((e) => e.messageId)).size).toBe(250);
    expect(sub.messages.size).toBe(250);
    // all nacked: a second listing sees them again
    expect(await listDeadLetters("bq-sink", sub, { max: 1000 })).toHaveLength(250);
    const times = entries.map((e) => e.publishTime);
    expect([...times].sort()).toEqual(times);
  });

  it("stops at --max and when only redeliveries come back (expired leases)", async () => {
    const sub = new FakeSubscription(
      Array.from({ length: 20 }, (_, i) => adapterLetter(String(i), String(i))),
      { batch: 8, leaseExpires: true },
    );
    expect(await listDeadLetters("bq-sink", sub, { max: 5 })).toHaveLength(5);
    const all = await listDeadLetters("bq-sink", sub, { max: 100 });
    expect(all.map((e) => e.messageId).sort()).toEqual(
      Array.from({ length: 8 }, (_, i) => String(i)).sort(),
    );
  });
});

describe("replaying a reservoir", () => {
  it("acknowledges what the function took (2xx) and keeps the rest", async () => {
    const sub = new FakeSubscription([
      adapterLetter("1", "a"),
      adapterLetter("2", "b"),
      adapterLetter("3", "c"),
      pubsubLetter("4"),
    ]);
    const sent: PushEnvelope[] = [];
    const statuses: Record<string, number | Error> = {
      a: 204,
      b: 500,
      c: new Error("ECONNREFUSED"),
      "4": 200,
    };
    const events: string[] = [];
    const result = await replayDeadLetters(
      "bq-sink",
      sub,
      async (envelope) => {
        sent.push(envelope);
        const s = statuses[envelope.message.messageId]!;
        if (s instanceof Error) throw s;
        return s;
      },
      "projects/p/subscriptions/ztf-alerts-bq-sink-t",
      { onEvent: (e) => events.push(`${e.kind}:${e.entry.messageId}`) },
    );
    expect(result).toEqual({ delivered: 2, failed: 2, returned: 0 });
    expect(sub.ids).toEqual(["2", "3"]);
    expect(events).toEqual(["delivered:1", "failed:2", "failed:3", "delivered:4"]);
    expect(sent.map((e) => e.subscription)).toEqual(
      Array(4).fill("projects/p/subscriptions/ztf-alerts-bq-sink-t"),
    );
    // kept messages are available again afterwards
    expect(await sub.pull(10)).toHaveLength(2);
  });

  it("recognises a message the function dead-lettered again during the run, and stops", async () => {
    const sub = new FakeSubscription([adapterLetter("1", "a")]);
    let n = 100;
    const result = await replayDeadLetters(
      "bq-sink",
      sub,
      async (envelope) => {
        // still bad input: the function's adapter dead-letters it again and answers 204
        sub.add(adapterLetter(String(n++), envelope.message.messageId));
        return 204;
      },
      "s",
    );
    expect(result).toEqual({ delivered: 1, failed: 0, returned: 1 });
    expect(sub.ids).toEqual(["100"]);
  });

  it("delivers each message once whatever the batching and lease expiry (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 0, maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        fc.boolean(),
        async (accepts, batch, leaseExpires) => {
          const letters = accepts.map((_, i) => adapterLetter(String(i), `o${i}`));
          const sub = new FakeSubscription(letters, { batch, leaseExpires });
          const delivered: string[] = [];
          const result = await replayDeadLetters(
            "bq-sink",
            sub,
            async (envelope) => {
              delivered.push(envelope.message.messageId);
              return accepts[Number(envelope.message.messageId.slice(1))] ? 200 : 503;
            },
            "s",
          );
          expect(new Set(delivered).size).toBe(delivered.length);
          // nothing lost: what was not acknowledged is still there
          expect(sub.messages.size).toBe(letters.length - result.delivered);
          // with expiring leases a pull may hand out only redeliveries, which ends the run early
          // (a later run continues); otherwise every message is tried once
          if (!leaseExpires) {
            expect(result.delivered).toBe(accepts.filter(Boolean).length);
            expect(result.delivered + result.failed).toBe(letters.length);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("honours --max", async () => {
    const sub = new FakeSubscription(
      Array.from({ length: 10 }, (_, i) => adapterLetter(String(i), `o${i}`)),
    );
    const result = await replayDeadLetters("bq-sink", sub, async () => 200, "s", { max: 3 });
    expect(result.delivered).toBe(3);
    expect(sub.messages.size).toBe(7);
  });
});

describe("HTTP delivery", () => {
  it("POSTs the envelope as JSON with the caller's headers", async () => {
    const received: { body: string; auth: string | undefined; type: string | undefined }[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push({ body, auth: req.headers.authorization, type: req.headers["content-type"] });
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/projects/p/topics/t`;
      const deliver = httpDeliver(url, { headers: async () => ({ authorization: "Bearer x" }) });
      const envelope = replayEnvelope(adapterLetter("1", "a"), "s");
      expect(await deliver(envelope)).toBe(204);
      expect(received).toEqual([
        { body: JSON.stringify(envelope), auth: "Bearer x", type: "application/json" },
      ]);
    } finally {
      server.close();
    }
  });

  it("refuses plain http to another host", () => {
    expect(() => checkReplayUrl("http://example.com/f")).toThrow(/only over https/);
    expect(() => checkReplayUrl("not a url")).toThrow(/is not a URL/);
    expect(() => checkReplayUrl("https://ztf-bq-sink-abc-uc.a.run.app")).not.toThrow();
    expect(() => checkReplayUrl("http://127.0.0.1:8080/projects/p/topics/t")).not.toThrow();
  });
});
