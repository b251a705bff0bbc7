/**
 * Writes docs/img/salt2-<objectId>.png: the product's SALT2 fit of a real ZTF alert (its epochs as
 * stored in test/fixtures/salt2/alerts.json, built per docs/spec/broker.md §6).
 *
 *   npx tsx --conditions source bench/salt2/plot-alert.ts ZTF21abprzfg
 */
import { readFileSync, writeFileSync } from "node:fs";

import { renderSalt2Plot } from "@pgb/salt2/plot";
import { PRODUCT_FIT_CONFIG, fitSalt2, photometryRows, type PhotometryColumns } from "@pgb/salt2";

const objectId = process.argv[2] ?? "ZTF21abprzfg";
const root = new URL("../../", import.meta.url);
const { alerts } = JSON.parse(
  readFileSync(new URL("test/fixtures/salt2/alerts.json", root), "utf8"),
) as {
  alerts: { objectId: string; candid: string; product: { epochs: PhotometryColumns } }[];
};
const alert = alerts.find((a) => a.objectId === objectId);
if (alert === undefined) throw new Error(`${objectId} is not in test/fixtures/salt2/alerts.json`);
const epochs = photometryRows(alert.product.epochs);
const fit = fitSalt2(epochs, PRODUCT_FIT_CONFIG);
const plot = await renderSalt2Plot({ epochs, fit, title: `${objectId} (candid ${alert.candid})` });
const out = new URL(`docs/img/salt2-${objectId}.png`, root);
writeFileSync(out, plot.png);
process.stdout.write(
  `${out.pathname}: ${plot.width}×${plot.height}, χ²/ndof = ${fit.chisq.toFixed(2)}/${fit.ndof}\n`,
);
