/**
 * The quality verdict of a SALT2 fit: every reason on a fit made to show it, and the verdicts of
 * the product fit on the 12 fitted kit alerts (ztf-kit.ts), ZTF18aawmdot among the poor ones.
 */
import { describe, expect, it } from "vitest";
import { Alert } from "@pgb/broker-utils/alerts";
import { validateRow } from "@pgb/broker-utils/bigquery";
import { salt2TableSchema } from "@pgb/broker-utils/instance";
import { lightCurve } from "@pgb/broker-utils/photometry";
import {
  fitSalt2,
  MAX_CHISQ_PER_DOF,
  PRODUCT_FIT_CONFIG,
  salt2FitQuality,
  salt2Row,
  type FitResult,
} from "@pgb/salt2";
import { readData } from "@pgb/test-data";
import { ZTF_KIT } from "@pgb/test-data/ztf-kit";

const FITTED = ZTF_KIT.filter((k) => k.fit);
const fits = new Map(
  FITTED.map((k) => {
    const alert = Alert.fromBytes(readData(k.file), { survey: "ztf" });
    return [k.objectId, { alert, fit: fitSalt2(lightCurve(alert), PRODUCT_FIT_CONFIG) }];
  }),
);
const good = fits.get("ZTF21abprzfg")!.fit;

describe("salt2FitQuality", () => {
  it("a converged interior fit with χ²/ndof ≈ 0.2 is good", () => {
    expect(salt2FitQuality(good)).toEqual({ quality: "good", reasons: [] });
  });

  it.each<[string, Partial<FitResult>, string[]]>([
    ["not converged", { success: false }, ["not-converged"]],
    ["x0 = 0", { params: { ...good.params, x0: 0 } }, ["x0-not-positive"]],
    ["x0 NaN", { params: { ...good.params, x0: Number.NaN } }, ["x0-not-positive"]],
    ["ndof = 0", { ndof: 0 }, ["ndof-not-positive"]],
    ["ndof < 0", { ndof: -2, chisq: 50 }, ["ndof-not-positive"]],
    ["c on its bound", { atBound: ["c"] }, ["c-at-bound"]],
    [
      "z and x1 on their bounds, t0 too",
      { atBound: ["z", "t0", "x1"] },
      ["z-at-bound", "x1-at-bound"],
    ],
    [
      "χ²/ndof just above the limit",
      { chisq: MAX_CHISQ_PER_DOF * 7 + 0.01, ndof: 7 },
      ["chisq-per-dof"],
    ],
    ["χ²/ndof at the limit", { chisq: MAX_CHISQ_PER_DOF * 7, ndof: 7 }, []],
    ["an error NaN", { errors: { ...good.errors, x1: Number.NaN } }, ["errors-not-finite"]],
    ["an error missing", { errors: { ...good.errors, c: undefined } }, ["errors-not-finite"]],
    ["χ² infinite", { chisq: Infinity }, ["chisq-per-dof", "errors-not-finite"]],
  ])("%s", (_, change, reasons) => {
    expect(salt2FitQuality({ ...good, ...change })).toEqual({
      quality: reasons.length === 0 ? "good" : "poor",
      reasons,
    });
  });

  it("ZTF18aawmdot (x0 < 0, c = −4.16, χ²/ndof = 579.9/4, success true) is poor, with its reasons", () => {
    const { fit } = fits.get("ZTF18aawmdot")!;
    expect(fit.success).toBe(true);
    expect(fit.params.x0).toBeLessThan(0);
    expect(fit.params.c).toBeCloseTo(-4.16, 2);
    expect(fit.chisq / fit.ndof).toBeGreaterThan(100);
    expect(salt2FitQuality(fit)).toEqual({
      quality: "poor",
      reasons: ["x0-not-positive", "chisq-per-dof"],
    });
  });

  it.each(FITTED.map((k) => [k.objectId, k] as const))(
    "kit alert %s gets the verdict ztf-kit.ts gives",
    (objectId, kit) => {
      const { fit } = fits.get(objectId)!;
      expect(salt2FitQuality(fit).reasons).toEqual(kit.qualityReasons);
    },
  );

  it("three kit fits with ndof = 0 are poor, though all report success", () => {
    const zero = FITTED.filter((k) => fits.get(k.objectId)!.fit.ndof === 0);
    expect(zero.map((k) => k.objectId)).toEqual(["ZTF18abmsrfx", "ZTF18aboetso", "ZTF19aatvxcs"]);
    for (const k of zero) {
      const { fit } = fits.get(k.objectId)!;
      expect(fit.success).toBe(true);
      expect(salt2FitQuality(fit).quality).toBe("poor");
    }
  });
});

describe("the verdict in the salt2 row", () => {
  it("quality and quality_reasons are columns the table accepts, for a good and a poor fit", () => {
    for (const objectId of ["ZTF21abprzfg", "ZTF18aawmdot"]) {
      const { alert, fit } = fits.get(objectId)!;
      const row = salt2Row(alert, fit);
      expect(validateRow(row, salt2TableSchema())).toEqual([]);
      expect([row.quality, row.quality_reasons]).toEqual([
        salt2FitQuality(fit).quality,
        salt2FitQuality(fit).reasons,
      ]);
    }
  });
});
