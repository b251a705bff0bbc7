/**
 * The value-added handler with fake ports: the derived messages (JSON with ids as integers,
 * attributes), the salt2 outputs and the order they are written in, the data-quality skips and
 * their log line, errors (bad input, failures while computing or writing), redelivery, DECAT and
 * surveys without filters.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Alert } from "@pgb/broker-utils/alerts";
import { RowInsertError } from "@pgb/broker-utils/gcp";
import { createLogger } from "@pgb/broker-utils/log";
import { renderSalt2Plot } from "@pgb/salt2/plot";
import { BadInputError, createCloudEventHandler } from "@pgb/function-runtime";
import {
  bandflux,
  DataQualityError,
  fitSalt2,
  NoBandOverlapError,
  PRODUCT_FIT_CONFIG,
} from "@pgb/salt2";
import { LOG_EVENT } from "@pgb/broker-utils/instance";
import { lightCurve } from "@pgb/broker-utils/photometry";
import { reencodedAlert } from "../../fixtures/alerts/reencoded.js";
import { readData } from "@pgb/test-data";
import { alertsBucket, FAKE_PNG, fakes, json, KAFKA, message } from "./support.js";
import { ZTF_KIT } from "@pgb/test-data/ztf-kit";
import { exgalFailingCuts, FAILING_CUTS_CANDID } from "./failing-cuts.js";
import { decatContainer } from "../../fixtures/alerts/decat.js";

const kit = (objectId: string) => {
  const found = ZTF_KIT.find((k) => k.objectId === objectId);
  if (!found) throw new Error(`${objectId} is not in the kit`);
  return found;
};
/** Pure, extragalactic, 12 detections, an interior fit (docs/spec/salt2.md §6.8). */
const PRZFG = kit("ZTF21abprzfg");
/** Pure only. */
const PURE_ONLY = kit("ZTF18abudxnw");
const LSST_WIRE = "lsst/alerts/confluent_wire_v9.0/7912941781254298.avro";
/** The simulated SN Ia packets a local LSST night replays (local/samples/lsst/simulated/README.md). */
const SIMULATED = fileURLToPath(new URL("../../../local/samples/lsst/simulated", import.meta.url));
const ELASTICC =
  "elasticc/alerts/container_v0_9/alerce_lightcurves/alert_mjd59590.0349_obj843_src1686002.avro";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("derived messages (docs/spec/broker.md §7)", () => {
  it("are the alert without cutouts as JSON, 64-bit ids as integers with every digit", async () => {
    const f = fakes();
    await f.run(message(readData(PRZFG.file)));
    const alert = Alert.fromBytes(readData(PRZFG.file), { survey: "ztf" });
    const [pure, exgal] = ["alerts_pure", "exgalac_trans"].map((s) =>
      json(f.published.find((p) => p.stream === s)!),
    );
    expect(exgal).toEqual(pure);
    expect(Object.keys(pure!)).toEqual(Object.keys(alert.dict()));
    for (const cutout of ["cutoutScience", "cutoutTemplate", "cutoutDifference"]) {
      expect(alert.record).toHaveProperty(cutout);
      expect(pure).not.toHaveProperty(cutout);
    }
    expect(pure!["candid"]).toBe(1704377621415015002n);
    const candidate = pure!["candidate"] as Record<string, unknown>;
    expect(candidate["candid"]).toBe(1704377621415015002n);
    expect(typeof candidate["jd"]).toBe("number");
    expect(candidate["fid"]).toBe(alert.source!["fid"]);
    const prv = pure!["prv_candidates"] as Record<string, unknown>[];
    // detections carry a candid (an integer), upper limits none (null)
    expect(prv.every((p) => p["candid"] === null || typeof p["candid"] === "bigint")).toBe(true);
    expect(prv.some((p) => typeof p["candid"] === "bigint")).toBe(true);
    const text = f.published.find((p) => p.stream === "alerts_pure")!.data.toString("utf8");
    expect(text).toContain('"candid":1704377621415015002,');
    expect(text).not.toMatch(/NaN|Infinity/);
  });

  it("carry pittgoogle-client's string attributes, survey, kafka.topic and kafka.timestamp", async () => {
    const f = fakes();
    await f.run(message(readData(PRZFG.file)));
    expect(f.published).toHaveLength(3);
    for (const p of f.published) {
      expect(p.attributes).toEqual({
        objectId: "ZTF21abprzfg",
        candid: "1704377621415015002",
        schema_version: "3.3",
        // hpgeom 1.6.1 gives the same pixels at (16.0999077, -13.3613618)
        healpix9: "1122446",
        healpix19: "1176970828989",
        healpix29: "1234143363978296796",
        n_previous_detections: "11",
        survey: "ztf",
        "kafka.topic": KAFKA["kafka.topic"],
        "kafka.timestamp": KAFKA["kafka.timestamp"],
        // the fit's verdict, on the salt2 message only
        ...(p.stream === "salt2" ? { salt2Quality: "good" } : {}),
      });
    }
  });

  it("salt2: {alert, salt2Fit} with the alert of the other streams and the inserted row", async () => {
    const f = fakes();
    await f.run(message(readData(PRZFG.file)));
    const salt2 = json(f.published.find((p) => p.stream === "salt2")!);
    expect(Object.keys(salt2)).toEqual(["alert", "salt2Fit"]);
    expect(salt2["alert"]).toEqual(json(f.published.find((p) => p.stream === "exgalac_trans")!));
    // the row's candid is a decimal string (BigQuery), the message's an integer
    expect(salt2["salt2Fit"]).toEqual({ ...f.rows[0]!.json, candid: 1704377621415015002n });
    expect(f.rows[0]!.json["candid"]).toBe("1704377621415015002");
  });

  it("a pure-only alert goes to alerts_pure only: no fit is made", async () => {
    let fits = 0;
    const f = fakes({ fit: () => ((fits += 1), fitSalt2([], PRODUCT_FIT_CONFIG)) });
    const outcome = await f.run(message(readData(PURE_ONLY.file)));
    expect(outcome).toEqual({
      objectId: "ZTF18abudxnw",
      sourceId: "2695378462115010012",
      published: ["alerts_pure"],
      salt2: "not-extragalactic",
    });
    expect(fits).toBe(0);
    expect(f.calls).toEqual(["publish alerts_pure"]);
  });
});

