import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Alert } from "@pgb/broker-utils/alerts";
import {
  epochsToCsv,
  fluxToMag,
  jdToMjd,
  lightCurve,
  magToFlux,
  MAG_TO_FLUX_ERROR,
  mjdToJd,
  type Epoch,
} from "@pgb/broker-utils/photometry";
import { reencodedAlert } from "../../fixtures/alerts/reencoded.js";
import { dataPath } from "@pgb/test-data";
import { decatContainer } from "../../fixtures/alerts/decat.js";

const ZTF = "ztf/alerts/v3.3/ZTF21abvawaj.1704264473315015001.ztf_20210901_programid1.avro";
const ZTF_WITH_LIMITS = "ztf/alerts/v4.02/2695378462115010012.avro";

describe("conversions", () => {
  it("propagate magnitude errors with ln(10)/2.5, not the reference's ln(10/2.5)", () => {
    expect(MAG_TO_FLUX_ERROR).toBeCloseTo(0.9210340372, 10);
    const { flux, fluxerr } = magToFlux(20, 0.1, 25);
    expect(flux).toBeCloseTo(100, 10);
    expect(fluxerr).toBeCloseTo(100 * 0.1 * 0.9210340372, 8);
    // S/N = 1.0857 / sigmapsf, so S/N >= 5 <=> sigmapsf <= 0.217
    expect(flux / fluxerr).toBeCloseTo(1.0857 / 0.1, 3);
  });

  it("invert each other, and a non-positive flux has no magnitude", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 10, max: 25, noNaN: true }),
        fc.double({ min: 0.001, max: 1, noNaN: true }),
        fc.double({ min: 20, max: 32, noNaN: true }),
        (mag, magerr, zp) => {
          const { flux, fluxerr } = magToFlux(mag, magerr, zp);
          const back = fluxToMag(flux, fluxerr, zp);
          expect(back.mag).toBeCloseTo(mag, 9);
          expect(back.magerr).toBeCloseTo(magerr, 9);
        },
      ),
    );
    expect(fluxToMag(-5, 1, 25).mag).toBeNaN();
  });

  it("convert jd and mjd", () => {
    expect(jdToMjd(2459000.5)).toBe(59000);
    expect(mjdToJd(59000)).toBe(2459000.5);
  });
});

/** ZTF21abvawaj with its candidate and previous candidates replaced. */
function ztfWith(
  candidate: Record<string, unknown>,
  prv: Record<string, unknown>[] | null = [],
): Alert {
  const bytes = reencodedAlert(ZTF, (record) => {
    const template = record["candidate"] as Record<string, unknown>;
    Object.assign(template, candidate);
    record["prv_candidates"] =
      prv?.map((edit) => ({ ...(record["prv_candidates"] as object[])[0], ...edit })) ?? null;
  });
  return Alert.fromBytes(bytes, { survey: "ztf" });
}

