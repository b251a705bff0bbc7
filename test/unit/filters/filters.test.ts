import { describe, expect, it } from "vitest";
import { Alert } from "@pgb/broker-utils/alerts";
import { extragalacticTransientFilter, purityFilter, runFilters } from "@pgb/broker-utils/filters";
import { reencodedAlert } from "../../fixtures/alerts/reencoded.js";
import { dataPath } from "@pgb/test-data";
import { decatContainer } from "../../fixtures/alerts/decat.js";
import { expectVerdicts } from "./verdicts.js";

type Criterion =
  | "rb"
  | "nbad"
  | "fwhm"
  | "elong"
  | "magdiff"
  | "positive"
  | "notStar"
  | "notMoving"
  | "notSolarSystem";

interface Case {
  file: string;
  /** The candidate's fields the verdicts follow from (pos = positive detections, span in days). */
  fields: string;
  failing: Criterion[];
}

/**
 * Real ZTF alerts; `failing` lists every criterion that fails. Purity: rb ≥ 0.65, nbad = 0,
 * fwhm ≤ 5, elong ≤ 1.2, |magdiff| ≤ 0.1. Extragalactic: isdiffpos ∈ {t, 1}; distpsnr1 null or
 * > 1.5 else sgscore1 < 0.5; ≥ 2 positive detections spanning ≥ 1/48 d; ssdistnr null, < 0 or > 5.
 */
const CASES: Case[] = [
  {
    file: "ztf/alerts/v3.3/ZTF21abvawaj.1704264473315015001.ztf_20210901_programid1.avro",
    fields:
      "rb .874 nbad 0 fwhm 3.06 elong 1.144 magdiff -.021; t, distpsnr1 1.612 > 1.5, pos 15 over 8.02 d, ssdistnr -999",
    failing: [],
  },
  {
    file: "ztf/alerts/v3.3/ZTF18ablpgeh.1704168636115015025.ztf_20210901_programid1.avro",
    fields:
      "rb .834 fwhm 2.05 elong 1.043 magdiff -.0003; t, distpsnr1 .024 ≤ 1.5 but sgscore1 .488 < .5, pos 9 over 16.9 d",
    failing: [],
  },
  {
    file: "ztf/alerts/v3.3/ZTF18abmsrfx.1704189471615015091.ztf_20210901_programid1.avro",
    fields:
      "rb .766 fwhm 1.31 elong 1.073 magdiff .028; t, distpsnr1 .147 sgscore1 .328, pos 5 over 24 d, ssdistnr 15 > 5",
    failing: [],
  },
  {
    file: "ztf/alerts/v3.3/ZTF21abngbrl.1704376211815015000.ztf_20210901_programid1.avro",
    fields:
      "rb .801 fwhm 2.56 elong 1.128 magdiff .039; t, distpsnr1 9.52 > 1.5 (sgscore1 .5 irrelevant), pos 6 over 29.9 d",
    failing: [],
  },
  {
    file: "ztf/alerts/v3.3/ZTF18abkizda.1703209665915015001.ztf_20210831_programid1.avro",
    fields:
      "rb .649 < .65, magdiff .537 > .1; t, distpsnr1 .409 ≤ 1.5 and sgscore1 .500 not < .5, pos 7 over 29.9 d",
    failing: ["rb", "magdiff", "notStar"],
  },
  {
    file: "ztf/alerts/v3.3/ZTF18ablxccg.1703210122915015070.ztf_20210831_programid1.avro",
    fields:
      "rb .831, magdiff .1012 > .1; t, distpsnr1 .114 ≤ 1.5 and sgscore1 .639, pos 18 over 29.9 d",
    failing: ["magdiff", "notStar"],
  },
  {
    file: "ztf/alerts/v3.3/ZTF18abbwsvo.1703210606215015045.ztf_20210831_programid1.avro",
    fields:
      "elong 1.235 > 1.2, magdiff .377; t, distpsnr1 .365 sgscore1 .906, 1 positive detection",
    failing: ["elong", "magdiff", "notStar", "notMoving"],
  },
  {
    file: "ztf/alerts/v3.3/472263571115115000.avro",
    fields:
      "rb .843 fwhm 2.52 elong 1.158 magdiff -.010; t, distpsnr1 .089 sgscore1 .988, 1 positive detection",
    failing: ["notStar", "notMoving"],
  },
  {
    file: "ztf/alerts/v3.3/ZTF18acyizaa.1703222170415010089.ztf_20210831_programid1.avro",
    fields:
      "rb .573, magdiff .245; isdiffpos f, distpsnr1 .038 sgscore1 .990, no positive detection",
    failing: ["rb", "magdiff", "positive", "notStar", "notMoving"],
  },
  {
    file: "ztf/alerts/v3.1/template_schema_ZTF_3p1.avro",
    fields:
      "rb .477, magdiff .475; t, distpsnr1 1.457 ≤ 1.5 and sgscore1 .500 not < .5, pos 2 over 16.1 d",
    failing: ["rb", "magdiff", "notStar"],
  },
  {
    file: "ztf/alerts/v3.2/2019_01_10_739260766315010006.avro",
    fields: "rb .447, fwhm 5.72 > 5; isdiffpos f, distpsnr1 .251 sgscore1 .991, pos 3 over 2.06 d",
    failing: ["rb", "fwhm", "positive", "notStar"],
  },
  {
    file: "ztf/alerts/v4.01/2475433850015015041.avro",
    fields:
      "rb .720, fwhm 5.15 > 5; t, distpsnr1 17.3, 1 positive detection, ssdistnr 0 (neither < 0 nor > 5)",
    failing: ["fwhm", "notMoving", "notSolarSystem"],
  },
  {
    file: "ztf/alerts/v4.01/2475433850015010009.avro",
    fields:
      "rb .746, magdiff .245; isdiffpos f, distpsnr1 .582 sgscore1 .980, pos 2 (prv) over 6.97 d",
    failing: ["magdiff", "positive", "notStar"],
  },
  {
    file: "ztf/alerts/v4.01/2475433850315015003.avro",
    fields:
      "rb .773 fwhm 4.50 elong 1.042 magdiff -.021; t, distpsnr1 -999 (not null, ≤ 1.5) so sgscore1 -999 < .5, 1 positive, ssdistnr 0",
    failing: ["notMoving", "notSolarSystem"],
  },
  {
    file: "ztf/alerts/v4.01/2475433850415015007.avro",
    fields:
      "rb .413, fwhm 6.53, elong 1.227; t, distpsnr1 -999, 1 positive detection, ssdistnr 1.00",
    failing: ["rb", "fwhm", "elong", "notMoving", "notSolarSystem"],
  },
  {
    file: "ztf/alerts/v4.02/2695378462115010012.avro",
    fields:
      "rb .826 fwhm 2.68 elong 1.017 magdiff .0875; isdiffpos f, distpsnr1 .223 sgscore1 1.0, 1 positive (prv)",
    failing: ["positive", "notStar", "notMoving"],
  },
  {
    file: "ztf/alerts/fink_spark_v4.02/part-00000-463429e4-f15f-4305-b9ed-6710816b0823-c000.avro",
    fields:
      "rb .946 fwhm 2.10 elong 1.053 magdiff .027; t, distpsnr1 .176 sgscore1 .667, pos 2 over 1.95 d",
    failing: ["notStar"],
  },
];

