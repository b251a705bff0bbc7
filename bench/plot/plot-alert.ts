/**
 * Writes docs/img/salt2-plot-svg.png (the product's renderer) and docs/img/salt2-plot-vega.png (the
 * Vega-Lite renderer it replaced, `vega.ts`): the same fit of a real ZTF alert of the data kit
 * (default ZTF21abprzfg), its light curve and title as value-added makes them.
 *
 *   npx tsx --conditions source bench/plot/plot-alert.ts [objectId]
 */
import { writeFileSync } from "node:fs";

import { Alert } from "@pgb/broker-utils/alerts";
import { lightCurve } from "@pgb/broker-utils/photometry";
import { renderSalt2Plot } from "@pgb/salt2/plot";
import { PRODUCT_FIT_CONFIG, fitSalt2 } from "@pgb/salt2";

import { readData } from "@pgb/test-data";
import { ZTF_KIT } from "@pgb/test-data/ztf-kit";
import { renderSalt2PlotWithVega } from "./vega.js";

const objectId = process.argv[2] ?? "ZTF21abprzfg";
const kit = ZTF_KIT.find((k) => k.objectId === objectId && k.fit);
if (kit === undefined) {
  const fitted = ZTF_KIT.filter((k) => k.fit).map((k) => k.objectId);
  throw new Error(`${objectId} is not a fitted kit alert; use one of ${fitted.join(", ")}`);
}
const alert = Alert.fromBytes(readData(kit.file), { survey: "ztf" });
const epochs = lightCurve(alert);
const fit = fitSalt2(epochs, PRODUCT_FIT_CONFIG);
const input = { epochs, fit, title: `${alert.objectId} ${alert.sourceId}` };
for (const [name, render] of [
  ["svg", renderSalt2Plot],
  ["vega", renderSalt2PlotWithVega],
] as const) {
  const plot = await render(input);
  const out = new URL(`../../docs/img/salt2-plot-${name}.png`, import.meta.url);
  writeFileSync(out, plot.png);
  process.stdout.write(
    `${out.pathname}: ${plot.width}×${plot.height}, ${(plot.png.length / 1024).toFixed(0)} KB\n`,
  );
}
