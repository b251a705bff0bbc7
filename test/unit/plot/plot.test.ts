import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { renderSalt2Plot } from "@pgb/salt2/plot";
import { PRODUCT_FIT_CONFIG, fitSalt2, parseLightCurveCsv } from "@pgb/salt2";

describe("SALT2 light-curve plot", () => {
  it("renders PNG and SVG with one panel per band and the fit written on it", async () => {
    const rows = parseLightCurveCsv(
      readFileSync(new URL("../../fixtures/salt2/lc-a.csv", import.meta.url), "utf8"),
    );
    const fit = fitSalt2(rows, PRODUCT_FIT_CONFIG);
    const plot = await renderSalt2Plot({ epochs: rows, fit, title: "LC-A" });
    expect(Buffer.from(plot.png.subarray(0, 8))).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
    // IHDR: width and height at bytes 16–23.
    const view = new DataView(plot.png.buffer, plot.png.byteOffset);
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([plot.width, plot.height]);
    expect(plot.width).toBeGreaterThan(1000);
    expect(plot.height).toBeGreaterThan(500);
    for (const text of [
      "LC-A",
      "ztfg",
      "ztfr",
      "MJD",
      "flux (zp 25 AB)",
      "z = 0.0509 ± 0.0029",
      "x1 = 0.703 ± 0.045",
      "χ²/ndof = 34.07/43",
    ]) {
      expect(plot.svg).toContain(text);
    }
  }, 30_000);
});
