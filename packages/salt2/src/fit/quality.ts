/**
 * The quality verdict of a SALT2 fit: `success` only says the minimiser converged (Minuit's
 * `is_valid`), not that the result describes a supernova. A fit is `poor` when any of these holds,
 * each a stable reason code (the `quality_reasons` column of the `salt2` row):
 *
 * - `not-converged`: success is false;
 * - `x0-not-positive`: x0 ≤ 0, a negative flux amplitude, which no supernova has;
 * - `ndof-not-positive`: no more points than varied parameters, so χ² and the errors say nothing;
 * - `{z|x1|c}-at-bound`: the parameter ends on the product's bound (docs/value-added.md): the true
 *   minimum is outside the box and the value is the box's edge, its error 0;
 * - `chisq-per-dof`: χ²/ndof above MAX_CHISQ_PER_DOF, the model does not describe the light curve;
 * - `errors-not-finite`: a varied parameter's error or χ² is NaN or infinite.
 *
 * The verdict is computed from the fit alone, so the same fit always gets the same verdict.
 */
import type { FitResult } from "./fit.js";

/**
 * χ²/ndof above which a fit is poor. A good SALT2 fit of ZTF photometry has χ²/ndof of about 1–3
 * (ZTF's alert errors are known to be somewhat underestimated); 10 leaves that margin several times
 * over and still catches a light curve the model cannot follow (docs/value-added.md).
 */
export const MAX_CHISQ_PER_DOF = 10;

/** The attribute of a `salt2` message that carries the verdict (always `good` on the stream). */
export const SALT2_QUALITY_ATTRIBUTE = "salt2Quality";

/** Parameters whose product bounds are physical limits of the search, not of the data. */
const BOUNDED = ["z", "x1", "c"] as const;

export type Salt2QualityReason =
  | "not-converged"
  | "x0-not-positive"
  | "ndof-not-positive"
  | `${(typeof BOUNDED)[number]}-at-bound`
  | "chisq-per-dof"
  | "errors-not-finite";

export interface Salt2Quality {
  quality: "good" | "poor";
  /** Empty for a good fit; in the order of the list above. */
  reasons: Salt2QualityReason[];
}

export function salt2FitQuality(fit: FitResult): Salt2Quality {
  const reasons: Salt2QualityReason[] = [];
  if (!fit.success) reasons.push("not-converged");
  if (!(fit.params.x0 > 0)) reasons.push("x0-not-positive");
  if (fit.ndof <= 0) reasons.push("ndof-not-positive");
  for (const p of BOUNDED) {
    if (fit.atBound.includes(p)) reasons.push(`${p}-at-bound`);
  }
  if (fit.ndof > 0 && fit.chisq / fit.ndof > MAX_CHISQ_PER_DOF) reasons.push("chisq-per-dof");
  const errors = fit.vparamNames.map((p) => fit.errors[p]);
  if (!Number.isFinite(fit.chisq) || errors.some((e) => e === undefined || !Number.isFinite(e))) {
    reasons.push("errors-not-finite");
  }
  return { quality: reasons.length === 0 ? "good" : "poor", reasons };
}
