/**
 * Light curves of an alert as sncosmo epochs (flux with zero point, MJD), previous sources first,
 * then the triggering source. Rules per survey:
 * - ZTF (docs/spec/broker.md §6, "SALT2 epochs"): records with finite magpsf, sigmapsf, magzpsci and jd and
 *   fid ∈ {1, 2, 3}; flux = s·10^(−0.4 (magpsf − magzpsci)) with s = −1 if isdiffpos ∈ {f, 0}, else 1;
 *   fluxerr = |flux|·sigmapsf·ln(10)/2.5; zp = magzpsci; band ztfg/ztfr/ztfi; detection ⇔
 *   isdiffpos ∈ {t, 1}. Upper limits (null magpsf) are not epochs.
 * - LSST, ELAsTiCC: psfFlux/psfFluxErr (psFlux/psFluxErr) in nJy, zp 31.4 AB (the schema map's
 *   fluxZeroPoint); band lsst<band>; detection ⇔ flux > 0 (a negative difference source is not a
 *   detection of a transient, as for ZTF). LSST adds its forced photometry (prvDiaForcedSources,
 *   the schema map's forcedSources) first: psfFlux measured at the object's position on earlier
 *   visits, never a detection (nothing was detected there; the flux is a measurement), and left out
 *   on a visit that has a DIA source of the same band and time (the DIA source is that visit's
 *   point; both measure the same difference image).
 * - DECAT (§6): flux, fluxerr and zp (magzp) from the source; band sdssg/sdssr; detection ⇔ mag
 *   not null.
 */
import type { Alert } from "../alerts/alert.js";
import type { AlertRecord, SchemaMap } from "../schema-maps/index.js";
import { magToFlux } from "./convert.js";
import type { Epoch } from "./epoch.js";

function finite(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function field(record: AlertRecord, name: string | null): unknown {
  return name === null ? undefined : record[name];
}

function bandpass(map: SchemaMap, source: AlertRecord): string | undefined {
  const band = map.band(source);
  return band === undefined ? undefined : map.fields.bandpassPrefix + band.toLowerCase();
}

function ztfEpoch(map: SchemaMap, source: AlertRecord): Epoch | undefined {
  const mag = finite(field(source, map.fields.magField));
  const magerr = finite(field(source, map.fields.magerrField));
  const zp = finite(field(source, map.fields.magzpField));
  const time = map.mjd(source);
  const band = bandpass(map, source);
  if (mag === undefined || magerr === undefined || zp === undefined) return undefined;
  if (time === undefined || band === undefined) return undefined;
  const isdiffpos = source["isdiffpos"];
  const sign = isdiffpos === "f" || isdiffpos === "0" ? -1 : 1;
  const { flux, fluxerr } = magToFlux(mag, magerr, zp);
  return {
    time,
    band,
    flux: sign * flux,
    fluxerr,
    zp,
    zpsys: "ab",
    detection: isdiffpos === "t" || isdiffpos === "1",
  };
}

function fluxEpoch(map: SchemaMap, source: AlertRecord, survey: string): Epoch | undefined {
  const flux = finite(field(source, map.fields.fluxField));
  const fluxerr = finite(field(source, map.fields.fluxerrField));
  const zp = map.fields.fluxZeroPoint ?? finite(field(source, map.fields.magzpField));
  const time = map.mjd(source);
  const band = bandpass(map, source);
  if (flux === undefined || fluxerr === undefined || zp === undefined) return undefined;
  if (time === undefined || band === undefined) return undefined;
  const mag = field(source, map.fields.magField);
  const detection = survey === "decat" ? mag !== null && mag !== undefined : flux > 0;
  return { time, band, flux, fluxerr, zp, zpsys: "ab", detection };
}

/** Forced-photometry epochs on visits without a DIA-source epoch of the same band and time. */
function forcedEpochs(alert: Alert, sourceEpochs: readonly Epoch[]): Epoch[] {
  const visits = new Set(sourceEpochs.map((e) => `${e.band} ${e.time}`));
  return (alert.forcedSources ?? []).flatMap((record) => {
    const epoch = fluxEpoch(alert.schemaMap, record, alert.survey);
    return epoch && !visits.has(`${epoch.band} ${epoch.time}`)
      ? [{ ...epoch, detection: false }]
      : [];
  });
}

/**
 * The alert's epochs: forced photometry (LSST), previous sources, then the triggering source;
 * unusable records skipped. Magnitudes follow with fluxToMag(flux, fluxerr, zp), for every survey.
 */
export function lightCurve(alert: Alert): Epoch[] {
  const map = alert.schemaMap;
  const sources = [...(alert.prvSources ?? []), ...(alert.source ? [alert.source] : [])];
  const epochs = sources.flatMap((source) => {
    const epoch =
      alert.survey === "ztf" ? ztfEpoch(map, source) : fluxEpoch(map, source, alert.survey);
    return epoch ? [epoch] : [];
  });
  return [...forcedEpochs(alert, epochs), ...epochs];
}

const CSV_COLUMNS = ["time", "band", "flux", "fluxerr", "zp", "zpsys"] as const;

/** The epochs as CSV with header `time,band,flux,fluxerr,zp,zpsys`; numbers round-trip exactly. */
export function epochsToCsv(epochs: readonly Epoch[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const epoch of epochs)
    lines.push(CSV_COLUMNS.map((column) => String(epoch[column])).join(","));
  return lines.join("\n") + "\n";
}