describe("SALT2 outputs", () => {
  it("row (insertId = sourceId), plot object and message; the message after row and plot are stored", async () => {
    const stored = { row: deferred(), plot: deferred() };
    const f = fakes((base) => ({
      insertSalt2Row: async (row) => {
        await base.insertSalt2Row(row);
        await stored.row.promise;
      },
      uploadPlot: async (name, png, options) => {
        const result = await base.uploadPlot(name, png, options);
        await stored.plot.promise;
        return result;
      },
    }));
    const streams = () => f.published.map((p) => p.stream).sort();
    const run = f.run(message(readData(PRZFG.file)));
    await new Promise((r) => setTimeout(r, 20));
    expect(streams()).toEqual(["alerts_pure", "exgalac_trans"]);
    stored.row.resolve();
    await new Promise((r) => setTimeout(r, 20));
    expect(streams()).toEqual(["alerts_pure", "exgalac_trans"]);
    stored.plot.resolve();
    const outcome = await run;
    expect(streams()).toEqual(["alerts_pure", "exgalac_trans", "salt2"]);
    expect(outcome).toEqual({
      objectId: "ZTF21abprzfg",
      sourceId: "1704377621415015002",
      published: ["alerts_pure", "exgalac_trans", "salt2"],
      salt2: "fit",
      plot: "written",
      quality: "good",
    });
    expect(f.rows.map((r) => r.insertId)).toEqual(["1704377621415015002"]);
    expect(f.uploads).toEqual([
      {
        name: "salt2/plot_lc/ZTF21abprzfg.1704377621415015002.png",
        png: Buffer.from(FAKE_PNG),
        options: {
          contentType: "image/png",
          metadata: { objectId: "ZTF21abprzfg", sourceId: "1704377621415015002" },
        },
        status: "written",
      },
    ]);
  });

  it("the real plot is a PNG of the fit, about 1550 × 770 pixels", async () => {
    const f = fakes({ render: renderSalt2Plot });
    await f.run(message(readData(PRZFG.file)));
    const png = f.uploads[0]!.png;
    expect(png.subarray(0, 8)).toEqual(Buffer.from(FAKE_PNG.subarray(0, 8)));
    expect(png.subarray(12, 16).toString("latin1")).toBe("IHDR");
    const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    // two bands side by side (300 × 220 each, with title and axes) at twice the SVG resolution
    expect(width).toBeGreaterThan(1300);
    expect(width).toBeLessThan(1700);
    expect(height).toBeGreaterThan(600);
    expect(height).toBeLessThan(850);
    expect(png.length).toBeGreaterThan(30_000);
  });

  it("a poor fit (success = false) is written with its verdict but not published to salt2", async () => {
    const f = fakes({
      fit: (epochs) => ({ ...fitSalt2(epochs, PRODUCT_FIT_CONFIG), success: false }),
    });
    const outcome = await f.run(message(readData(PRZFG.file)));
    expect(outcome.published).toEqual(["alerts_pure", "exgalac_trans"]);
    expect(outcome).toMatchObject({ salt2: "fit", quality: "poor" });
    expect(f.rows[0]!.json).toMatchObject({
      success: 0,
      quality: "poor",
      quality_reasons: ["not-converged"],
    });
    expect(f.uploads).toHaveLength(1);
  });

  it("a redelivery writes the same outputs again; the existing plot is kept", async () => {
    const f = fakes();
    const bytes = readData(PRZFG.file);
    const first = await f.run(message(bytes));
    const count = f.published.length;
    const second = await f.run(message(bytes));
    expect(first.plot).toBe("written");
    expect(second).toEqual({ ...first, plot: "duplicate" });
    const again = f.published.slice(count);
    expect(again.map((p) => [p.stream, p.data, p.attributes])).toEqual(
      f.published.slice(0, count).map((p) => [p.stream, p.data, p.attributes]),
    );
    expect(f.rows.map((r) => r.insertId)).toEqual([PRZFG.sourceId, PRZFG.sourceId]);
    expect(f.rows[1]).toEqual(f.rows[0]);
    expect(f.logs.find((l) => l["outcome"] === "duplicate")).toMatchObject({
      severity: "INFO",
      object: "salt2/plot_lc/ZTF21abprzfg.1704377621415015002.png",
    });
  });
});

