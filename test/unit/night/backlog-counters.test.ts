import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReceivedMessage } from "@pgb/broker-utils/gcp";
import { StreamTally } from "@pgb/night";
import { LocalPushBacklog, PushActivityRecorder } from "@pgb/local/compute";
import { afterAll, describe, expect, it } from "vitest";
import {
  MonitoringBacklog,
  backlogFilter,
  type MetricApi,
} from "../../../vm/night-conductor/src/backlog.js";
import { countStream } from "../../../vm/night-conductor/src/counters.js";
import { FakeClock } from "../compute/fakes.js";

describe("MonitoringBacklog", () => {
  it("asks for num_undelivered_messages of the subscriptions over the last 10 min, newest point", async () => {
    const requests: unknown[] = [];
    const api: MetricApi = {
      async listTimeSeries(request) {
        requests.push(request);
        return [
          [
            {
              resource: { labels: { subscription_id: "a" } },
              points: [{ value: { int64Value: "12" } }, { value: { int64Value: "99" } }],
            },
            {
              resource: { labels: { subscription_id: "b" } },
              points: [{ value: { int64Value: 0 } }],
            },
          ],
        ];
      },
      async close() {},
    };
    const now = Date.parse("2026-11-28T14:00:00Z");
    const backlog = new MonitoringBacklog("my-proj", api, () => now);
    expect(await backlog.read(["a", "b", "c"])).toEqual(
      new Map([
        ["a", 12],
        ["b", 0],
        // no point in the window: unknown, not zero
        ["c", null],
      ]),
    );
    expect(requests[0]).toEqual({
      name: "projects/my-proj",
      filter:
        'metric.type = "pubsub.googleapis.com/subscription/num_undelivered_messages" AND ' +
        'resource.type = "pubsub_subscription" AND resource.labels.subscription_id = one_of("a", "b", "c")',
      interval: { startTime: { seconds: now / 1000 - 600 }, endTime: { seconds: now / 1000 } },
      view: "FULL",
    });
    expect(backlogFilter(['x"y'])).toContain('one_of("x\\"y")');
  });
});

describe("LocalPushBacklog", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("reads pushes in flight, plus one for a delivery since the last read; null without a record", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "pgb-backlog-"));
    dirs.push(stateDir);
    const recorder = new PushActivityRecorder(stateDir, "sub-a");
    const backlog = new LocalPushBacklog(stateDir, 30_000);
    // record times have millisecond resolution: keep reads and pushes in distinct milliseconds
    const tick = () => new Promise((r) => setTimeout(r, 5));
    const read = async () => {
      await recorder.flush();
      await tick();
      const value = (await backlog.read(["sub-a"])).get("sub-a");
      await tick();
      return value;
    };
    await recorder.flush();
    expect(await backlog.read(["sub-a", "sub-b"])).toEqual(
      new Map([
        ["sub-a", 0],
        ["sub-b", null],
      ]),
    );
    await tick();
    const answers = [recorder.received(), recorder.received()];
    // two in flight, and pushes arrived since the last read
    expect(await read()).toBe(3);
    for (const answer of answers) answer();
    // nothing in flight, nothing new
    expect(await read()).toBe(0);
    recorder.received()();
    // answered at once, but a push arrived since the last read
    expect(await read()).toBe(1);
    expect(await read()).toBe(0);
  });
});

function message(id: number): ReceivedMessage {
  return {
    ackId: `ack${id}`,
    messageId: String(id),
    data: Buffer.alloc(0),
    attributes: {},
    publishTime: new Date(0),
    deliveryAttempt: undefined,
  };
}

describe("countStream", () => {
  it("pulls and acks until the idle time passes without a message", async () => {
    const clock = new FakeClock(0);
    // 3 messages now, 2 more 30 s later
    const arrivals = [
      { at: 0, ids: [1, 2, 3] },
      { at: 30_000, ids: [4, 5] },
    ];
    const acked: string[] = [];
    const tally = new StreamTally("alerts");
    const result = await countStream(
      {
        async pull(_max, waitMs) {
          const due = arrivals.findIndex((a) => a.at <= clock.now());
          if (due >= 0) return (arrivals.splice(due, 1)[0]?.ids ?? []).map(message);
          await clock.sleep(waitMs);
          return [];
        },
        async ack(ids) {
          acked.push(...ids);
        },
      },
      tally,
      { idleMs: 45_000, deadlineMs: 1_800_000, clock },
    );
    expect(result).toEqual({ pulled: 5, pulledAll: true });
    expect(acked).toEqual(["ack1", "ack2", "ack3", "ack4", "ack5"]);
    expect(tally.count).toBe(5);
    // the second batch came at 30 s; 45 s of silence after it
    expect(clock.now()).toBe(75_000);
  });

  it("stops at the deadline while messages keep coming", async () => {
    const clock = new FakeClock(0);
    let n = 0;
    const result = await countStream(
      {
        async pull() {
          await clock.sleep(1_000);
          return [message(n++)];
        },
        async ack() {},
      },
      new StreamTally("salt2"),
      { idleMs: 45_000, deadlineMs: 10_000, clock },
    );
    expect(result).toEqual({ pulled: 10, pulledAll: false });
  });

  it("pauses between empty pulls that return at once (the emulator's)", async () => {
    const clock = new FakeClock(0);
    let pulls = 0;
    await countStream(
      {
        async pull() {
          pulls += 1;
          return [];
        },
        async ack() {},
      },
      new StreamTally("alerts"),
      { idleMs: 5_000, deadlineMs: 60_000, clock },
    );
    expect(pulls).toBe(20);
  });
});
