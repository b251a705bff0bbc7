/**
 * LSST light curves (docs/spec/broker.md §6 "SALT2 epochs", §10): diaSource + prvDiaSources +
 * prvDiaForcedSources in nJy at AB zero point 31.4, bands lsstu…lssty, on the real Rubin alerts of
 * test/data/lsst and Rubin's sample alert of every bundled version.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Alert } from "@pgb/broker-utils/alerts";
import { fluxToMag, lightCurve } from "@pgb/broker-utils/photometry";
import { bundledSchemaMap } from "@pgb/broker-utils/schema-maps";
import { fakeAlertPath, LSST_VERSIONS } from "../../fixtures/alerts/lsst-wire.js";
import { realLsstAlert, realLsstAlertNames } from "../../fixtures/alerts/lsst-real.js";
import { dataPath } from "@pgb/test-data";

const F74 = "lsst/alerts/fink_spark_v7.4/";
const LSST_BANDS = ["lsstu", "lsstg", "lsstr", "lssti", "lsstz", "lssty"];

interface AvscRecord {
  fields: { name: string }[];
}

function avscFields(label: string, record: string): string[] {
  const url = new URL(
    `../../../packages/broker-utils/data/schemas/lsst/${label}/lsst.${label}.${record}.avsc`,
    import.meta.url,
  );
  const schema = JSON.parse(readFileSync(fileURLToPath(url), "utf8")) as AvscRecord;
  return schema.fields.map((f) => f.name);
}

describe("the LSST schema map names fields every bundled version has", () => {
  const map = bundledSchemaMap("lsst").fields;
  it.each(LSST_VERSIONS)("$label", ({ label }) => {
    const photometry = [map.filterField, map.fluxField!, map.fluxerrField!, map.mjdRule.field];
    expect(avscFields(label, "alert")).toEqual(
      expect.arrayContaining([
        map.sourceField,
        map.prvSourcesField!,
        map.forcedSourcesField!,
        "diaObject",
      ]),
    );
    expect(avscFields(label, "diaSource")).toEqual(
      expect.arrayContaining([...photometry, "diaSourceId", "ssObjectId", "ra", "dec"]),
    );
    expect(avscFields(label, "diaForcedSource")).toEqual(expect.arrayContaining(photometry));
    expect(avscFields(label, "diaObject")).toContain("diaObjectId");
  });
});

describe("LSST light curves", () => {
  it.each(LSST_VERSIONS)(
    "$version: Rubin's sample alert gives its three r-band DIA sources in nJy at zp 31.4",
    ({ version }) => {
      const alert = Alert.fromFile(dataPath(fakeAlertPath(version)));
      const sources = [...alert.prvSources!, alert.source!];
      expect(lightCurve(alert)).toEqual(
        sources.map((s) => ({
          time: s["midpointMjdTai"],
          band: "lsstr",
          flux: s["psfFlux"],
          fluxerr: s["psfFluxErr"],
          zp: 31.4,
          zpsys: "ab",
          detection: true,
        })),
      );
    },
  );

  it("adds forced photometry only on visits without a DIA source, never as a detection", () => {
    // 10 DIA sources (visits 7010001 … 7010020); 9 forced sources, 8 of them on those visits and
    // one on visit 7010017 (g, MJD 60776.83530, +3190 nJy) that has no DIA source
    const alert = realLsstAlert(`${F74}58804311353720874_58804311353720874.avro`);
    const epochs = lightCurve(alert);
    expect(epochs).toHaveLength(11);
    const forced = alert.forcedSources!.find((f) => f["visit"] === 7010017n)!;
    expect(epochs[0]).toEqual({
      time: forced["midpointMjdTai"],
      band: "lsstg",
      flux: forced["psfFlux"],
      fluxerr: forced["psfFluxErr"],
      zp: 31.4,
      zpsys: "ab",
      detection: false,
    });
    expect(epochs[0]!.flux).toBeCloseTo(3190, 0);
    // then the DIA sources: previous first, the triggering one last; all negative here
    expect(epochs.slice(1).map((e) => e.flux)).toEqual(
      [...alert.prvSources!, alert.source!].map((s) => s["psfFlux"]),
    );
    expect(epochs.filter((e) => e.detection)).toEqual([]);
  });

  it("on every real alert: bands lsstu…lssty, zp 31.4, detections = positive DIA sources", () => {
    for (const name of realLsstAlertNames()) {
      const alert = realLsstAlert(name);
      const epochs = lightCurve(alert);
      const dia = [...(alert.prvSources ?? []), alert.source!];
      const positive = dia.filter((s) => (s["psfFlux"] as number) > 0).length;
      expect(
        epochs.filter((e) => e.detection),
        name,
      ).toHaveLength(positive);
      expect(epochs.length, name).toBeGreaterThanOrEqual(dia.length);
      expect(epochs.length, name).toBeLessThanOrEqual(
        dia.length + (alert.forcedSources?.length ?? 0),
      );
      for (const e of epochs) {
        expect(LSST_BANDS, name).toContain(e.band);
        expect([e.zp, e.zpsys]).toEqual([31.4, "ab"]);
      }
    }
  });

  it("gives AB magnitudes through fluxToMag, as for ZTF: 31.4 − 2.5 log10(psfFlux / nJy)", () => {
    const alert = realLsstAlert(`${F74}58804302898003989_58804302898003989.avro`);
    const last = lightCurve(alert).at(-1)!;
    expect(last.flux).toBe(alert.source!["psfFlux"]);
    const { mag, magerr } = fluxToMag(last.flux, last.fluxerr, last.zp);
    // psfFlux 3272.6 ± 1015.0 nJy
    expect(mag).toBeCloseTo(31.4 - 2.5 * Math.log10(3272.63), 4);
    expect(mag).toBeCloseTo(22.613, 3);
    expect(magerr).toBeCloseTo((1.0857 * 1014.95) / 3272.63, 3);
  });
});
