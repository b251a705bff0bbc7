import { afterAll, describe, expect, it, vi } from "vitest";
import { createProgram, runProgram } from "@pgb/cli";
import { Puller, pubsubClient } from "@pgb/broker-utils/gcp";
import { InstanceNamer, TOPIC } from "@pgb/broker-utils/naming";
import { dataPath } from "@pgb/test-data";
import { simulateCommands } from "../../../packages/cli/src/commands/simulate.js";

const pubsub = pubsubClient();
const testid = `sim${Date.now().toString(36)}`;
const project = process.env["GOOGLE_CLOUD_PROJECT"] ?? "pgb-test";
const topicName = new InstanceNamer({ survey: "ztf", testid, project }).topic(TOPIC.alerts);
const cleanup: { delete: () => Promise<unknown> }[] = [];

afterAll(async () => {
  for (const r of cleanup) await r.delete().catch(() => undefined);
  await pubsub.close();
});

describe("pgb simulate from files into a test instance's alerts topic", () => {
  it("publishes each file once with the consumer's attributes and prints the count", async () => {
    const [topic] = await pubsub.createTopic(topicName);
    const [sub] = await topic.createSubscription(`${topicName}-probe`);
    cleanup.push(sub, topic);
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const code = await runProgram(createProgram([simulateCommands]), [
      "node",
      "pgb",
      "simulate",
      "--testid",
      testid,
      "--rate",
      "100/once",
      "--from",
      dataPath("ztf/alerts/v4.02"),
      dataPath("ztf/alerts/v3.2"),
      "--kafka-topic",
      "ztf_20240520_programid1",
    ]).finally(() => spy.mockRestore());
    expect(code).toBe(0);
    expect(out.join("")).toMatch(/^published 2 alerts in 1 batches .* to Pub\/Sub topic/m);

    const puller = new Puller(pubsub, sub.name);
    const got = [];
    for (let i = 0; i < 10 && got.length < 2; i++) got.push(...(await puller.pull(10, 1000)));
    await puller.ack(got.map((m) => m.ackId));
    await puller.close();
    expect(got.map((m) => m.attributes["kafka.offset"]).sort()).toEqual(["0", "1"]);
    expect(got[0]!.attributes).toMatchObject({
      "kafka.topic": "ztf_20240520_programid1",
      "kafka.partition": "0",
    });
    expect(got[0]!.data.subarray(0, 4).toString("latin1")).toBe("Obj\u0001");
  });
});
