import { describe, expect, it } from "vitest";
import { alertAttributes, idsFromAttributes } from "@pgb/broker-utils/alerts";
import { LSST_V90_ATTRIBUTES } from "../../fixtures/alerts/attributes.js";

const LSST = {
  objectIdPath: ["diaObject", "diaObjectId"],
  objectId: "7912941781254298",
  sourceIdPath: ["diaSource", "diaSourceId"],
  sourceId: "7912941781254298",
  schemaVersion: "v9_0",
  ra: 55.75212760972686,
  dec: -32.26847858422095,
  previousSources: 0,
};

describe("alertAttributes (pittgoogle-client's names)", () => {
  it("names nested ids by their path joined with _ and writes the order-29 pixel in full", () => {
    expect(alertAttributes(LSST)).toEqual(LSST_V90_ATTRIBUTES);
  });

  it("leaves out the pixels of a position off the sky or missing, and an unknown version", () => {
    for (const [ra, dec] of [
      [400, 0],
      [10, -91],
      [undefined, 5],
    ] as const) {
      const out = alertAttributes({ ...LSST, ra, dec, schemaVersion: undefined });
      expect(Object.keys(out)).toEqual([
        "diaObject_diaObjectId",
        "diaSource_diaSourceId",
        "n_previous_detections",
      ]);
    }
  });
});

describe("idsFromAttributes", () => {
  it.each([
    [
      { objectId: "ZTF18abudxnw", candid: "2695378462115010012" },
      "ZTF18abudxnw",
      "2695378462115010012",
    ],
    [{ diaObject_diaObjectId: "1", diaSource_diaSourceId: "2" }, "1", "2"],
    [{ ssSource_ssObjectId: "3", diaSource_diaSourceId: "4" }, "3", "4"],
    [{ objectid: "DC21abc", sourceid: "9000000000000000123" }, "DC21abc", "9000000000000000123"],
    [{ "kafka.topic": "t" }, undefined, undefined],
  ])("reads %j under any survey's names", (attributes, objectId, sourceId) => {
    expect(idsFromAttributes(attributes)).toEqual({ objectId, sourceId });
  });
});