describe("ZTF light curve (spec §6 SALT2 epochs)", () => {
  it("turns a negative difference into a negative flux that is not a detection", () => {
    const alert = ztfWith({
      magpsf: 20,
      sigmapsf: 0.125,
      magzpsci: 25,
      jd: 2459000.5,
      fid: 2,
      isdiffpos: "f",
    });
    const [epoch] = lightCurve(alert);
    expect(epoch).toMatchObject({
      time: 59000,
      band: "ztfr",
      zp: 25,
      zpsys: "ab",
      detection: false,
    });
    expect(epoch!.flux).toBeCloseTo(-100, 10);
    expect(epoch!.fluxerr).toBeCloseTo(100 * 0.125 * MAG_TO_FLUX_ERROR, 10);
  });

  it("orders previous candidates first, then the candidate, and keeps only usable records", () => {
    const usable = { magpsf: 19, sigmapsf: 0.1, magzpsci: 26, isdiffpos: "t" };
    const alert = ztfWith({ ...usable, jd: 2459003.5, fid: 1 }, [
      { ...usable, jd: 2459001.5, fid: 3, isdiffpos: "1" },
      { ...usable, jd: 2459002.5, fid: 1, magpsf: null }, // upper limit
      { ...usable, jd: 2459002.6, fid: 2, magzpsci: Number.NaN },
      { ...usable, jd: 2459002.7, fid: 2, sigmapsf: Number.POSITIVE_INFINITY },
      { ...usable, jd: 2459002.8, fid: 4 }, // no such ZTF filter
      { ...usable, jd: 2459002.9, fid: 2, isdiffpos: "0" },
    ]);
    expect(
      lightCurve(alert).map((e) => [+e.time.toFixed(6), e.band, e.detection, Math.sign(e.flux)]),
    ).toEqual([
      [59001, "ztfi", true, 1],
      [59002.4, "ztfr", false, -1],
      [59003, "ztfg", true, 1],
    ]);
  });

  it("matches the spec formula on every record of a real alert, upper limits left out", () => {
    const alert = Alert.fromFile(dataPath(ZTF_WITH_LIMITS));
    const records = [...alert.prvSources!, alert.source!];
    const usable = records.filter(
      (r) => typeof r.magpsf === "number" && Number.isFinite(r.magzpsci),
    );
    expect(usable.length).toBeLessThan(records.length);
    const epochs = lightCurve(alert);
    expect(epochs).toHaveLength(usable.length);
    epochs.forEach((epoch, i) => {
      const r = usable[i] as unknown as {
        [field in "magpsf" | "sigmapsf" | "magzpsci" | "jd" | "fid"]: number;
      } & { isdiffpos: string };
      const sign = r.isdiffpos === "f" || r.isdiffpos === "0" ? -1 : 1;
      const flux = sign * 10 ** (-0.4 * (r.magpsf - r.magzpsci));
      expect(epoch).toEqual({
        time: r.jd - 2400000.5,
        band: ["ztfg", "ztfr", "ztfi"][r.fid - 1],
        flux: expect.closeTo(flux, 12) as number,
        fluxerr: expect.closeTo((Math.abs(flux) * r.sigmapsf * Math.log(10)) / 2.5, 12) as number,
        zp: r.magzpsci,
        zpsys: "ab",
        detection: r.isdiffpos === "t" || r.isdiffpos === "1",
      });
    });
  });
});

describe("DECAT light curves (LSST: lsst-lightcurve.test.ts)", () => {
  it("DECAT: flux, fluxerr and magzp from the source, sdss bands, detection when mag is set", () => {
    const schema = {
      sourceFields: [
        ...["mjd", "flux", "fluxerr", "magzp"].map((name) => ({ name, type: "double" })),
        { name: "mag", type: ["null", "double"] },
        { name: "filter", type: "string" },
      ],
      history: true,
    };
    const g = "g DECam SDSS c0001 4720.0 1520.0";
    const trigger = { mjd: 59300.1, flux: 1200, fluxerr: 30, magzp: 29.5, mag: 21.8, filter: g };
    const earlier = {
      mjd: 59299.1,
      flux: 40,
      fluxerr: 30,
      magzp: 29.4,
      mag: null,
      filter: "r DECam SDSS c0002 6415.0 1480.0",
    };
    const alert = Alert.fromBytes(
      decatContainer(schema, [
        {
          objectid: "DC21x",
          sourceid: 1n,
          ra: 1,
          dec: 2,
          triggersource: trigger,
          sources: [earlier],
        },
      ]),
      { survey: "decat" },
    );
    expect(lightCurve(alert)).toEqual([
      {
        time: 59299.1,
        band: "sdssr",
        flux: 40,
        fluxerr: 30,
        zp: 29.4,
        zpsys: "ab",
        detection: false,
      },
      {
        time: 59300.1,
        band: "sdssg",
        flux: 1200,
        fluxerr: 30,
        zp: 29.5,
        zpsys: "ab",
        detection: true,
      },
    ]);
  });
});

describe("epochs CSV", () => {
  it("writes time,band,flux,fluxerr,zp,zpsys with numbers that read back exactly", () => {
    const epochs: Epoch[] = [
      {
        time: 59450.24102,
        band: "ztfg",
        flux: 331.43612,
        fluxerr: 104.75,
        zp: 26.038,
        zpsys: "ab",
        detection: true,
      },
      {
        time: 59451.5,
        band: "ztfr",
        flux: -0.1 + 0.2,
        fluxerr: 1e-7,
        zp: 25,
        zpsys: "ab",
        detection: false,
      },
    ];
    const csv = epochsToCsv(epochs);
    const [header, ...rows] = csv.trimEnd().split("\n");
    expect(header).toBe("time,band,flux,fluxerr,zp,zpsys");
    expect(rows.map((row) => row.split(","))).toEqual(
      epochs.map((e) => [
        String(e.time),
        e.band,
        String(e.flux),
        String(e.fluxerr),
        String(e.zp),
        "ab",
      ]),
    );
    expect(Number(rows[1]!.split(",")[2])).toBe(-0.1 + 0.2);
    expect(epochsToCsv([])).toBe("time,band,flux,fluxerr,zp,zpsys\n");
  });
});
