/**
 * The LSST filters (docs/spec/broker.md §6, docs/value-added.md) on every real Rubin alert of
 * test/data/lsst and on Rubin's sample alert of every bundled version; each verdict is justified by
 * the diaSource fields in `fields`.
 */
import { describe, expect, it } from "vitest";
import { Alert } from "@pgb/broker-utils/alerts";
import { runFilters } from "@pgb/broker-utils/filters";
import { fakeAlertPath, LSST_VERSIONS } from "../../fixtures/alerts/lsst-wire.js";
import { realLsstAlert, realLsstAlertNames } from "../../fixtures/alerts/lsst-real.js";
import { dataPath } from "@pgb/test-data";
import { expectVerdicts } from "./verdicts.js";

type Criterion =
  | "reliability"
  | "snr"
  | "psfFluxFlag"
  | "pixelFlags"
  | "notDipole"
  | "notGlint"
  | "positive"
  | "notMoving"
  | "notSolarSystem";

const PURITY: Criterion[] = [
  "reliability",
  "snr",
  "psfFluxFlag",
  "pixelFlags",
  "notDipole",
  "notGlint",
];

interface Case {
  name: string;
  /** The diaSource fields the verdicts follow from: rel = reliability, S/N = |psfFlux|/psfFluxErr,
   * flux = psfFlux (nJy), pos = positive DIA sources (diaSource ∪ prvDiaSources) over their span. */
  fields: string;
  failing: Criterion[];
}

const W9 = "lsst/alerts/confluent_wire_v9.0/";
const F74 = "lsst/alerts/fink_spark_v7.4/";
const F9 = "lsst/alerts/fink_spark_v9.0/";
const C71 = "lsst/alerts/container_v7.1/schema_701.avro#";

/**
 * Purity: reliability ≥ 0.5, S/N ≥ 5, psfFlux_flag false, pixel flags false, isDipole and
 * glint_trail false where the version has them (v8+). Extragalactic: psfFlux > 0; ≥ 2 positive DIA
 * sources spanning ≥ 30 min; ssObjectId null or 0. Every real alert here has ssObjectId 0 unless
 * said otherwise, and every flag false unless named.
 */
const CASES: Case[] = [
  {
    name: `${W9}7912941781254298.avro`,
    fields: "rel .112 < .5, S/N 5.00, flux −1230 (negative), no previous sources",
    failing: ["reliability", "positive", "notMoving"],
  },
  {
    name: `${F74}58804293150441527_58804293150441527.avro`,
    fields: "rel 1.00, S/N 10.0; flux −5874, 5 previous all negative: pos 0",
    failing: ["positive", "notMoving"],
  },
  {
    name: `${F74}58804302898003989_58804302898003989.avro`,
    fields: "S/N 3273/1015 = 3.22 < 5; flux 3273 > 0, pos 6 over 0.0058 d (8.3 min) < 30 min",
    failing: ["snr", "notMoving"],
  },
  {
    name: `${F74}58804303023833092_58804303023833092.avro`,
    fields: "pixelFlags_saturatedCenter and _interpolatedCenter set (S/N 670); flux −736416, pos 0",
    failing: ["pixelFlags", "positive", "notMoving"],
  },
  {
    name: `${F74}58804311353720874_58804311353720874.avro`,
    fields: "pixelFlags_saturatedCenter and _interpolatedCenter set (S/N 451); flux −542436, pos 0",
    failing: ["pixelFlags", "positive", "notMoving"],
  },
  {
    name: `${F74}58804311362109450_58804311362109450.avro`,
    fields: "S/N 2176/824 = 2.64 < 5; flux −2176 negative, but 7 positive previous over 0.131 d",
    failing: ["snr", "positive"],
  },
  {
    name: `${F74}58804319650054150_58804319650054150.avro`,
    fields: "rel 1.00, S/N 7.21; flux −10657, pos 2 over 0.00072 d (1 min)",
    failing: ["positive", "notMoving"],
  },
  {
    name: `${F74}58804319650054153_58804319650054153.avro`,
    fields: "rel 1.00, S/N 7.77; flux −10882, pos 2 over 0.00072 d (1 min)",
    failing: ["positive", "notMoving"],
  },
  {
    name: `${F74}58804327023640715_58804327023640715.avro`,
    fields: "rel 1.00, S/N 6.57; flux −6311 negative, 6 positive previous over 0.132 d",
    failing: ["positive"],
  },
  {
    name: `${F9}169298432598474793_169298432598474793.avro`,
    fields: "rel .505, S/N 5.29, isDipole and glint_trail false; flux 3028, pos 1 (no history)",
    failing: ["notMoving"],
  },
  {
    name: `${F9}169298432645136561_169298432645136561.avro`,
    fields: "psfFlux_flag set (rel .998); flux 32927, pos 1, ssObjectId 21164719644750924",
    failing: ["psfFluxFlag", "notMoving", "notSolarSystem"],
  },
  {
    name: `${F9}169298433314652171_169298433314652171.avro`,
    fields: "rel .292 < .5 (S/N 273); flux 362229, pos 2 over 0.0023 d (3.3 min)",
    failing: ["reliability", "notMoving"],
  },
  {
    name: `${F9}169298433340342300_169298433340342300.avro`,
    fields: "rel .996, S/N 49.5; flux 33692, pos 1, ssObjectId 21164719644750924",
    failing: ["notMoving", "notSolarSystem"],
  },
  {
    name: `${F9}169298433344012336_169298433344012336.avro`,
    fields: "rel .980, S/N 5.62; flux 3784, pos 1 (no history)",
    failing: ["notMoving"],
  },
  {
    name: `${F9}169298433351876723_169298433351876723.avro`,
    fields: "rel .590, S/N 5.17; flux 3597, pos 1 (no history)",
    failing: ["notMoving"],
  },
  {
    name: `${C71}0`,
    fields: "rel .429 < .5, psfFlux_flag set (S/N 5.44); flux 127, pos 1",
    failing: ["reliability", "psfFluxFlag", "notMoving"],
  },
  {
    name: `${C71}1`,
    fields: "rel .353, psfFlux_flag set; flux −131, pos 0",
    failing: ["reliability", "psfFluxFlag", "positive", "notMoving"],
  },
  {
    name: `${C71}2`,
    fields: "rel .327, psfFlux_flag set; flux −192, pos 0",
    failing: ["reliability", "psfFluxFlag", "positive", "notMoving"],
  },
  {
    name: `${C71}3`,
    fields: "rel .406, S/N 138/28.0 = 4.93 < 5, psfFlux_flag set; flux −138, pos 0",
    failing: ["reliability", "snr", "psfFluxFlag", "positive", "notMoving"],
  },
  {
    name: `${C71}4`,
    fields: "rel .455, S/N 4.85, psfFlux_flag set; flux −111, pos 0",
    failing: ["reliability", "snr", "psfFluxFlag", "positive", "notMoving"],
  },
  {
    name: `${C71}5`,
    fields: "rel .604, S/N 5.89, no flag; flux 256, pos 1",
    failing: ["notMoving"],
  },
  {
    name: `${C71}6`,
    fields: "rel .357, psfFlux_flag set; flux −228, pos 0",
    failing: ["reliability", "psfFluxFlag", "positive", "notMoving"],
  },
  {
    name: `${C71}7`,
    fields: "rel .452, S/N 97.5/22.8 = 4.28; flux 97.5, pos 1",
    failing: ["reliability", "snr", "notMoving"],
  },
  {
    name: `${C71}8`,
    fields: "rel .466, psfFlux_flag set (S/N 8.85); flux 216, pos 1",
    failing: ["reliability", "psfFluxFlag", "notMoving"],
  },
  {
    name: `${C71}9`,
    fields:
      "rel .599, S/N 33.8/40.0 = 0.84 (detection snr 7.0); flux 33.8, pos 2 over 0.0193 d (27.8 min)",
    failing: ["snr", "notMoving"],
  },
];

