/**
 * What value-added does with each real ZTF alert of the data kit (`test/data/ztf/alerts`, 53
 * files): the expected verdicts the unit and integration tests of the function check, and the
 * alerts the plot and value-added benches pick (`@pgb/test-data/ztf-kit`).
 *
 * Columns: file, objectId, sourceId, flags (P pure, X extragalactic transient, C passes the SALT2
 * quality cuts of the product's light curve, whether or not the alert is extragalactic), then the
 * product's detections and max S/N (signed flux, error factor ln(10)/2.5; docs/spec/broker.md §6). The
 * filter verdicts agree with test/unit/filters (which gives the failing criteria of 17 of these).
 *
 * An alert gets a fit when it is X and C: the 12 X alerts, all from the v3.3 set, all pass the cuts,
 * so every extragalactic kit alert gets a fit and none is skipped (the skip is exercised with
 * `exgalFailingCuts`).
 *
 * docs/spec/salt2.md §6.8 lists 8 of the 23 v3.3 alerts as failing the cuts with the reference's light
 * curve (unsigned flux, error factor ln 4 = 1.505 × ln(10)/2.5). With the product's, 7 of them still
 * fail and one passes:
 * - ZTF18abkizda: reference max S/N 4.7, product 7.13 (4.74 × 1.505) with 7 detections: passes, but
 *   it is not extragalactic (distpsnr1 0.41″, sgscore1 0.500), so it gets no fit either way;
 * - ztf_3.3_validschema_…: max S/N 3.4 → 5.14, now above 5, but 1 detection: still fails;
 * - ZTF18acyizaa and ztf_3.3_1154308030015010004: the candidate is negative (isdiffpos f), so its
 *   signed S/N is −17.4 / −11.7 and it is no detection: 0 detections;
 * - 472263571115115000, ZTF18abhmmsr, ZTF18abbwsvo (1 detection), ZTF18abefmzp (4): as before.
 * Of the 15 alerts the reference fits, ZTF18abeoiol, ZTF18ablxccg and ZTF18abvorxt pass the cuts
 * but are not extragalactic (so value-added fits them neither here nor in the reference, which also
 * fitted only extragalactic alerts); the other 12 are the fitted ones.
 */

export interface KitAlert {
  /** Path inside the data kit. */
  file: string;
  objectId: string;
  sourceId: string;
  pure: boolean;
  exgal: boolean;
  cuts: boolean;
  detections: number;
  maxSnr: number;
  /** Extragalactic and passing the cuts: a row and a plot. */
  fit: boolean;
  /** The fit's quality reasons (empty: a good fit, which alone gets a salt2 message); fits only. */
  qualityReasons?: readonly string[];
}

/**
 * The product fit's quality verdict of the 12 fitted alerts (salt2FitQuality; χ²/ndof and the
 * parameters as the fit gives them). 5 are good; 7 are poor and kept out of the salt2 stream.
 */
const FIT_QUALITY: Readonly<Record<string, readonly string[]>> = {
  // x0 = −3.5e−3, c = −4.16, χ²/ndof = 579.9/4
  ZTF18aawmdot: ["x0-not-positive", "chisq-per-dof"],
  ZTF18abiyatb: [],
  ZTF18ablpgeh: ["z-at-bound"], // z = 0.2
  ZTF18abmsrfx: ["ndof-not-positive"], // 5 points, 5 parameters
  ZTF18aboetso: ["ndof-not-positive"],
  ZTF19aatvxcs: ["ndof-not-positive", "z-at-bound"], // z = 0.01
  ZTF21aavuqzr: ["z-at-bound", "x1-at-bound"], // z = 0.2, x1 = 5
  ZTF21abngbrl: [],
  ZTF21abpiosb: [],
  ZTF21abprzfg: [],
  ZTF21abvawaj: ["z-at-bound"], // z = 0.2
  ZTF21abvicne: [],
};

type Flags = `${"P" | "-"}${"X" | "-"}${"C" | "-"}`;

const V33 = "ztf_20210901_programid1.avro";
const V33_0831 = "ztf_20210831_programid1.avro";

