import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  NIGHT_DONE_CHANGES,
  changesNothing,
  consumerTopicChanges,
  cueMetadataChanges,
  mergeMetadata,
} from "@pgb/night";

const deployed = { SURVEY: "ztf", TESTID: "mytest", "pgb-bundle": "gs://b/vm.zip" };

describe("VM metadata changes", () => {
  it("START sets NIGHT and the topic, keeping the deployment's keys", () => {
    const items = mergeMetadata(
      deployed,
      cueMetadataChanges(
        { action: "START", kafkaTopic: undefined, topicDate: undefined },
        "ztf_20261128_programid1",
      ),
    );
    expect(items).toEqual({ ...deployed, NIGHT: "START", KAFKA_TOPIC: "ztf_20261128_programid1" });
  });

  it("END sets NIGHT and clears a topic left by the START", () => {
    const items = mergeMetadata(
      { ...deployed, NIGHT: "START", KAFKA_TOPIC: "old" },
      cueMetadataChanges({ action: "END" }),
    );
    expect(items).toEqual({ ...deployed, NIGHT: "END" });
  });

  it("a START without its topic is a programming error", () => {
    expect(() =>
      cueMetadataChanges({ action: "START", kafkaTopic: undefined, topicDate: undefined }),
    ).toThrow(/needs its Kafka topic/);
  });

  it("the night conductor clears NIGHT and KAFKA_TOPIC on itself and sets or clears the consumer's topic", () => {
    expect(mergeMetadata({ ...deployed, NIGHT: "END" }, NIGHT_DONE_CHANGES)).toEqual(deployed);
    expect(mergeMetadata(deployed, consumerTopicChanges("t1"))).toEqual({
      ...deployed,
      KAFKA_TOPIC: "t1",
    });
    expect(
      mergeMetadata({ ...deployed, KAFKA_TOPIC: "t1" }, consumerTopicChanges(undefined)),
    ).toEqual(deployed);
  });

  it("changesNothing tells when a write can be skipped", () => {
    expect(changesNothing({ NIGHT: "END" }, { NIGHT: "END", KAFKA_TOPIC: null })).toBe(true);
    expect(
      changesNothing({ NIGHT: "END", KAFKA_TOPIC: "t" }, { NIGHT: "END", KAFKA_TOPIC: null }),
    ).toBe(false);
    expect(changesNothing({}, { NIGHT: "START" })).toBe(false);
  });

  it("handles keys that are names of Object.prototype members", () => {
    // JSON.parse makes an own `__proto__` key, as metadata read from an API can have
    const changes = JSON.parse('{"__proto__": "b", "toString": null}') as Record<
      string,
      string | null
    >;
    const merged = mergeMetadata({ constructor: "a" }, changes);
    expect(Object.entries(merged)).toEqual([
      ["constructor", "a"],
      ["__proto__", "b"],
    ]);
    expect(changesNothing({}, { constructor: null })).toBe(true);
    expect(changesNothing({}, { constructor: "x" })).toBe(false);
  });

  it("merging never touches keys outside the changes, and applies every change", () => {
    const key = fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/),
      fc.constantFrom("__proto__", "constructor", "toString", "NIGHT", "KAFKA_TOPIC"),
    );
    fc.assert(
      fc.property(
        fc.dictionary(key, fc.string()),
        fc.dictionary(key, fc.option(fc.string(), { nil: null })),
        (current, changes) => {
          const merged = mergeMetadata(current, changes);
          for (const [k, v] of Object.entries(current)) {
            if (!Object.hasOwn(changes, k)) expect(merged[k]).toBe(v);
          }
          for (const [k, v] of Object.entries(changes)) {
            if (v === null) expect(Object.hasOwn(merged, k)).toBe(false);
            else expect(merged[k]).toBe(v);
          }
          expect(changesNothing(merged, changes)).toBe(true);
        },
      ),
    );
  });
});