describe("LSST filters on the real Rubin alerts of test/data/lsst", () => {
  it("the table covers every real alert", () => {
    expect(CASES.map((c) => c.name).sort()).toEqual(realLsstAlertNames().sort());
  });

  it.each(CASES)("$name: $fields", ({ name, failing }) => {
    expectVerdicts(realLsstAlert(name), failing, PURITY);
  });

  it("reports the values it judged, ids exact", () => {
    const { pure, extragalacticTransient } = runFilters(realLsstAlert(CASES[10]!.name));
    expect(pure.reasons["reliability"]!.value).toBeCloseTo(0.9977, 4);
    expect(extragalacticTransient.reasons["notSolarSystem"]!.value).toBe("21164719644750924");
    const saturated = runFilters(realLsstAlert(CASES[3]!.name)).pure.reasons["pixelFlags"]!;
    expect(saturated.value).toEqual({
      pixelFlags_saturatedCenter: true,
      pixelFlags_interpolatedCenter: true,
    });
  });
});

/**
 * Rubin's sample alert of each version: reliability and every flag null (impure: a null operand
 * fails); psfFlux 1241 nJy with two identical previous sources. v7's sample dates all three at
 * MJD 1480360995 (span 0); from v8 on they span 2 d, and no ssObjectId: extragalactic.
 */
describe("LSST filters on Rubin's sample alert of every bundled version", () => {
  it.each(LSST_VERSIONS)("$version", ({ version, label }) => {
    const alert = Alert.fromFile(dataPath(fakeAlertPath(version)));
    const v8 = !label.startsWith("v7_");
    const failing: Criterion[] = [
      "reliability",
      "psfFluxFlag",
      "pixelFlags",
      ...(v8 ? (["notDipole", "notGlint"] as const) : []),
      ...(v8 ? [] : (["notMoving"] as const)),
    ];
    expectVerdicts(alert, failing, PURITY);
    const { pure } = runFilters(alert);
    // the dipole and glint criteria exist exactly where the version has the fields
    expect("notDipole" in pure.reasons).toBe(v8);
    expect("pixelFlags_nodataCenter" in (pure.reasons["pixelFlags"]!.value as object)).toBe(
      !["v7_0", "v7_1", "v7_2", "v7_3"].includes(label),
    );
  });
});