describe("SALT2 data-quality skips", () => {
  const skipLine = (f: ReturnType<typeof fakes>) =>
    f.logs.filter((l) => l["event"] === LOG_EVENT.salt2Skipped);

  it("cuts failed: INFO line with stable fields, exgalac_trans published, no fit attempted", async () => {
    let fits = 0;
    const f = fakes({ fit: () => ((fits += 1), fitSalt2([], PRODUCT_FIT_CONFIG)) });
    const outcome = await f.run(message(exgalFailingCuts()));
    expect(outcome).toEqual({
      objectId: "ZTF21abngbrl",
      sourceId: FAILING_CUTS_CANDID,
      published: ["alerts_pure", "exgalac_trans"],
      salt2: "quality-cuts",
    });
    expect(fits).toBe(0);
    expect(f.rows).toEqual([]);
    expect(f.uploads).toEqual([]);
    const lines = skipLine(f);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      severity: "INFO",
      message: `salt2 skipped objectId=ZTF21abngbrl sourceId=${FAILING_CUTS_CANDID} reason=quality-cuts`,
      event: "salt2-skipped",
      reason: "quality-cuts",
      objectId: "ZTF21abngbrl",
      sourceId: FAILING_CUTS_CANDID,
      detections: 4,
      detail: "max S/N 6.29 (needs >= 5), 4 detection(s) (needs >= 5)",
    });
  });

  it.each([
    [
      "initial-guess",
      new DataQualityError("No data points with S/N > 5.0. Initial guessing failed."),
    ],
    ["no-band-overlap", new NoBandOverlapError("No bands in data overlap the model.")],
  ] as const)("%s: logged, nothing of SALT2 written, acknowledged", async (reason, error) => {
    const f = fakes({
      fit: () => {
        throw error;
      },
    });
    const outcome = await f.run(message(readData(PRZFG.file)));
    expect(outcome.salt2).toBe(reason);
    expect(outcome.published).toEqual(["alerts_pure", "exgalac_trans"]);
    expect(f.calls.sort()).toEqual(["publish alerts_pure", "publish exgalac_trans"]);
    expect(skipLine(f)).toEqual([
      expect.objectContaining({
        severity: "INFO",
        message: `salt2 skipped objectId=ZTF21abprzfg sourceId=1704377621415015002 reason=${reason}`,
        reason,
        detail: error.message,
        detections: 12,
      }),
    ]);
  });
});

