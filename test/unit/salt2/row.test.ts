/**
 * The `salt2` row of a fit (docs/spec/broker.md §6): the table's columns exactly, the 25 covariances
 * row-major from the fit's matrix, 0 for fixed parameters, null for NaN, and a row the table
 * accepts.
 */
import { describe, expect, it } from "vitest";
import { Alert } from "@pgb/broker-utils/alerts";
import { validateRow } from "@pgb/broker-utils/bigquery";
import { SALT2_PARAMETERS, salt2TableSchema } from "@pgb/broker-utils/instance";
import { lightCurve } from "@pgb/broker-utils/photometry";
import { fitSalt2, PRODUCT_FIT_CONFIG, salt2Row, type FitResult } from "@pgb/salt2";
import { readData } from "@pgb/test-data";
import { ZTF_KIT } from "@pgb/test-data/ztf-kit";

const P = SALT2_PARAMETERS;
const PRZFG = ZTF_KIT.find((k) => k.objectId === "ZTF21abprzfg")!;
const alert = Alert.fromBytes(readData(PRZFG.file), { survey: "ztf" });
const epochs = lightCurve(alert);
const fit = fitSalt2(epochs, PRODUCT_FIT_CONFIG);

describe("salt2 row", () => {
  it("has exactly the table's columns, in its order, and fits the table", () => {
    const row = salt2Row(alert, fit);
    expect(Object.keys(row)).toEqual(salt2TableSchema().map((f) => f.name));
    expect(Object.keys(row).filter((k) => k.endsWith("_cov"))).toHaveLength(25);
    expect(validateRow(row, salt2TableSchema())).toEqual([]);
  });

  it("carries the fit: ids, summary, parameters, errors and the covariance row-major", () => {
    const row = salt2Row(alert, fit);
    expect(row).toMatchObject({
      objectId: "ZTF21abprzfg",
      candid: "1704377621415015002",
      success: fit.success ? 1 : 0,
      ncall: fit.ncall,
      chisq: fit.chisq,
      ndof: fit.ndof,
    });
    // all five varied: the matrix is 5 × 5 in the table's order
    expect(fit.vparamNames).toEqual(P);
    P.forEach((a, i) => {
      expect(row[a]).toBe(fit.params[a]);
      expect(row[`${a}_err`]).toBe(fit.errors[a]);
      P.forEach((b, j) => expect(row[`${a}_${b}_cov`]).toBe(fit.covariance[i]![j]));
    });
    // an interior fit (docs/spec/salt2.md §6.8): positive variances, a symmetric matrix
    expect(fit.atBound).toEqual([]);
    for (const a of P) {
      expect(row[`${a}_${a}_cov`]!).toBeGreaterThan(0);
      expect(row[`${a}_err`]!).toBeCloseTo(Math.sqrt(row[`${a}_${a}_cov`]!), 12);
      // exactly symmetric: the fitter symmetrises its inverse
      for (const b of P) expect(row[`${a}_${b}_cov`]).toBe(row[`${b}_${a}_cov`]);
    }
    expect(row["z_t0_cov"]).toBe(fit.covariance[0]![1]);
    expect(row["x1_c_cov"]).toBe(fit.covariance[3]![4]);
  });

  it("a fixed parameter has error 0 and covariance 0; the others keep their place", () => {
    const fixedZ = fitSalt2(epochs, {
      ...PRODUCT_FIT_CONFIG,
      vary: ["t0", "x0", "x1", "c"],
      params: { z: 0.03 },
    });
    expect(fixedZ.vparamNames).toEqual(["t0", "x0", "x1", "c"]);
    const row = salt2Row(alert, fixedZ);
    expect(row["z"]).toBe(0.03);
    expect(row["z_err"]).toBe(0);
    for (const p of P) {
      expect(row[`z_${p}_cov`]).toBe(0);
      expect(row[`${p}_z_cov`]).toBe(0);
    }
    expect(row["t0_t0_cov"]).toBe(fixedZ.covariance[0]![0]);
    expect(row["x1_c_cov"]).toBe(fixedZ.covariance[2]![3]);
    expect(row["c_err"]).toBe(fixedZ.errors.c);
    expect(validateRow(row, salt2TableSchema())).toEqual([]);
  });

  it("NaN, ±Infinity and missing entries become null; the row stays valid JSON for BigQuery", () => {
    const broken: FitResult = {
      ...fit,
      success: false,
      chisq: Infinity,
      params: { ...fit.params, x1: NaN },
      errors: { ...fit.errors, c: NaN },
      covariance: [[NaN], ...fit.covariance.slice(1)],
    };
    const row = salt2Row(alert, broken);
    expect(row).toMatchObject({ success: 0, chisq: null, x1: null, c_err: null, z_z_cov: null });
    // row 0 has one entry: the other four are missing
    expect(P.slice(1).map((b) => row[`z_${b}_cov`])).toEqual([null, null, null, null]);
    expect(JSON.parse(JSON.stringify(row))).toEqual(row);
    expect(validateRow(row, salt2TableSchema())).toEqual([]);
  });
});
