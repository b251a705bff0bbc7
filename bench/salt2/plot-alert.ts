/**
 * Writes docs/img/salt2-<objectId>.png: the product's SALT2 fit of a real ZTF alert (its epochs as
 * stored in test/fixtures/salt2/alerts.json, built per docs/spec/broker.md §6).
 *
 *   npx tsx --conditions source bench/salt2/plot-alert.ts ZTF21abprzfg
 */
import { readFileSync, writeFileSync } from "node:fs";

import { renderSalt2Plot } from "@pgb/salt2/plot";
import { PRODUCT_FIT_CONFIG, fitSalt2, type PhotometryPoint } from "@pgb/salt2";

interface Epochs {
  time: number[];
  band: string[];
  flux: number[];
  fluxerr: number[];
  zp: number[];
  zpsys: string[];
}

const objectId = process.argv[2] ?? "ZTF21abprzfg";
const root = new URL("../../", import.meta.url);
const { alerts } = JSON.parse(
  readFileSync(new URL("test/fixtures/salt2/alerts.json", root), "utf8"),
) as {
  alerts: { objectId: string; candid: string; product: { epochs: Epochs } }[];
};
const alert = alerts.find((a) => a.objectId === objectId);
if (alert === undefined) throw new Error(`${objectId} is not in test/fixtures/salt2/alerts.json`);
const e = alert.product.epochs;
const epochs: PhotometryPoint[] = e.time.map((time, i) => ({
  time,
  band: e.band[i] as string,
  flux: e.flux[i] as number,
  fluxerr: e.fluxerr[i] as number,
  zp: e.zp[i] as number,
  zpsys: e.zpsys[i] as string,
}));
const fit = fitSalt2(epochs, PRODUCT_FIT_CONFIG);
const plot = await renderSalt2Plot({ epochs, fit, title: `${objectId} (candid ${alert.candid})` });
const out = new URL(`docs/img/salt2-${objectId}.png`, root);
writeFileSync(out, plot.png);
process.stdout.write(
  `${out.pathname}: ${plot.width}×${plot.height}, χ²/ndof = ${fit.chisq.toFixed(2)}/${fit.ndof}\n`,
);
