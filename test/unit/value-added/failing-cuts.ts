/**
 * An extragalactic kit alert made to fail the SALT2 cuts, for the value-added tests (the kit's
 * verdicts are in `@pgb/test-data/ztf-kit`).
 */
import { ZTF_KIT } from "@pgb/test-data/ztf-kit";
import { reencodedAlert } from "../../fixtures/alerts/reencoded.js";

/** ZTF21abngbrl's kit file. */
function abngbrl(): string {
  const file = ZTF_KIT.find((a) => a.sourceId === "1704376211815015000")?.file;
  if (file === undefined) throw new Error("ZTF21abngbrl (candid …015000) left the ZTF kit");
  return file;
}
/** The synthetic candid of `exgalFailingCuts` (the kit alert's candid is …015000). */
export const FAILING_CUTS_CANDID = "1704376211815015099";

/**
 * A synthetic extragalactic alert that fails the cuts: ZTF21abngbrl (6 detections, span 30 d)
 * without its two latest positive previous detections (4 left, still spanning 30 d), with a
 * candid of its own so its derived messages cannot be mistaken for the kit alert's.
 */
export function exgalFailingCuts(): Buffer {
  const dropped = new Set([1684461371815015000n, 1689460901815015000n]);
  return reencodedAlert(abngbrl(), (record) => {
    const prv = record["prv_candidates"] as Record<string, unknown>[];
    record["prv_candidates"] = prv.filter((p) => !dropped.has(p["candid"] as bigint));
    (record["candidate"] as Record<string, unknown>)["candid"] = BigInt(FAILING_CUTS_CANDID);
    record["candid"] = BigInt(FAILING_CUTS_CANDID);
  });
}
