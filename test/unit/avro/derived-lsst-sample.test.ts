/**
 * The v11.1 fake alert in test/data is derived, not copied (lsst/alert_packet has no 11.1): it is
 * exactly what the committed derivation makes of Rubin's 11.0 sample, and that derivation is Avro
 * schema resolution — 11.0's values, and the fields 11.1 added at their defaults.
 */
import { describe, expect, it } from "vitest";
import { decodeSingleRecordContainer } from "@pgb/broker-utils/avro";
import { deriveLsstSample, samplePath } from "../../support/derive-lsst-sample.js";
import { readData } from "@pgb/test-data";

type Fields = Record<string, unknown>;

/** The fields lsst.v11_1.diaSource added to v11_0's, all nullable with default null. */
const ADDED_TO_DIA_SOURCE = ["exposureTime", "trailAlgorithm", "trail_flag", "reliabilityVersion"];

describe("the derived LSST v11.1 sample", () => {
  it("is byte for byte what test/support/derive-lsst-sample.ts makes of 11.0's", () => {
    expect(deriveLsstSample("11.0", "11.1").equals(readData(samplePath("11.1")))).toBe(true);
  });

  it("holds 11.0's values, the added diaSource fields null", () => {
    const from = decodeSingleRecordContainer(readData(samplePath("11.0"))).record as Fields;
    const to = decodeSingleRecordContainer(readData(samplePath("11.1"))).record as Fields;
    const withoutAdded = (source: unknown): Fields => {
      const copy = { ...(source as Fields) };
      for (const name of ADDED_TO_DIA_SOURCE) {
        expect(copy[name], name).toBeNull();
        delete copy[name];
      }
      return copy;
    };
    expect(withoutAdded(to["diaSource"])).toEqual({ ...(from["diaSource"] as Fields) });
    expect((to["prvDiaSources"] as unknown[]).map(withoutAdded)).toEqual(
      (from["prvDiaSources"] as Fields[]).map((source) => ({ ...source })),
    );
    expect({ ...(to["diaObject"] as Fields) }).toEqual({ ...(from["diaObject"] as Fields) });
    expect(to["diaSourceId"]).toBe(from["diaSourceId"]);
  });
});
