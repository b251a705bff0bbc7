/**
 * The `salt2` row of a fit (docs/spec/broker.md §6): objectId, candid, success, ncall, chisq, ndof, the five
 * parameters, their errors and the 25 covariances `{a}_{b}_cov` row-major in sncosmo's parameter
 * order, and the fit's quality verdict (`quality`, `quality_reasons`: ./quality.ts), exactly the
 * columns of `salt2TableSchema()`. The same object is the `salt2Fit` of the `salt2` message (there
 * with candid as a JSON integer): candid a decimal string, NaN/±Infinity null.
 *
 * A parameter the fit held fixed has error 0 and covariance 0 with every parameter (it has no
 * variance), so every column is filled whichever parameters were varied. A parameter that ends on a
 * bound has error and covariances 0 too (FitResult zeroes its row: the curvature there means
 * nothing).
 */
import { SALT2_PARAMETERS } from "@pgb/broker-utils/instance";
import type { FitResult } from "./fit.js";
import { salt2FitQuality, type Salt2Quality, type Salt2QualityReason } from "./quality.js";

type Param = (typeof SALT2_PARAMETERS)[number];

/** A FLOAT or INTEGER column: a finite number, or null for NaN/±Infinity. */
export type Salt2Number = number | null;

export type Salt2Row = {
  objectId: string;
  /** The alert's sourceId (ZTF candid, DECAT sourceid) as a decimal string: 64 bits stay exact. */
  candid: string;
  /** 1 or 0 (BigQuery INTEGER, as the reference wrote it). */
  success: number;
  ncall: number;
  chisq: Salt2Number;
  ndof: number;
  quality: Salt2Quality["quality"];
  quality_reasons: Salt2QualityReason[];
} & Record<Param | `${Param}_err` | `${Param}_${Param}_cov`, Salt2Number>;

function finite(x: number | undefined): Salt2Number {
  return x !== undefined && Number.isFinite(x) ? x : null;
}

export function salt2Row(alert: { objectId: string; sourceId: string }, fit: FitResult): Salt2Row {
  // index of each parameter in fit.covariance (varied parameters only, in vparamNames order)
  const index = new Map(fit.vparamNames.map((name, i) => [name, i]));
  const row: Record<string, string | number | null> = {
    objectId: alert.objectId,
    candid: alert.sourceId,
    success: fit.success ? 1 : 0,
    ncall: fit.ncall,
    chisq: finite(fit.chisq),
    ndof: fit.ndof,
  };
  for (const p of SALT2_PARAMETERS) row[p] = finite(fit.params[p]);
  for (const p of SALT2_PARAMETERS) row[`${p}_err`] = index.has(p) ? finite(fit.errors[p]) : 0;
  for (const a of SALT2_PARAMETERS) {
    for (const b of SALT2_PARAMETERS) {
      const i = index.get(a);
      const j = index.get(b);
      row[`${a}_${b}_cov`] =
        i === undefined || j === undefined ? 0 : finite(fit.covariance[i]?.[j]);
    }
  }
  const { quality, reasons } = salt2FitQuality(fit);
  return { ...row, quality, quality_reasons: reasons } as Salt2Row;
}
