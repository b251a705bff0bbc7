/**
 * The SALT2 step of an extragalactic alert (docs/spec/broker.md §6): its light curve, the quality cuts, the
 * fit with the product configuration, the row and the plot. Nothing is written here: the handler
 * writes every output of an alert only once all of them are computed.
 *
 * Data-quality outcomes (the cuts fail; the start guess finds no point with S/N > 5; no band
 * overlaps the model) are results, not errors: the same alert would fail the same way on every
 * delivery, so they are logged and counted, never retried. An epoch the fitter refuses (a
 * non-positive error) can never succeed either, but the spec lists no such skip: it is bad input,
 * dead-lettered with the fitter's message so it can be replayed once the rule is settled.
 */
import type { Alert } from "@pgb/broker-utils/alerts";
import { salt2PlotObject } from "@pgb/broker-utils/naming";
import { lightCurve, type Epoch } from "@pgb/broker-utils/photometry";
import type { Salt2PlotInput } from "@pgb/salt2/plot";
import { BadInputError } from "@pgb/function-runtime";
import {
  DataQualityError,
  NoBandOverlapError,
  PhotometryError,
  salt2QualityCuts,
  salt2Row,
  type FitResult,
  type QualityCuts,
  type Salt2Row,
} from "@pgb/salt2";

/** Why an alert got no fit; stable codes, the `reason` label of the log-based metric. */
export type Salt2SkipReason = "quality-cuts" | "initial-guess" | "no-band-overlap";

export interface Salt2Compute {
  /** The product fit (`fitSalt2(epochs, PRODUCT_FIT_CONFIG)`). */
  fit(epochs: readonly Epoch[]): FitResult;
  /** The plot of a fit (`renderSalt2Plot`). */
  render(input: Salt2PlotInput): Promise<{ png: Uint8Array }>;
}

export type Salt2Outcome =
  | {
      kind: "fit";
      fit: FitResult;
      row: Salt2Row;
      png: Buffer;
      /** Object name in the sncosmo bucket. */
      plotName: string;
      fitMs: number;
      plotMs: number;
    }
  | { kind: "skipped"; reason: Salt2SkipReason; detail: string; cuts: QualityCuts };

/** The object of the alert's plot in the sncosmo bucket (docs/spec/broker.md §6). */
export function plotName(alert: Alert, input: string): string {
  // a '/' would add a folder level and Cloud Storage refuses control characters: such an id can
  // never be written, so it is bad input rather than a retried upload
  // eslint-disable-next-line no-control-regex
  if (/[/\u0000-\u001f\u007f]/.test(alert.objectId)) {
    throw new BadInputError(
      "invalid-object-name",
      `${input}: objectId ${JSON.stringify(alert.objectId)} cannot name a plot object ` +
        "(no '/' or control characters)",
    );
  }
  return salt2PlotObject(alert.objectId, alert.sourceId);
}

function describeCuts(cuts: QualityCuts): string {
  const snr = Number.isFinite(cuts.maxSnr) ? cuts.maxSnr.toFixed(2) : "none";
  return `max S/N ${snr} (needs >= 5), ${cuts.detections} detection(s) (needs >= 5)`;
}

export async function computeSalt2(
  alert: Alert,
  compute: Salt2Compute,
  input: string,
): Promise<Salt2Outcome> {
  const epochs = lightCurve(alert);
  const cuts = salt2QualityCuts(epochs);
  if (!cuts.pass) {
    return { kind: "skipped", reason: "quality-cuts", detail: describeCuts(cuts), cuts };
  }
  const name = plotName(alert, input);
  const fitStart = performance.now();
  let fit: FitResult;
  try {
    fit = compute.fit(epochs);
  } catch (err) {
    if (err instanceof DataQualityError) {
      return { kind: "skipped", reason: "initial-guess", detail: err.message, cuts };
    }
    if (err instanceof NoBandOverlapError) {
      return { kind: "skipped", reason: "no-band-overlap", detail: err.message, cuts };
    }
    if (err instanceof PhotometryError) {
      throw new BadInputError(
        "salt2-photometry",
        `${input}: its light curve cannot be fitted: ${err.message}`,
        { cause: err },
      );
    }
    throw err;
  }
  const fitMs = performance.now() - fitStart;
  const plotStart = performance.now();
  const { png } = await compute.render({
    epochs,
    fit,
    title: `${alert.objectId} ${alert.sourceId}`,
  });
  return {
    kind: "fit",
    fit,
    row: salt2Row(alert, fit),
    png: Buffer.from(png.buffer, png.byteOffset, png.byteLength),
    plotName: name,
    fitMs,
    plotMs: performance.now() - plotStart,
  };
}
