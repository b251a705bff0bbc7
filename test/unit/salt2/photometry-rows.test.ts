import { describe, expect, it } from "vitest";
import { PhotometryError, photometryRows } from "@pgb/salt2";

describe("photometryRows", () => {
  const columns = {
    time: [1, 2],
    band: ["ztfg", "ztfr"],
    flux: [10, 20],
    fluxerr: [1, 2],
    zp: [25, 25],
    zpsys: ["ab", "ab"],
  };

  it("turns columns into rows, in order", () => {
    expect(photometryRows(columns)).toEqual([
      { time: 1, band: "ztfg", flux: 10, fluxerr: 1, zp: 25, zpsys: "ab" },
      { time: 2, band: "ztfr", flux: 20, fluxerr: 2, zp: 25, zpsys: "ab" },
    ]);
  });

  it("names a column of the wrong length", () => {
    expect(() => photometryRows({ ...columns, zp: [25] })).toThrow(PhotometryError);
    expect(() => photometryRows({ ...columns, zp: [25] })).toThrow(
      "column zp has 1 values, time has 2",
    );
  });
});
