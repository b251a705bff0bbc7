import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { createPublisher, Puller, pubsubClient } from "@pgb/broker-utils/gcp";
import { pubsubSink, simulate, subscriptionSource } from "@pgb/broker-utils/simulator";

const pubsub = pubsubClient();
const suffix = randomUUID().slice(0, 8);
const cleanup: { delete: () => Promise<unknown> }[] = [];

afterAll(async () => {
  for (const r of cleanup) await r.delete().catch(() => undefined);
  await pubsub.close();
});

async function drain(puller: Puller, want: number) {
  const got: Awaited<ReturnType<Puller["pull"]>> = [];
  for (let i = 0; i < 30 && got.length < want; i++) {
    const batch = await puller.pull(100, 1000);
    got.push(...batch);
    await puller.ack(batch.map((m) => m.ackId));
  }
  return got;
}

describe("simulator from a reservoir subscription to a topic", () => {
  it("republishes data and attributes unchanged; --nack keeps the reservoir full", async () => {
    const [alerts] = await pubsub.createTopic(`prod-alerts-${suffix}`);
    const [reservoir] = await alerts.createSubscription(`prod-alerts-reservoir-${suffix}`);
    const [testAlerts] = await pubsub.createTopic(`test-alerts-${suffix}`);
    const [testSub] = await testAlerts.createSubscription(`test-alerts-sub-${suffix}`);
    cleanup.push(reservoir, testSub, alerts, testAlerts);

    const producer = createPublisher(pubsub, alerts.name);
    for (let i = 0; i < 6; i++) {
      await producer.publish(Buffer.from(`alert-${i}`), {
        "kafka.offset": String(i),
        sourceId: `164240468081501500${i}`,
      });
    }

    const run = (nack: boolean) =>
      simulate({
        source: subscriptionSource(new Puller(pubsub, reservoir.name), { nack }),
        sink: pubsubSink(createPublisher(pubsub, testAlerts.name)),
        plan: { perBatch: 6, batches: 1, intervalSeconds: 1 },
      });

    expect(await run(true)).toMatchObject({ published: 6, exhausted: false });
    const first = await drain(new Puller(pubsub, testSub.name), 6);
    expect(first.map((m) => m.data.toString()).sort()).toEqual(
      Array.from({ length: 6 }, (_, i) => `alert-${i}`),
    );
    const byOffset = new Map(first.map((m) => [m.attributes["kafka.offset"], m.attributes]));
    expect(byOffset.get("3")).toEqual({ "kafka.offset": "3", sourceId: "1642404680815015003" });

    // nacked: the same six are still in the reservoir; this time they are acknowledged
    expect(await run(false)).toMatchObject({ published: 6 });
    expect(await drain(new Puller(pubsub, testSub.name), 6)).toHaveLength(6);
    expect(await new Puller(pubsub, reservoir.name).pull(10, 1000)).toEqual([]);
  });
});