const PURITY: Criterion[] = ["rb", "nbad", "fwhm", "elong", "magdiff"];

describe("filters on real ZTF alerts", () => {
  it.each(CASES)("$file: $fields", ({ file, failing }) => {
    expectVerdicts(Alert.fromFile(dataPath(file)), failing, PURITY);
  });

  it("reports the values and rules it judged", () => {
    const alert = Alert.fromFile(dataPath(CASES[0]!.file));
    const { reasons } = purityFilter(alert);
    expect(reasons["rb"]).toEqual({ pass: true, value: alert.source!["rb"], rule: "rb >= 0.65" });
    expect(extragalacticTransientFilter(alert).reasons["notMoving"]!.value).toEqual({
      positiveDetections: 15,
      spanDays: expect.closeTo(8.0235, 4) as number,
    });
  });
});

/** ZTF21abvawaj (passes both filters) with its candidate edited. */
const BASE = CASES[0]!.file;
function edited(
  candidate: Record<string, unknown>,
  prv?: (prv: Record<string, unknown>[]) => unknown,
): Alert {
  const bytes = reencodedAlert(BASE, (record) => {
    Object.assign(record["candidate"] as object, candidate);
    if (prv) record["prv_candidates"] = prv(record["prv_candidates"] as Record<string, unknown>[]);
  });
  return Alert.fromBytes(bytes, { survey: "ztf", input: BASE });
}

/** One previous positive detection at `jd`, copied from a real detection of the alert. */
function onePositiveAt(jd: number): (prv: Record<string, unknown>[]) => Record<string, unknown>[] {
  return (prv) => [{ ...prv.find((p) => p["candid"] !== null)!, jd, isdiffpos: "t" }];
}

