import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pubsubClient } from "@pgb/broker-utils/gcp";
import type { Message } from "@google-cloud/pubsub";
import { afterAll, describe, expect, it } from "vitest";
import { uniqueName } from "../../support/names.js";
import { servers, TEST_PROJECT } from "../../support/services.js";

interface PushBody {
  subscription: string;
  message: { data: string; attributes?: Record<string, string>; messageId: string };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

describe("Pub/Sub emulator", () => {
  const pubsub = pubsubClient(TEST_PROJECT);
  const cleanups: (() => Promise<unknown>)[] = [];

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await pubsub.close();
  });

  it("is the emulator the global setup started", () => {
    expect(process.env["PUBSUB_EMULATOR_HOST"]).toBe(servers().pubsubHost);
  });

  it("publishes and delivers by streaming pull, with attributes", async () => {
    const [topic] = await pubsub.createTopic(uniqueName("topic"));
    const [subscription] = await topic.createSubscription(uniqueName("sub"));
    cleanups.push(
      () => subscription.delete(),
      () => topic.delete(),
    );
    const count = 25;
    const received = new Map<string, Message>();
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timed out pulling")), 60_000);
      subscription.on("message", (message: Message) => {
        received.set(message.data.toString(), message);
        message.ack();
        if (received.size === count) {
          clearTimeout(timer);
          resolve();
        }
      });
      subscription.on("error", reject);
    });
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        topic.publishMessage({
          data: Buffer.from(`alert-${i}`),
          attributes: { candid: `16424046808150150${String(i).padStart(2, "0")}` },
        }),
      ),
    );
    await done;
    await subscription.close();
    expect(received.get("alert-3")?.attributes["candid"]).toBe("1642404680815015003");
  });

  it("pushes to an HTTP endpoint on 127.0.0.1 and retries a non-2xx reply", async () => {
    const bodies: PushBody[] = [];
    let refused = 0;
    const server: Server = createServer((req, res) => {
      void readBody(req).then((text) => {
        // refuse the first delivery to see the emulator retry it
        if (refused === 0) {
          refused += 1;
          res.writeHead(500).end();
          return;
        }
        bodies.push(JSON.parse(text) as PushBody);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as AddressInfo;

    const [topic] = await pubsub.createTopic(uniqueName("push_topic"));
    const [subscription] = await topic.createSubscription(uniqueName("push_sub"), {
      pushConfig: { pushEndpoint: `http://127.0.0.1:${port}/push` },
    });
    cleanups.push(
      () => subscription.delete(),
      () => topic.delete(),
    );
    await topic.publishMessage({ data: Buffer.from("pushed"), attributes: { objectId: "ZTF1" } });

    const deadline = Date.now() + 30_000;
    while (bodies.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(refused).toBe(1);
    expect(bodies).toHaveLength(1);
    const body = bodies[0];
    expect(Buffer.from(body?.message.data ?? "", "base64").toString()).toBe("pushed");
    expect(body?.message.attributes).toEqual({ objectId: "ZTF1" });
    expect(body?.subscription).toBe(subscription.name);
  });
});
