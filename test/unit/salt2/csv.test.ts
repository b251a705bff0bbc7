import { describe, expect, it } from "vitest";

import { Salt2FormatError, parseLightCurveCsv } from "@pgb/salt2";

import { fixtureText } from "./fixtures.js";

describe("CSV light curves (sncosmo column names, docs/spec/salt2.md §3.1)", () => {
  it("reads LC-A", () => {
    const rows = parseLightCurveCsv(fixtureText("lc-a.csv"));
    expect(rows).toHaveLength(48);
    expect(rows[0]).toEqual({
      time: 58984.25,
      band: "ztfg",
      flux: 335.344,
      fluxerr: 26.37,
      zp: 26.3,
      zpsys: "ab",
    });
  });

  it("accepts aliases in any case and order and ignores extra columns", () => {
    const text =
      "# comment\nMJD,Filter,F,FluxErr,ZPT,MagSys,detection\n59000.5,ztfr,10.5,1.5,25,AB,true\n\n";
    expect(parseLightCurveCsv(text)).toEqual([
      { time: 59000.5, band: "ztfr", flux: 10.5, fluxerr: 1.5, zp: 25, zpsys: "AB" },
    ]);
  });

  it("names the missing column, duplicated aliases and bad values", () => {
    expect(() => parseLightCurveCsv("time,band,flux,fluxerr,zp\n", "lc.csv")).toThrow(
      new Salt2FormatError(
        "lc.csv: no zpsys column; name one of zpsys, zpmagsys, magsys (columns: time, band, flux, fluxerr, zp, zpsys)",
      ),
    );
    expect(() => parseLightCurveCsv("time,mjd,band,flux,fluxerr,zp,zpsys\n")).toThrow(
      /time and mjd are all aliases of time/,
    );
    expect(() => parseLightCurveCsv("time,band,flux,fluxerr,zp,zpsys\n1,ztfg,x,1,25,ab\n")).toThrow(
      /line 2: flux is not a number: x/,
    );
    expect(() => parseLightCurveCsv("time,band,flux,fluxerr,zp,zpsys\n1,ztfg,1,1,25\n")).toThrow(
      /line 2 has no zpsys value/,
    );
    expect(() => parseLightCurveCsv("")).toThrow(/empty table/);
  });
});
