/**
 * SALT2 plot rendering: the product's own SVG renderer (`renderSalt2Plot`) against the Vega-Lite
 * path it replaced (`vega.ts`), in the same run, on the fits of the real ZTF alerts that value-added
 * fits (the 12 fitted alerts of test/unit/value-added/ztf-kit.ts). Each plot is rendered `--rounds`
 * times by each renderer, alternating; a plot's cost is the median CPU time (process.cpuUsage, user +
 * system) of its renders, after one warm-up render of every plot (vega loads on first use).
 *
 *   nice npx tsx --conditions source bench/plot/bench.ts [--rounds 7]
 */
import { cpus, loadavg } from "node:os";

import { Alert } from "@pgb/broker-utils/alerts";
import { percentile } from "@pgb/night";
import { lightCurve } from "@pgb/broker-utils/photometry";
import { renderSalt2Plot, type RenderedPlot, type Salt2PlotInput } from "@pgb/salt2/plot";
import { PRODUCT_FIT_CONFIG, fitSalt2 } from "@pgb/salt2";

import { readData } from "@pgb/test-data";
import { ZTF_KIT } from "@pgb/test-data/ztf-kit";
import { renderSalt2PlotWithVega } from "./vega.js";

type Renderer = (input: Salt2PlotInput) => Promise<RenderedPlot>;

interface Case {
  objectId: string;
  bands: number;
  points: number;
  input: Salt2PlotInput;
}

const rounds = Number(process.argv[process.argv.indexOf("--rounds") + 1] ?? 7) || 7;

function fittedCases(): Case[] {
  return ZTF_KIT.filter((k) => k.fit).map((k) => {
    const alert = Alert.fromBytes(readData(k.file), { survey: "ztf" });
    const epochs = lightCurve(alert);
    const fit = fitSalt2(epochs, PRODUCT_FIT_CONFIG);
    const used = epochs.filter((_, i) => fit.dataMask[i]);
    return {
      objectId: k.objectId,
      bands: new Set(used.map((e) => e.band)).size,
      points: used.length,
      input: { epochs, fit, title: `${alert.objectId} ${alert.sourceId}` },
    };
  });
}

/** CPU milliseconds of one render, and its PNG size. */
async function cpuMs(render: Renderer, input: Salt2PlotInput): Promise<[number, number]> {
  const start = process.cpuUsage();
  const plot = await render(input);
  const used = process.cpuUsage(start);
  return [(used.user + used.system) / 1000, plot.png.length];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid)
    ? ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
    : (sorted[Math.floor(mid)] as number);
}

const cases = fittedCases();
for (const c of cases) {
  await renderSalt2Plot(c.input);
  await renderSalt2PlotWithVega(c.input);
}
console.log(
  `${cases.length} plots, ${rounds} rounds; ${cpus()[0]?.model} × ${cpus().length}, Node ` +
    `${process.versions.node}, load ${loadavg()[0]?.toFixed(1)}, ${new Date().toISOString()}`,
);
console.log("objectId      bands points   new ms   old ms  ratio  new KB  old KB");
const rows: { new: number; old: number }[] = [];
for (const c of cases) {
  const times = { new: [] as number[], old: [] as number[] };
  let sizes = [0, 0];
  for (let r = 0; r < rounds; r++) {
    const [tNew, sizeNew] = await cpuMs(renderSalt2Plot, c.input);
    const [tOld, sizeOld] = await cpuMs(renderSalt2PlotWithVega, c.input);
    times.new.push(tNew);
    times.old.push(tOld);
    sizes = [sizeNew, sizeOld];
  }
  const row = { new: median(times.new), old: median(times.old) };
  rows.push(row);
  console.log(
    `${c.objectId.padEnd(13)} ${String(c.bands).padStart(5)} ${String(c.points).padStart(6)} ` +
      `${row.new.toFixed(1).padStart(8)} ${row.old.toFixed(1).padStart(8)} ` +
      `${(row.old / row.new).toFixed(1).padStart(6)} ${(sizes[0]! / 1024).toFixed(0).padStart(7)} ` +
      `${(sizes[1]! / 1024).toFixed(0).padStart(7)}`,
  );
}
const summary = (key: "new" | "old"): [number, number] => {
  const sorted = rows.map((r) => r[key]).sort((a, b) => a - b);
  return [median(sorted), percentile(sorted, 90) as number];
};
const [newMedian, newP90] = summary("new");
const [oldMedian, oldP90] = summary("old");
console.log(
  `new (own SVG + resvg): median ${newMedian.toFixed(1)} ms, p90 ${newP90.toFixed(1)} ms\n` +
    `old (vega-lite → vega → resvg): median ${oldMedian.toFixed(1)} ms, p90 ${oldP90.toFixed(1)} ms\n` +
    `old / new: median ${(oldMedian / newMedian).toFixed(1)}×, p90 ${(oldP90 / newP90).toFixed(1)}×`,
);