describe("errors", () => {
  it("undecodable or empty input is bad input", async () => {
    const f = fakes();
    await expect(f.run(message(Buffer.from("not an alert")))).rejects.toMatchObject({
      name: "BadInputError",
      reason: "unknown-format",
    });
    await expect(f.run(message(Buffer.alloc(0)))).rejects.toMatchObject({ reason: "empty" });
    await expect(f.run(message(readData(LSST_WIRE)))).rejects.toBeInstanceOf(BadInputError);
    expect(f.calls).toEqual([]);
  });

  it("reads the alert its notification names; another event is ignored with a log line", async () => {
    const f = fakes();
    const m = message(readData(PRZFG.file));
    const outcome = await f.run(m);
    expect(outcome.objectId).toBe("ZTF21abprzfg");
    expect(alertsBucket.reads.at(-1)).toBe(
      `${m.attributes["objectId"]}#${m.attributes["objectGeneration"]}`,
    );
    const update = { ...m, attributes: { ...m.attributes, eventType: "OBJECT_METADATA_UPDATE" } };
    expect(await f.handler(update, { log: createLogger({}, { sink: () => undefined }) })).toEqual({
      ignored: `OBJECT_METADATA_UPDATE of gs://${alertsBucket.bucket}/${m.attributes["objectId"]}`,
    });
    const gone = { ...m, attributes: { ...m.attributes, objectGeneration: "1" } };
    await expect(f.run(gone)).rejects.toMatchObject({ reason: "object-missing" });
    expect(f.calls.filter((c) => c.startsWith("publish"))).toHaveLength(outcome.published.length);
  });

  it("bad input is dead-lettered by the adapter with the reason; a failure is rethrown", async () => {
    const deadLetters: Record<string, string>[] = [];
    const f = fakes({
      render: async () => {
        throw new Error("renderer crashed");
      },
    });
    const adapter = createCloudEventHandler(f.handler, {
      stage: "value-added",
      log: createLogger({}, { sink: () => undefined }),
      deadLetter: async (_data, attributes) => void deadLetters.push(attributes),
    });
    const event = (data: Buffer) => {
      const m = message(data);
      return {
        id: "e1",
        type: "google.cloud.pubsub.topic.v1.messagePublished",
        data: { message: { ...m, data: m.data.toString("base64"), messageId: "42" } },
      };
    };
    await expect(adapter(event(Buffer.from("garbage")))).resolves.toBeUndefined();
    expect(deadLetters).toEqual([
      expect.objectContaining({
        "pgb.stage": "value-added",
        "pgb.reason": "unknown-format",
        "pgb.messageId": "42",
        eventType: "OBJECT_FINALIZE",
        objectId: expect.stringMatching(/\.avro$/),
      }),
    ]);
    await expect(adapter(event(readData(PRZFG.file)))).rejects.toThrow("renderer crashed");
    expect(deadLetters).toHaveLength(1);
  });

  it.each([
    [
      "the fit",
      {
        fit: () => {
          throw new RangeError("fitter bug");
        },
      },
      "fitter bug",
    ],
    [
      "the plot",
      {
        render: async () => {
          throw new Error("no fonts");
        },
      },
      "no fonts",
    ],
  ] as const)(
    "a failure computing %s writes nothing and is rethrown",
    async (_, override, text) => {
      const f = fakes(override);
      await expect(f.run(message(readData(PRZFG.file)))).rejects.toThrow(text);
      expect(f.calls).toEqual([]);
    },
  );

  it("an epoch the fitter refuses (sigmapsf = 0) is bad input, and nothing is written", async () => {
    // the first previous detection gets a zero error: S/N infinite, so the cuts pass and the
    // fitter refuses the row (fluxerr must be > 0)
    const bytes = reencodedAlert(PRZFG.file, (record) => {
      const prv = record["prv_candidates"] as Record<string, unknown>[];
      prv.find((p) => p["magpsf"] !== null)!["sigmapsf"] = 0;
    });
    const f = fakes();
    await expect(f.run(message(bytes))).rejects.toMatchObject({
      name: "BadInputError",
      reason: "salt2-photometry",
      message: expect.stringMatching(
        /^ztf alert ZTF21abprzfg\/1704377621415015002 \(topic\/object\/\d+\.avro, message n\d+\): its light curve cannot be fitted: photometry row 0: fluxerr must be > 0, got 0$/,
      ),
    });
    expect(f.calls).toEqual([]);
  });

  it("a failed publication is rethrown once every write has settled", async () => {
    const outage = Object.assign(new Error("14 UNAVAILABLE"), { code: 14 });
    const f = fakes((base) => ({
      publish: async (stream, data, attributes) => {
        const id = await base.publish(stream, data, attributes);
        if (stream === "alerts_pure") throw outage;
        return id;
      },
    }));
    await expect(f.run(message(readData(PRZFG.file)))).rejects.toBe(outage);
    // the other writes went on: a redelivery repeats them (duplicates the spec allows)
    expect(f.calls.sort()).toEqual([
      "insert",
      "publish alerts_pure",
      "publish exgalac_trans",
      "publish salt2",
      "upload",
    ]);
  });

  it("a row BigQuery rejects is bad input; the salt2 message is not published", async () => {
    const rejected = new RowInsertError("ds.salt2", [
      { insertId: "1", reason: "invalid", location: "z_err", message: "no such field" },
    ]);
    const f = fakes({
      insertSalt2Row: async () => {
        throw rejected;
      },
    });
    await expect(f.run(message(readData(PRZFG.file)))).rejects.toMatchObject({
      name: "BadInputError",
      reason: "salt2-row-rejected",
      message: expect.stringContaining("BigQuery rejected 1 row(s) of ds.salt2"),
    });
    expect(f.published.map((p) => p.stream).sort()).toEqual(["alerts_pure", "exgalac_trans"]);
  });
});

