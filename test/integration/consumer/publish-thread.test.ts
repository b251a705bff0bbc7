/**
 * The publisher thread against the Pub/Sub emulator, with a ring far smaller than what goes through
 * it: values are copied into the ring when handed over (the caller's buffer may change at once, as a
 * Kafka fetch buffer does), regions are reused as publishes are acknowledged, and values the ring
 * cannot hold travel on their own; every value arrives byte-identical.
 */
import { randomBytes, randomInt } from "node:crypto";
import { describe, expect, it } from "vitest";
import { pubsubClient } from "@pgb/broker-utils/gcp";
import { PUBLISHER_OPTIONS } from "../../../vm/consumer/src/consumer.js";
import { startPublisherThread } from "../../../vm/consumer/src/publish-thread.js";
import { uniqueName } from "../../support/names.js";
import { TEST_PROJECT } from "../../support/services.js";
import { Collector, sha256 } from "./harness.js";

const ENTRY = new URL("../../../vm/consumer/src/index.ts", import.meta.url);
const RING_BYTES = 256 * 1024;

describe("publisher thread", () => {
  it("publishes every value byte-identical through a ring it wraps many times", async () => {
    const pubsub = pubsubClient(TEST_PROJECT);
    const [topic] = await pubsub.createTopic(uniqueName("cons_ring"));
    const [subscription] = await topic.createSubscription(uniqueName("cons_ring_sub"));
    const collector = new Collector(pubsub, subscription.name);
    const port = startPublisherThread(ENTRY, {
      project: TEST_PROJECT,
      topic: topic.name.split("/").pop()!,
      publisher: PUBLISHER_OPTIONS,
      ringBytes: RING_BYTES,
    });
    try {
      // mostly values the ring holds, some larger than the whole ring, some empty
      const sizes = Array.from({ length: 600 }, (_, i) =>
        i % 97 === 0 ? 0 : i % 50 === 0 ? RING_BYTES + randomInt(1, 100_000) : randomInt(1, 40_000),
      );
      const expected = new Map<string, string>();
      const inFlight = new Set<Promise<unknown>>();
      let total = 0;
      for (let i = 0; i < sizes.length; i += 20) {
        // a Kafka batch: handed over in one turn, each value's buffer overwritten right after
        for (let j = i; j < Math.min(i + 20, sizes.length); j++) {
          const value = randomBytes(sizes[j]!);
          expected.set(`0/${j}`, sha256(value));
          total += value.length;
          const p = port.publish(value, { "kafka.partition": "0", "kafka.offset": String(j) });
          value.fill(0xa5);
          inFlight.add(p);
          void p.finally(() => inFlight.delete(p));
        }
        while (inFlight.size > 60) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      await port.flush();
      expect(total).toBeGreaterThan(20 * RING_BYTES);

      expect(await collector.waitFor([...expected.keys()], 60_000)).toEqual([]);
      await collector.drain();
      for (const [key, sha] of expected) {
        expect(
          collector.byOffset.get(key)?.map((c) => c.sha),
          key,
        ).toEqual([sha]);
      }
    } finally {
      await port.close();
      await collector.stop();
      await subscription.delete();
      await topic.delete();
      await pubsub.close();
    }
  });
});
