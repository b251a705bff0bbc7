import { describe, expect, it } from "vitest";
import { cueChecks, judgeCheck, type Cue, type VmCheck } from "@pgb/night";

const start: Cue = { action: "START", kafkaTopic: undefined, topicDate: undefined };
const none: Cue = { action: "START", kafkaTopic: "NONE", topicDate: undefined };
const end: Cue = { action: "END" };

function consumerCheck(cue: Cue): VmCheck {
  const check = cueChecks(cue).find((c) => c.vm === "consumer");
  if (!check) throw new Error("no consumer check");
  return check;
}

describe("cueChecks", () => {
  it("checks the night conductor at +30 s and the consumer at +5 min by default", () => {
    expect(cueChecks(start).map((c) => [c.vm, c.afterMs, c.expected])).toEqual([
      ["nightConductor", 30_000, ["RUNNING", "STAGING"]],
      ["consumer", 300_000, ["RUNNING"]],
    ]);
    expect(consumerCheck(end).expected).toEqual(["TERMINATED"]);
    expect(consumerCheck(none)).toMatchObject({ expected: ["TERMINATED"], tolerated: ["RUNNING"] });
  });

  it("orders the checks by delay whatever the configuration", () => {
    const checks = cueChecks(start, { nightConductorAfterMs: 9_000, consumerAfterMs: 1_000 });
    expect(checks.map((c) => c.vm)).toEqual(["consumer", "nightConductor"]);
  });
});

describe("judgeCheck", () => {
  it("words a mismatch as <cue>: <vm> is <state>, expected <state>", () => {
    expect(judgeCheck(end, consumerCheck(end), "ztf-consumer-t", "RUNNING")).toEqual({
      severity: "CRITICAL",
      message: "END: ztf-consumer-t is RUNNING, expected TERMINATED",
    });
    const nc = cueChecks(start)[0] as VmCheck;
    expect(judgeCheck(start, nc, "ztf-night-conductor-t", "TERMINATED")).toEqual({
      severity: "CRITICAL",
      message: "START: ztf-night-conductor-t is TERMINATED, expected RUNNING or STAGING",
    });
    expect(judgeCheck(start, nc, "ztf-night-conductor-t", "STAGING").severity).toBe("INFO");
  });

  it("KAFKA_TOPIC=NONE: TERMINATED is right, RUNNING is DEBUG, anything else CRITICAL", () => {
    const check = consumerCheck(none);
    expect(judgeCheck(none, check, "c", "TERMINATED").severity).toBe("INFO");
    expect(judgeCheck(none, check, "c", "RUNNING").severity).toBe("DEBUG");
    expect(judgeCheck(none, check, "c", "STOPPING")).toEqual({
      severity: "CRITICAL",
      message: "START: c is STOPPING, expected TERMINATED",
    });
  });
});
