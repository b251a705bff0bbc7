import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PushActivityRecorder, readPushActivity } from "@pgb/local/compute";

describe("push activity records", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("record pushes in flight and delivered, the latest state written last", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "pgb-activity-"));
    dirs.push(stateDir);
    const recorder = new PushActivityRecorder(stateDir, "ztf-alerts-bq-sink-t");
    await recorder.flush();
    expect(await readPushActivity(stateDir, "ztf-alerts-bq-sink-t")).toMatchObject({
      subscription: "ztf-alerts-bq-sink-t",
      pid: process.pid,
      inFlight: 0,
      delivered: 0,
      lastDeliveryAt: null,
    });
    const answers = Array.from({ length: 50 }, () => recorder.received());
    await recorder.flush();
    expect(await readPushActivity(stateDir, "ztf-alerts-bq-sink-t")).toMatchObject({
      inFlight: 50,
      delivered: 50,
    });
    for (const answer of answers) answer();
    // answering twice counts once
    answers[0]?.();
    await recorder.flush();
    const last = await readPushActivity(stateDir, "ztf-alerts-bq-sink-t");
    expect(last).toMatchObject({ inFlight: 0, delivered: 50 });
    expect(Date.parse(last?.lastDeliveryAt ?? "")).toBeGreaterThan(Date.now() - 60_000);
    expect(await readPushActivity(stateDir, "other")).toBeUndefined();
  });
});