// prettier-ignore
const TABLE: [string, string, string, Flags, number, number][] = [
  ["fink_spark_v4.02/part-00000-0b960f60-420c-4175-b2cc-ff6b135bfece-c000.avro", "ZTF18abtrwym", "2481321673515010006", "---", 0, -3.49],
  ["fink_spark_v4.02/part-00000-463429e4-f15f-4305-b9ed-6710816b0823-c000.avro", "ZTF23abkkgmv", "2481174545615015015", "P--", 2, 25.91],
  ["fink_spark_v4.02/part-00000-79071d1f-dd3b-43dc-94b0-6b0d95c8c27b-c000.avro", "ZTF18aaadweo", "2481345490015015002", "P-C", 21, 60.74],
  ["v3.1/template_schema_ZTF_3p1.avro", "ZTF18acsbtlw", "697252381915015008", "---", 1, 38.27],
  ["v3.2/2019_01_10_739260766315010006.avro", "ZTF17aaacxxf", "739260766315010006", "---", 3, 6.92],
  ["v3.3/472263571115115000.avro", "ZTF17aaajnnn", "472263571115115000", "P--", 1, 11.55],
  [`v3.3/ZTF18aawmdot.1704269301615015026.${V33}`, "ZTF18aawmdot", "1704269301615015026", "PXC", 8, 51.05],
  [`v3.3/ZTF18abbwsvo.1703210606215015045.${V33_0831}`, "ZTF18abbwsvo", "1703210606215015045", "---", 1, 8.05],
  [`v3.3/ZTF18abefmzp.1703203221815015027.${V33_0831}`, "ZTF18abefmzp", "1703203221815015027", "---", 4, 22.3],
  [`v3.3/ZTF18abeoiol.1703210126115010063.${V33_0831}`, "ZTF18abeoiol", "1703210126115010063", "--C", 8, 15.4],
  [`v3.3/ZTF18abhmmsr.1703210603215015172.${V33_0831}`, "ZTF18abhmmsr", "1703210603215015172", "---", 1, 11.09],
  [`v3.3/ZTF18abiyatb.1704255124815015005.${V33}`, "ZTF18abiyatb", "1704255124815015005", "PXC", 11, 22.65],
  [`v3.3/ZTF18abkizda.1703209665915015001.${V33_0831}`, "ZTF18abkizda", "1703209665915015001", "--C", 7, 7.13],
  [`v3.3/ZTF18ablpgeh.1704168636115015025.${V33}`, "ZTF18ablpgeh", "1704168636115015025", "PXC", 9, 14.21],
  [`v3.3/ZTF18ablxccg.1703210122915015070.${V33_0831}`, "ZTF18ablxccg", "1703210122915015070", "--C", 18, 47.57],
  [`v3.3/ZTF18abmsrfx.1704189471615015091.${V33}`, "ZTF18abmsrfx", "1704189471615015091", "PXC", 5, 16.43],
  [`v3.3/ZTF18aboetso.1704167675315015038.${V33}`, "ZTF18aboetso", "1704167675315015038", "PXC", 5, 16.95],
  [`v3.3/ZTF18abvorxt.1703231753215015030.${V33_0831}`, "ZTF18abvorxt", "1703231753215015030", "--C", 5, 22.36],
  [`v3.3/ZTF18acyizaa.1703222170415010089.${V33_0831}`, "ZTF18acyizaa", "1703222170415010089", "---", 0, -17.37],
  [`v3.3/ZTF19aatvxcs.1704167674515015003.${V33}`, "ZTF19aatvxcs", "1704167674515015003", "PXC", 5, 10.63],
  [`v3.3/ZTF21aavuqzr.1704237176015015021.${V33}`, "ZTF21aavuqzr", "1704237176015015021", "PXC", 32, 12.83],
  [`v3.3/ZTF21abngbrl.1704376211815015000.${V33}`, "ZTF21abngbrl", "1704376211815015000", "PXC", 6, 9.77],
  [`v3.3/ZTF21abpiosb.1704227924715015016.${V33}`, "ZTF21abpiosb", "1704227924715015016", "PXC", 29, 8.1],
  [`v3.3/ZTF21abprzfg.1704377621415015002.${V33}`, "ZTF21abprzfg", "1704377621415015002", "PXC", 12, 20.18],
  [`v3.3/ZTF21abvawaj.1704264473315015001.${V33}`, "ZTF21abvawaj", "1704264473315015001", "PXC", 15, 10.32],
  [`v3.3/ZTF21abvicne.1704287286115015016.${V33}`, "ZTF21abvicne", "1704287286115015016", "PXC", 8, 18.86],
  ["v3.3/ztf_3.3_1154308030015010004.avro", "ZTF18acpmiyl", "1154308030015010004", "---", 0, -11.7],
  ["v3.3/ztf_3.3_validschema_1154446891615015011.avro", "ZTF20aarsexp", "1154446891615015011", "---", 1, 5.14],
  ["v4.01/2475433850015010009.avro", "ZTF17aadcvhq", "2475433850015010009", "---", 2, 14.39],
  ["v4.01/2475433850015015000.avro", "ZTF17aacymkh", "2475433850015015000", "---", 3, 10.59],
  ["v4.01/2475433850015015001.avro", "ZTF23abjjnqm", "2475433850015015001", "---", 1, 9.42],
  ["v4.01/2475433850015015010.avro", "ZTF23abjjnqk", "2475433850015015010", "P--", 1, 16.28],
  ["v4.01/2475433850015015022.avro", "ZTF17aacymkf", "2475433850015015022", "--C", 18, 23.4],
  ["v4.01/2475433850015015041.avro", "ZTF23abjjnql", "2475433850015015041", "---", 1, 15.3],
  ["v4.01/2475433850215010007.avro", "ZTF17aadhsbk", "2475433850215010007", "---", 0, -6.13],
  ["v4.01/2475433850215010008.avro", "ZTF19aainpua", "2475433850215010008", "---", 0, -4.14],
  ["v4.01/2475433850215015019.avro", "ZTF23abjjnqp", "2475433850215015019", "P--", 1, 9.61],
  ["v4.01/2475433850215015020.avro", "ZTF23abjjnqo", "2475433850215015020", "---", 1, 11.87],
  ["v4.01/2475433850315015003.avro", "ZTF23abjjncy", "2475433850315015003", "P--", 1, 17.0],
  ["v4.01/2475433850315015004.avro", "ZTF23abjjndb", "2475433850315015004", "---", 1, 5.7],
  ["v4.01/2475433850315015008.avro", "ZTF23abjjncz", "2475433850315015008", "P--", 1, 15.88],
  ["v4.01/2475433850315015009.avro", "ZTF17aadcuwj", "2475433850315015009", "P-C", 38, 100.52],
  ["v4.01/2475433850315015010.avro", "ZTF23abjjndc", "2475433850315015010", "---", 1, 5.38],
  ["v4.01/2475433850315015012.avro", "ZTF23abjjnda", "2475433850315015012", "---", 1, 14.17],
  ["v4.01/2475433850315015013.avro", "ZTF19abtktkd", "2475433850315015013", "---", 1, 6.43],
  ["v4.01/2475433850415015002.avro", "ZTF19aciwwya", "2475433850415015002", "---", 3, 9.38],
  ["v4.01/2475433850415015004.avro", "ZTF23abjjnhn", "2475433850415015004", "---", 1, 7.1],
  ["v4.01/2475433850415015005.avro", "ZTF23abjjnhl", "2475433850415015005", "---", 1, 11.69],
  ["v4.01/2475433850415015006.avro", "ZTF18acgbhmc", "2475433850415015006", "---", 4, 13.07],
  ["v4.01/2475433850415015007.avro", "ZTF23abjjnhp", "2475433850415015007", "---", 1, 6.39],
  ["v4.01/2475433850415015012.avro", "ZTF23abjjnhj", "2475433850415015012", "P--", 1, 16.92],
  ["v4.01/2475433850415015017.avro", "ZTF23abjjnhq", "2475433850415015017", "---", 1, 5.69],
  ["v4.02/2695378462115010012.avro", "ZTF18abudxnw", "2695378462115010012", "P--", 1, 6.07],
];

export const ZTF_KIT: readonly KitAlert[] = TABLE.map(
  ([file, objectId, sourceId, flags, detections, maxSnr]) => {
    const [pure, exgal, cuts] = [flags[0] === "P", flags[1] === "X", flags[2] === "C"];
    const reasons = FIT_QUALITY[objectId];
    return {
      file: `ztf/alerts/${file}`,
      objectId,
      sourceId,
      pure,
      exgal,
      cuts,
      detections,
      maxSnr,
      fit: exgal && cuts,
      ...(exgal && cuts && reasons !== undefined ? { qualityReasons: reasons } : {}),
    };
  },
);

/** The reference's 8 cut failures among the v3.3 alerts (docs/spec/salt2.md §6.8), by objectId. */
export const REFERENCE_CUT_FAILURES = [
  "ZTF17aaajnnn", // 472263571115115000
  "ZTF18abhmmsr",
  "ZTF18acyizaa",
  "ZTF18acpmiyl", // ztf_3.3_1154308030015010004
  "ZTF18abbwsvo",
  "ZTF18abefmzp",
  "ZTF18abkizda",
  "ZTF20aarsexp", // ztf_3.3_validschema_1154446891615015011
];
