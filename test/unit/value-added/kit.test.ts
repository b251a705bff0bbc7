/**
 * value-added on every real ZTF alert of the data kit: which alerts reach alerts_pure,
 * exgalac_trans and salt2 (ztf-kit.ts gives the table and why), with the real filters and the real
 * product fit, and the quality cuts against docs/spec/salt2.md §6.8.
 */
import { describe, expect, it } from "vitest";
import { Alert } from "@pgb/broker-utils/alerts";
import { lightCurve } from "@pgb/broker-utils/photometry";
import { salt2QualityCuts } from "@pgb/salt2";
import { readData, dataFiles } from "@pgb/test-data";
import { fakes, message } from "./support.js";
import { REFERENCE_CUT_FAILURES, ZTF_KIT } from "@pgb/test-data/ztf-kit";

describe("value-added on the real ZTF alerts", () => {
  it("the table covers every ZTF alert of the kit", () => {
    expect(ZTF_KIT.map((k) => k.file).sort()).toEqual(dataFiles("ztf/alerts", ".avro"));
  });

  it.each(ZTF_KIT.map((k) => [k.objectId, k] as const))("%s", async (_, kit) => {
    const f = fakes();
    const outcome = await f.run(message(readData(kit.file)));
    const good = kit.qualityReasons?.length === 0;
    const streams = [
      ...(kit.pure ? ["alerts_pure"] : []),
      ...(kit.exgal ? ["exgalac_trans"] : []),
      ...(good ? ["salt2"] : []),
    ];
    expect(outcome).toMatchObject({ objectId: kit.objectId, sourceId: kit.sourceId });
    expect(outcome.published).toEqual(streams);
    expect(f.published.map((p) => p.stream).sort()).toEqual([...streams].sort());
    for (const p of f.published) {
      expect(p.attributes).toMatchObject({ objectId: kit.objectId, candid: kit.sourceId });
    }
    expect(outcome.salt2).toBe(kit.fit ? "fit" : kit.exgal ? "quality-cuts" : "not-extragalactic");
    expect(f.rows.map((r) => [r.insertId, r.json["candid"], r.json["objectId"]])).toEqual(
      kit.fit ? [[kit.sourceId, kit.sourceId, kit.objectId]] : [],
    );
    // every fit keeps its row, with the verdict; only a good one is on the stream
    expect(f.rows.map((r) => [r.json["quality"], r.json["quality_reasons"]])).toEqual(
      kit.fit ? [[good ? "good" : "poor", kit.qualityReasons]] : [],
    );
    for (const p of f.published.filter((m) => m.stream === "salt2")) {
      expect(p.attributes["salt2Quality"]).toBe("good");
    }
    expect(f.uploads.map((u) => u.name)).toEqual(
      kit.fit ? [`salt2/plot_lc/${kit.objectId}.${kit.sourceId}.png`] : [],
    );
  });

  it("12 alerts are pure and extragalactic and get a fit; 10 more are pure only; 31 go nowhere", () => {
    const ids = (pick: (k: (typeof ZTF_KIT)[number]) => boolean) =>
      ZTF_KIT.filter(pick).map((k) => k.objectId);
    const fitted = ids((k) => k.fit);
    expect(fitted).toEqual([
      "ZTF18aawmdot",
      "ZTF18abiyatb",
      "ZTF18ablpgeh",
      "ZTF18abmsrfx",
      "ZTF18aboetso",
      "ZTF19aatvxcs",
      "ZTF21aavuqzr",
      "ZTF21abngbrl",
      "ZTF21abpiosb",
      "ZTF21abprzfg",
      "ZTF21abvawaj",
      "ZTF21abvicne",
    ]);
    expect(ids((k) => k.exgal)).toEqual(fitted);
    expect(ids((k) => k.pure && !k.exgal)).toHaveLength(10);
    expect(ids((k) => !k.pure && !k.exgal)).toHaveLength(31);
    // 5 good fits reach the salt2 stream; 7 poor ones stay in the table
    expect(ids((k) => k.qualityReasons?.length === 0)).toEqual([
      "ZTF18abiyatb",
      "ZTF21abngbrl",
      "ZTF21abpiosb",
      "ZTF21abprzfg",
      "ZTF21abvicne",
    ]);
  });
});

describe("quality cuts of the product's light curves (docs/spec/broker.md §6, docs/spec/salt2.md §6.8)", () => {
  it.each(ZTF_KIT.map((k) => [k.objectId, k] as const))("%s", (_, kit) => {
    const cuts = salt2QualityCuts(
      lightCurve(Alert.fromBytes(readData(kit.file), { survey: "ztf" })),
    );
    expect(cuts.detections).toBe(kit.detections);
    expect(cuts.maxSnr).toBeCloseTo(kit.maxSnr, 2);
    expect(cuts.pass).toBe(kit.cuts);
  });

  it("fail 7 of the reference's 8 v3.3 cut failures; ZTF18abkizda passes with the product's error factor", () => {
    const v33 = ZTF_KIT.filter((k) => k.file.includes("/v3.3/"));
    expect(v33).toHaveLength(23);
    const failing = v33.filter((k) => !k.cuts).map((k) => k.objectId);
    expect(failing.sort()).toEqual(
      REFERENCE_CUT_FAILURES.filter((o) => o !== "ZTF18abkizda").sort(),
    );
    // 4.74 × ln 4 / (ln 10 / 2.5) = 7.13: above 5 now; it is not extragalactic, so no fit either way
    const abkizda = ZTF_KIT.find((k) => k.objectId === "ZTF18abkizda")!;
    expect(abkizda).toMatchObject({ cuts: true, maxSnr: 7.13, exgal: false, fit: false });
    expect(4.74 * (Math.log(4) / (Math.LN10 / 2.5))).toBeCloseTo(7.13, 2);
  });
});
