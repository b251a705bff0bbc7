import { describe, expect, it } from "vitest";
import { FUNCTION } from "@pgb/broker-utils/naming";
import {
  finishedByAll,
  waitsOnUnstored,
  type StageProgress,
} from "../../../local/src/instance/outputs.js";

/** upload, bq-sink, value-added: how many each answered 2xx; `exhausted` value-added gave up on. */
const stages = (done: [number, number, number], exhausted = 0): StageProgress[] =>
  [FUNCTION.upload, FUNCTION.bqSink, FUNCTION.valueAdded].map((stub, i) => ({
    stub,
    done: done[i]!,
    exhausted: i === 2 ? exhausted : 0,
    retrying: 0,
    failedAnswers: 0,
  }));

describe("the local settle wait", () => {
  it("counts an alert finished when every stage is done with it", () => {
    expect(finishedByAll(stages([10, 8, 9], 1), 0, 0)).toBe(8);
    expect(finishedByAll(stages([10, 8, 9], 1), 2, 0)).toBe(10);
  });

  it("counts the alerts upload did not store as done by the stages fed by the notification", () => {
    // upload answered all 10 (2 dead-lettered as bad input): the later stages never see those 2
    expect(waitsOnUnstored(stages([10, 8, 8]), 0, 10)).toBe(true);
    expect(finishedByAll(stages([10, 8, 8]), 0, 2)).toBe(10);
    // never more than upload itself is done with
    expect(finishedByAll(stages([10, 8, 8]), 0, 5)).toBe(10);
  });

  it("reads upload's reservoir only once upload is done and a later stage lags", () => {
    expect(waitsOnUnstored(stages([9, 5, 5]), 0, 10)).toBe(false);
    expect(waitsOnUnstored(stages([10, 10, 10]), 0, 10)).toBe(false);
    expect(waitsOnUnstored(stages([8, 7, 8]), 2, 10)).toBe(true);
  });
});
