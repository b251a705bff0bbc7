/** check-cue-response's handler against a fake compute port and a virtual clock. */
import type { VmStatus } from "@pgb/night";
import { describe, expect, it } from "vitest";
import { createCheckHandler } from "../../../functions/check-cue-response/src/handler.js";
import { FakeClock, FakeCompute } from "../compute/fakes.js";
import { captureLog, cueMessage } from "./support.js";

const NC = "ztf-night-conductor-t";
const CONSUMER = "ztf-consumer-t";
const PUBLISHED = "2026-11-28T04:00:00.000Z";

/** VM states as functions of the seconds since the cue. */
function setup(states: Record<string, (s: number) => VmStatus>) {
  const clock = new FakeClock(Date.parse(PUBLISHED) + 2_000);
  const compute = new FakeCompute(clock).add(NC).add(CONSUMER);
  const reads: [string, number][] = [];
  compute.status = async (vm) => {
    const s = (clock.now() - Date.parse(PUBLISHED)) / 1000;
    reads.push([vm, s]);
    const state = states[vm];
    if (!state) throw new Error(`VM ${vm} not found`);
    return state(s);
  };
  const captured = captureLog();
  const handler = createCheckHandler({
    compute,
    vms: { nightConductor: NC, consumer: CONSUMER },
    delays: { nightConductorAfterMs: 30_000, consumerAfterMs: 300_000 },
    clock,
  });
  const handle = (data: string, attributes: Record<string, string> = {}, published = PUBLISHED) =>
    handler(cueMessage(data, attributes, published), { log: captured.log });
  return { clock, reads, handle, ...captured };
}

describe("check-cue-response", () => {
  it("START: night conductor at +30 s, consumer at +5 min after the cue's publish time", async () => {
    const { reads, handle, at } = setup({
      [NC]: (s) => (s < 60 ? "RUNNING" : "TERMINATED"),
      [CONSUMER]: (s) => (s < 40 ? "TERMINATED" : "RUNNING"),
    });
    const outcome = await handle("START");
    expect(reads).toEqual([
      [NC, 30],
      [CONSUMER, 300],
    ]);
    expect(outcome).toMatchObject({
      outcome: "checked",
      results: [
        { vm: NC, status: "RUNNING", severity: "INFO" },
        { vm: CONSUMER, status: "RUNNING", severity: "INFO" },
      ],
    });
    expect(at("CRITICAL")).toEqual([]);
  });

  it("START: a consumer that did not start is CRITICAL with the spec's wording", async () => {
    const { handle, at } = setup({ [NC]: () => "STAGING", [CONSUMER]: () => "TERMINATED" });
    await handle("START", { KAFKA_TOPIC: "ztf_20261128_programid1" });
    expect(at("CRITICAL")).toEqual([`START: ${CONSUMER} is TERMINATED, expected RUNNING`]);
  });

  it("a night conductor that never came up is CRITICAL", async () => {
    const { handle, at } = setup({ [NC]: () => "TERMINATED", [CONSUMER]: () => "TERMINATED" });
    await handle("END");
    expect(at("CRITICAL")).toEqual([`END: ${NC} is TERMINATED, expected RUNNING or STAGING`]);
  });

  it("END: a consumer still running is CRITICAL", async () => {
    const { handle, at } = setup({ [NC]: () => "RUNNING", [CONSUMER]: () => "RUNNING" });
    await handle("END");
    expect(at("CRITICAL")).toEqual([`END: ${CONSUMER} is RUNNING, expected TERMINATED`]);
  });

  it("KAFKA_TOPIC=NONE: TERMINATED is right and RUNNING only DEBUG", async () => {
    const off = setup({ [NC]: () => "RUNNING", [CONSUMER]: () => "TERMINATED" });
    await off.handle("START", { KAFKA_TOPIC: "NONE" });
    expect(off.at("CRITICAL")).toEqual([]);
    const on = setup({ [NC]: () => "RUNNING", [CONSUMER]: () => "RUNNING" });
    await on.handle("START", { KAFKA_TOPIC: "NONE" });
    expect(on.at("CRITICAL")).toEqual([]);
    expect(on.at("DEBUG")).toEqual([
      `START: ${CONSUMER} is RUNNING, expected TERMINATED (tolerated)`,
    ]);
  });

  it("an invalid cue is CRITICAL and nothing is read", async () => {
    const { reads, handle, at } = setup({});
    expect(await handle("END", { KAFKA_TOPIC: "x" })).toMatchObject({ outcome: "invalid" });
    expect(at("CRITICAL")).toEqual([
      "invalid cue: END takes no KAFKA_TOPIC or topic_date: they choose the topic of a START",
    ]);
    expect(reads).toEqual([]);
  });

  it("never fails its delivery: an unreadable state is CRITICAL", async () => {
    const { handle, at } = setup({ [NC]: () => "RUNNING" });
    const outcome = await handle("START");
    expect(outcome).toMatchObject({ results: [{}, { status: null, severity: "CRITICAL" }] });
    expect(at("CRITICAL")).toEqual([
      `START: cannot read the state of ${CONSUMER}: VM ${CONSUMER} not found`,
    ]);
  });

  it("checks at once when the cue is older than the delays", async () => {
    const { clock, reads, handle } = setup({
      [NC]: () => "RUNNING",
      [CONSUMER]: () => "RUNNING",
    });
    const t0 = clock.now();
    await handle("START", {}, "2026-11-28T03:00:00.000Z");
    expect(clock.now()).toBe(t0);
    expect(reads).toHaveLength(2);
  });
});
