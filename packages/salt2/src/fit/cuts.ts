/**
 * The product's quality cuts before a SALT2 fit (docs/spec/broker.md §6): max(flux/fluxerr) ≥ 5 and at
 * least 5 detections.
 */
import type { PhotometryPoint } from "./photometry.js";

export interface QualityCuts {
  /** Largest flux/fluxerr (−Infinity without epochs). */
  readonly maxSnr: number;
  readonly detections: number;
  readonly pass: boolean;
}

export const MIN_MAX_SNR = 5;
export const MIN_DETECTIONS = 5;

export function salt2QualityCuts(
  epochs: readonly (PhotometryPoint & { readonly detection: boolean })[],
): QualityCuts {
  let maxSnr = -Infinity;
  let detections = 0;
  for (const e of epochs) {
    maxSnr = Math.max(maxSnr, e.flux / e.fluxerr);
    if (e.detection) detections++;
  }
  return { maxSnr, detections, pass: maxSnr >= MIN_MAX_SNR && detections >= MIN_DETECTIONS };
}