describe("null, NaN and boundary rules (spec §6)", () => {
  it("nbad must be exactly 0", () => {
    expect(purityFilter(edited({ nbad: 1 })).reasons["nbad"]).toMatchObject({
      pass: false,
      value: 1,
    });
  });

  it("NaN counts as null, and a null operand fails its comparison", () => {
    const pure = purityFilter(edited({ rb: Number.NaN, magdiff: null }));
    expect(pure.reasons["rb"]).toMatchObject({ pass: false, value: null });
    expect(pure.reasons["magdiff"]).toMatchObject({ pass: false, value: null });
    expect(pure.pass).toBe(false);
  });

  it("notStar: a null distpsnr1 passes (the rule names null); a null sgscore1 near a source fails", () => {
    expect(
      extragalacticTransientFilter(edited({ distpsnr1: null, sgscore1: 0.99 })).reasons["notStar"]!
        .pass,
    ).toBe(true);
    expect(
      extragalacticTransientFilter(edited({ distpsnr1: 1.0, sgscore1: null })).reasons["notStar"]!
        .pass,
    ).toBe(false);
    expect(
      extragalacticTransientFilter(edited({ distpsnr1: 1.0, sgscore1: 0.25 })).reasons["notStar"]!
        .pass,
    ).toBe(true);
  });

  it("notSolarSystem: ssdistnr null, negative or beyond 5 arcsec passes", () => {
    const pass = (ssdistnr: number | null) =>
      extragalacticTransientFilter(edited({ ssdistnr })).reasons["notSolarSystem"]!.pass;
    expect([null, -999, 5.5, 4.5, 0].map(pass)).toEqual([true, true, true, false, false]);
  });

  it("positive means isdiffpos t or 1", () => {
    const positive = (isdiffpos: string) =>
      extragalacticTransientFilter(edited({ isdiffpos })).reasons["positive"]!.pass;
    expect(["t", "1", "f", "0"].map(positive)).toEqual([true, true, false, false]);
  });

  it("notMoving takes the sorted span: the spec's example the reference called moving", () => {
    // candidate at 2459000.80, one positive earlier detection at 2459000.70: span 0.10 d ≥ 1/48
    const alert = edited({ jd: 2459000.8, isdiffpos: "t" }, onePositiveAt(2459000.7));
    expect(extragalacticTransientFilter(alert).reasons["notMoving"]).toMatchObject({
      pass: true,
      value: { positiveDetections: 2, spanDays: expect.closeTo(0.1, 9) as number },
    });
  });

  it("notMoving needs 30 minutes between the positive detections", () => {
    const span = (minutes: number) =>
      extragalacticTransientFilter(
        edited({ jd: 2459000.8 }, onePositiveAt(2459000.8 - minutes / 1440)),
      ).reasons["notMoving"]!.pass;
    expect([29, 31].map(span)).toEqual([false, true]);
  });

  it("notMoving counts only positive detections (a negative candidate does not count)", () => {
    const alert = edited({ jd: 2459000.8, isdiffpos: "f" }, onePositiveAt(2459000.5));
    expect(extragalacticTransientFilter(alert).reasons["notMoving"]).toMatchObject({
      pass: false,
      value: { positiveDetections: 1, spanDays: null },
    });
    const noHistory = edited({}, () => null);
    expect(extragalacticTransientFilter(noHistory).reasons["notMoving"]!.pass).toBe(false);
  });
});

describe("other surveys", () => {
  it("ELAsTiCC: not applicable, and says so (LSST has its own: lsst-filters.test.ts)", () => {
    const elasticc = Alert.fromFile(
      dataPath(
        "elasticc/alerts/schemaless_v0_9/alert_mjd60563.1120_obj104044681_src208089362038.avro.gz",
      ),
      { survey: "elasticc", schemaVersion: "v0_9" },
    );
    const { pure, extragalacticTransient } = runFilters(elasticc);
    for (const result of [pure, extragalacticTransient]) {
      expect(result).toEqual({
        pass: false,
        applicable: false,
        reasons: {
          survey: {
            pass: false,
            value: "elasticc",
            rule: "filters exist for ztf, lsst and decat only",
          },
        },
      });
    }
  });

  it("DECAT: purity is rb >= 0.65 on the trigger source; extragalactic is always true", () => {
    const sourceFields = [{ name: "rb", type: ["null", "double"] }];
    const decat = (rb: number | null) =>
      Alert.fromBytes(
        decatContainer({ sourceFields }, [
          { objectid: "DC21x", sourceid: 9n, ra: 1, dec: 2, triggersource: { rb } },
        ]),
        { survey: "decat" },
      );
    expect([0.9, 0.5, null].map((rb) => purityFilter(decat(rb)).pass)).toEqual([
      true,
      false,
      false,
    ]);
    expect(extragalacticTransientFilter(decat(0.1))).toMatchObject({
      pass: true,
      applicable: true,
    });
  });
});
