import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { consume, createPublisher, Puller, pubsubClient } from "@pgb/broker-utils/gcp";

const pubsub = pubsubClient();
const suffix = randomUUID().slice(0, 8);
const created: { delete: () => Promise<unknown> }[] = [];

async function topicWithSub(name: string, subOptions: object = {}) {
  const [topic] = await pubsub.createTopic(`${name}-${suffix}`);
  const [sub] = await topic.createSubscription(`${name}-sub-${suffix}`, subOptions);
  created.push(sub, topic);
  return { topic, sub };
}

afterAll(async () => {
  for (const r of created) await r.delete().catch(() => undefined);
  await pubsub.close();
});

describe("gcp pubsub helpers on the emulator", () => {
  it("publishes bytes with string attributes and pulls them back, acking", async () => {
    const { topic, sub } = await topicWithSub("pub");
    const publisher = createPublisher(pubsub, topic.name);
    const ids = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        publisher.publish(Buffer.from(`m${i}`), { "kafka.offset": String(i) }),
      ),
    );
    expect(new Set(ids).size).toBe(25);

    const puller = new Puller(pubsub, sub.name);
    const seen = new Map<string, string>();
    for (let round = 0; round < 20 && seen.size < 25; round++) {
      const batch = await puller.pull(10);
      for (const m of batch) seen.set(m.attributes["kafka.offset"] ?? "", m.data.toString());
      await puller.ack(batch.map((m) => m.ackId));
    }
    expect(seen.size).toBe(25);
    expect(seen.get("7")).toBe("m7");
    expect(await puller.pull(10, 1000)).toEqual([]);
    await puller.close();
  });

  it("refuses a non-string attribute, naming it", async () => {
    const { topic } = await topicWithSub("attr");
    const publisher = createPublisher(pubsub, topic.name);
    await expect(
      publisher.publish(Buffer.from("x"), { candid: 1n as unknown as string }),
    ).rejects.toThrow(/attribute candid .* not a string/);
  });

  it("nack makes pulled messages available again (the simulator's --nack)", async () => {
    const { topic, sub } = await topicWithSub("nack");
    await createPublisher(pubsub, topic.name).publishJson({ objectId: "ZTF1" }, { a: "1" });
    const puller = new Puller(pubsub, sub.name);
    let first: Awaited<ReturnType<Puller["pull"]>> = [];
    for (let i = 0; i < 10 && first.length === 0; i++) first = await puller.pull(5);
    expect(first).toHaveLength(1);
    expect(JSON.parse(first[0]!.data.toString())).toEqual({ objectId: "ZTF1" });
    await puller.nack(first.map((m) => m.ackId));
    let again: typeof first = [];
    for (let i = 0; i < 10 && again.length === 0; i++) again = await puller.pull(5);
    expect(again.map((m) => m.messageId)).toEqual(first.map((m) => m.messageId));
    await puller.ack(again.map((m) => m.ackId));
    await puller.close();
  });

  it("consume acks resolved handlers and dead-letters after the max attempts", async () => {
    const [dlq] = await pubsub.createTopic(`dlq-${suffix}`);
    const [dlqSub] = await dlq.createSubscription(`dlq-sub-${suffix}`);
    created.push(dlqSub, dlq);
    const { topic, sub } = await topicWithSub("consume", {
      deadLetterPolicy: { deadLetterTopic: dlq.name, maxDeliveryAttempts: 5 },
      retryPolicy: { minimumBackoff: { seconds: 0 }, maximumBackoff: { seconds: 1 } },
    });
    const publisher = createPublisher(pubsub, topic.name);
    await publisher.publish(Buffer.from("good"));
    await publisher.publish(Buffer.from("bad"));
    const attempts: number[] = [];
    const okay: string[] = [];
    const errors: Error[] = [];
    const stop = consume(
      pubsub,
      sub.name,
      async (m) => {
        if (m.data.toString() === "bad") {
          attempts.push(m.deliveryAttempt ?? 0);
          throw new Error("bad input");
        }
        okay.push(m.data.toString());
      },
      { onError: (e) => errors.push(e) },
    );
    const dlqPuller = new Puller(pubsub, dlqSub.name);
    let dead: Awaited<ReturnType<Puller["pull"]>> = [];
    for (let i = 0; i < 60 && dead.length === 0; i++) {
      dead = await dlqPuller.pull(5);
      if (dead.length === 0) await new Promise((r) => setTimeout(r, 500));
    }
    await stop();
    expect(okay).toEqual(["good"]);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.data.toString()).toBe("bad");
    expect(dead[0]!.attributes["CloudPubSubDeadLetterSourceDeliveryCount"]).toBe("5");
    expect(Math.max(...attempts)).toBe(5);
    expect(errors).toEqual([]);
    await dlqPuller.ack(dead.map((m) => m.ackId));
    await dlqPuller.close();
  });
});
