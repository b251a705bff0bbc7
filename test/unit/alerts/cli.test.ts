import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { alertCommands } from "../../../packages/cli/src/commands/alert.js";
import { parseJsonExact } from "@pgb/broker-utils/alerts";
import { createProgram, runProgram } from "@pgb/cli";
import {
  DIA_OBJECT_ID,
  DIA_SOURCE_ID,
  LSST_VERSIONS,
  lsstWirePacket,
} from "../../fixtures/alerts/lsst-wire.js";
import { dataPath } from "@pgb/test-data";

const ZTF = dataPath(
  "ztf/alerts/v3.3/ZTF21abvawaj.1704264473315015001.ztf_20210901_programid1.avro",
);
const DATUM = dataPath(
  "elasticc/alerts/schemaless_v0_9/alert_mjd60563.1120_obj104044681_src208089362038.avro.gz",
);

/** Runs `pgb <args>` and returns its exit code, stdout and stderr. */
async function pgb(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => out.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => err.push(String(chunk)) > 0);
  const code = await runProgram(createProgram([alertCommands]), ["node", "pgb", ...args]);
  vi.restoreAllMocks();
  return { code, out: out.join(""), err: err.join("") };
}

afterEach(() => vi.restoreAllMocks());

describe("pgb alert show", () => {
  it("--json: the alert without cutouts, top-level keys in schema order, 64-bit ints exact", async () => {
    const { code, out } = await pgb("alert", "show", ZTF, "--json");
    expect(code).toBe(0);
    const alert = parseJsonExact(out) as Record<string, unknown>;
    expect(Object.keys(alert)).toEqual([
      "schemavsn",
      "publisher",
      "objectId",
      "candid",
      "candidate",
      "prv_candidates",
    ]);
    expect(alert["candid"]).toBe(1704264473315015001n);
    expect(alert["candidate"]).toMatchObject({
      candid: 1704264473315015001n,
      pid: 1704264473315,
      fid: 1,
    });
    expect(out).not.toContain("stampData");
  });

  it("without --json: a readable summary", async () => {
    const { code, out } = await pgb("alert", "show", ZTF);
    expect(code).toBe(0);
    expect(out).toMatch(/^survey\s+ztf$/m);
    expect(out).toMatch(/^schemaVersion\s+3\.3$/m);
    expect(out).toMatch(/^objectId\s+ZTF21abvawaj$/m);
    expect(out).toMatch(/^sourceId\s+1704264473315015001$/m);
    expect(out).toMatch(/^band\s+g$/m);
    expect(out).toMatch(/^prv_candidates\s+37$/m);
  });

  it("needs --survey and --schema-version for a bare datum, and checks the survey", async () => {
    const missing = await pgb("alert", "show", DATUM);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("cannot tell the survey from the bytes");
    const shown = await pgb(
      "alert",
      "show",
      DATUM,
      "--survey",
      "elasticc",
      "--schema-version",
      "v0_9",
    );
    expect(shown.out).toMatch(/^objectId\s+104044681$/m);
    const bad = await pgb("alert", "show", ZTF, "--survey", "ptf");
    expect(bad).toMatchObject({
      code: 2,
      err: "pgb: --survey ptf is not one of ztf, lsst, decat, elasticc\n",
    });
  });

  const packets = mkdtempSync(join(tmpdir(), "pgb-lsst-wire-"));
  afterAll(() => rmSync(packets, { recursive: true }));

  it.each(LSST_VERSIONS)(
    "--json: an LSST $version wire packet (id $schemaId) with every digit of its 64-bit ids",
    async (version) => {
      const file = join(packets, `${version.label}.avro`);
      writeFileSync(file, lsstWirePacket(version));
      const { code, out } = await pgb("alert", "show", file, "--json");
      expect(code).toBe(0);
      const alert = parseJsonExact(out) as Record<string, Record<string, unknown>>;
      expect(alert["diaSource"]).toMatchObject({
        diaSourceId: DIA_SOURCE_ID,
        diaObjectId: DIA_OBJECT_ID,
      });
      expect(alert["diaObject"]!["diaObjectId"]).toBe(DIA_OBJECT_ID);
      const summary = await pgb("alert", "show", file);
      expect(summary.out).toMatch(new RegExp(`^schemaVersion\\s+${version.label}$`, "m"));
    },
  );
});

describe("pgb alert filters", () => {
  it('--json: {"pure", "extragalacticTransient", "reasons"}', async () => {
    const { code, out } = await pgb("alert", "filters", ZTF, "--json");
    expect(code).toBe(0);
    const result = JSON.parse(out) as {
      pure: boolean;
      extragalacticTransient: boolean;
      reasons: Record<string, Record<string, { pass: boolean }>>;
    };
    expect(Object.keys(result)).toEqual(["pure", "extragalacticTransient", "reasons"]);
    expect([result.pure, result.extragalacticTransient]).toEqual([true, true]);
    expect(Object.keys(result.reasons["pure"]!)).toEqual([
      "rb",
      "nbad",
      "fwhm",
      "elong",
      "magdiff",
    ]);
    expect(Object.keys(result.reasons["extragalacticTransient"]!)).toEqual([
      "positive",
      "notStar",
      "notMoving",
      "notSolarSystem",
    ]);
  });

  it("without --json: one line per criterion", async () => {
    const { out } = await pgb("alert", "filters", ZTF);
    expect(out).toMatch(/^pure\s+pass$/m);
    expect(out).toMatch(/^\s+notMoving\s+pass\s+at least 2 positive detections/m);
  });
});

describe("pgb alert lightcurve", () => {
  it("--csv: time (MJD), band, flux, fluxerr, zp, zpsys", async () => {
    const { code, out } = await pgb("alert", "lightcurve", ZTF, "--csv");
    expect(code).toBe(0);
    const [header, first] = out.split("\n");
    expect(header).toBe("time,band,flux,fluxerr,zp,zpsys");
    const [time, band, , , , zpsys] = first!.split(",");
    expect(Number(time)).toBeGreaterThan(59000);
    expect(Number(time)).toBeLessThan(60000);
    expect([band, zpsys]).toEqual(["ztfg", "ab"]);
  });

  it("without --csv: an aligned table marking detections", async () => {
    const { out } = await pgb("alert", "lightcurve", ZTF);
    expect(out.split("\n")[0]).toMatch(/^time\s+band\s+flux\s+fluxerr\s+zp\s+zpsys$/);
    expect(out).toContain("detection");
  });
});