describe("surveys", () => {
  it("ELAsTiCC has no filters: nothing published, a DEBUG line with the ids", async () => {
    const f = fakes({ survey: "elasticc" });
    const outcome = await f.run(message(readData(ELASTICC)));
    expect(outcome).toMatchObject({ published: [], salt2: "not-applicable" });
    expect(f.calls).toEqual([]);
    expect(f.logs).toEqual([
      expect.objectContaining({
        severity: "DEBUG",
        message: "value-added: no filters for elasticc alerts; nothing published",
        objectId: outcome.objectId,
        sourceId: outcome.sourceId,
      }),
    ]);
  });

  it("LSST: the filters run; an unreliable negative source is neither pure nor extragalactic", async () => {
    const f = fakes({ survey: "lsst" });
    const outcome = await f.run(message(readData(LSST_WIRE)));
    expect(outcome).toEqual({
      objectId: "7912941781254298",
      sourceId: "7912941781254298",
      published: [],
      salt2: "not-extragalactic",
    });
    expect(f.calls).toEqual([]);
  });

  it("LSST: every simulated SN Ia sample is pure and extragalactic and gets a fit, lsstz dropped", async () => {
    const files = readdirSync(SIMULATED).filter((name) => name.endsWith(".avro"));
    expect(files).toHaveLength(20);
    for (const name of files) {
      const f = fakes({ survey: "lsst" });
      const outcome = await f.run(message(readFileSync(join(SIMULATED, name))));
      expect(outcome, name).toMatchObject({
        published: ["alerts_pure", "exgalac_trans", "salt2"],
        salt2: "fit",
        plot: "written",
      });
      const row = f.rows[0]!.json;
      expect(row["candid"]).toBe(outcome.sourceId);
      // SALT2 cannot cover lsstz over z ∈ [0.01, 0.2]: those epochs are dropped, as sncosmo does
      const epochs = lightCurve(
        Alert.fromBytes(readFileSync(join(SIMULATED, name)), { survey: "lsst" }),
      );
      expect(epochs.some((e) => e.band === "lsstz")).toBe(true);
      expect(row["ndof"]).toBe(epochs.filter((e) => e.band !== "lsstz").length - 5);
      expect(BigInt(outcome.sourceId) > 7_000_000_000_000_000_000n).toBe(true);
      expect(f.uploads[0]!.name).toBe(`salt2/plot_lc/${outcome.objectId}.${outcome.sourceId}.png`);
    }
  });

  it("LSST: the plot of a simulated SN Ia is a real PNG", async () => {
    const name = readdirSync(SIMULATED).find((n) => n.endsWith(".avro"))!;
    const f = fakes({ survey: "lsst", render: renderSalt2Plot });
    await f.run(message(readFileSync(join(SIMULATED, name))));
    expect(f.uploads[0]!.png.subarray(1, 4).toString("latin1")).toBe("PNG");
  });

  it("DECAT: purity is rb; every alert is extragalactic; SALT2 on sdssg/sdssr fluxes", async () => {
    const f = fakes({ survey: "decat" });
    const truth = { z: 0.05, t0: 59000, x0: 1.5e-3, x1: 0.5, c: 0.05 };
    const bytes = decatAlert(truth, 0.9);
    const outcome = await f.run(message(bytes, { "kafka.topic": "decat_20210301_2021A-0113" }));
    expect(outcome).toEqual({
      objectId: "DC21abc",
      sourceId: "9000000000000000123",
      published: ["alerts_pure", "exgalac_trans", "salt2"],
      salt2: "fit",
      plot: "written",
      quality: "good",
    });
    // DECAT alerts carry no schema version; kafka.timestamp is absent from this input
    expect(f.published[0]!.attributes).toEqual({
      objectid: "DC21abc",
      sourceid: "9000000000000000123",
      healpix9: "1744528",
      healpix19: "1829271135116",
      healpix29: "1918129809776324852",
      n_previous_detections: "15",
      survey: "decat",
      "kafka.topic": "decat_20210301_2021A-0113",
    });
    const row = f.rows[0]!.json;
    expect(row["candid"]).toBe("9000000000000000123");
    expect(row["success"]).toBe(1);
    expect(row["z"] as number).toBeCloseTo(truth.z, 2);
    expect(row["t0"] as number).toBeCloseTo(truth.t0, 0);
    expect(row["chisq"] as number).toBeLessThan(1e-3);

    const impure = await fakes({ survey: "decat" }).run(message(decatAlert(truth, 0.5)));
    expect(impure.published).toEqual(["exgalac_trans", "salt2"]);
  }, 30_000);
});

/**
 * A DECAT alert (schema map decat.yaml) whose 16 sources sample a noiseless SALT2 light curve in g
 * and r, 5% errors; `rb` is the trigger source's real/bogus score.
 */
function decatAlert(
  params: { z: number; t0: number; x0: number; x1: number; c: number },
  rb: number,
): Buffer {
  const schema = {
    sourceFields: [
      { name: "sourceid", type: "long" },
      { name: "filter", type: "string" },
      { name: "mjd", type: "double" },
      { name: "flux", type: "double" },
      { name: "fluxerr", type: "double" },
      { name: "magzp", type: "double" },
      { name: "mag", type: ["null", "double"] },
      { name: "magerr", type: ["null", "double"] },
      { name: "rb", type: ["null", "double"] },
    ],
    history: true,
    cutouts: ["scicutout", "refcutout", "diffcutout"],
  };
  const FILTERS = {
    sdssg: "g DECam SDSS c0001 4720.0 1520.0",
    sdssr: "r DECam SDSS c0002 6415.0 1480.0",
  };
  const zp = 29;
  const sources = (["sdssg", "sdssr"] as const).flatMap((band, b) => {
    const times = Array.from({ length: 8 }, (_, i) => params.t0 - 12 + 5 * i + b);
    const fluxes = bandflux(params, band, times, zp);
    return times.map((mjd, i) => {
      const flux = fluxes[i]!;
      return {
        sourceid: BigInt(9000000000000000000n + BigInt(b * 100 + i)),
        filter: FILTERS[band],
        mjd,
        flux,
        fluxerr: 0.05 * flux,
        magzp: zp,
        mag: zp - 2.5 * Math.log10(flux),
        magerr: 0.054,
        rb,
      };
    });
  });
  const trigger = { ...sources[sources.length - 1]!, sourceid: 9000000000000000123n };
  return decatContainer(schema, [
    {
      objectid: "DC21abc",
      sourceid: 9000000000000000123n,
      ra: 150.1,
      dec: 2.2,
      triggersource: trigger,
      sources: sources.slice(0, -1),
      scicutout: Buffer.from("science"),
      refcutout: null,
      diffcutout: null,
    },
  ]);
}
