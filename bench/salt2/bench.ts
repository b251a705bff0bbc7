/**
 * SALT2 fit speed: this package's fitter and sncosmo 2.9 (+ iminuit) on the same light curves and
 * configurations, measured in the same run as CPU time per fit (fits per second per core).
 *
 *   nice npx tsx --conditions source bench/salt2/bench.ts [--repeat-python N]
 *
 * After a warm-up of both (every light curve fitted untimed: two CPU-seconds of rounds here, one fit
 * by sncosmo), each light curve is fitted by this package at least 5 times and for at least a quarter
 * of a CPU-second, by sncosmo N times for the reference light curves (default 10) and 3 times for the
 * others (a single fit's CPU time varied by up to 1.7× between runs).
 * The sncosmo side runs through bench/salt2/sncosmo-python.sh (installs the reference environment on
 * first use). Light curves: LC-A and LC-B (docs/spec/salt2.md appendices), HSF 20aai (ZTF bands), the real ZTF
 * alerts that pass the product's cuts, and simulated ZTF light curves (test/fixtures/salt2).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";

import {
  PRODUCT_FIT_CONFIG,
  fitSalt2,
  photometryRows,
  type FitConfig,
  type ParamName,
  type PhotometryColumns,
} from "@pgb/salt2";

type Columns = PhotometryColumns;

interface Case {
  name: string;
  set: string;
  data: Columns;
  vary: readonly ParamName[];
  bounds: Record<string, readonly [number, number]>;
  fixed?: Record<string, number>;
  repeat: number;
}

const root = new URL("../../", import.meta.url);
const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`test/fixtures/salt2/${name}`, root), "utf8")) as T;

const rows = photometryRows;

const pythonRepeat = Number(process.argv[process.argv.indexOf("--repeat-python") + 1] ?? 10) || 10;
const product = { vary: PRODUCT_FIT_CONFIG.vary ?? [], bounds: { ...PRODUCT_FIT_CONFIG.bounds } };
const zFixedFour: readonly ParamName[] = ["t0", "x0", "x1", "c"];

const lightcurves = fixture<{ lightcurves: Record<string, Columns> }>(
  "lightcurves.json",
).lightcurves;
const alerts = fixture<{
  alerts: { objectId: string; product: { epochs: Columns; cuts: { pass: boolean } } }[];
}>("alerts.json").alerts;
const simulated = fixture<{
  lightcurves: { name: string; data: Columns; truth: Record<string, number> }[];
}>("simulated.json").lightcurves;

const cases: Case[] = [
  {
    name: "LC-A",
    set: "reference (5 params)",
    data: lightcurves["LC-A"] as Columns,
    ...product,
    repeat: pythonRepeat,
  },
  {
    name: "LC-B",
    set: "reference (5 params)",
    data: lightcurves["LC-B"] as Columns,
    ...product,
    repeat: pythonRepeat,
  },
  {
    name: "20aai",
    set: "reference (5 params)",
    data: lightcurves["20aai"] as Columns,
    ...product,
    repeat: pythonRepeat,
  },
  ...(["LC-A", "LC-B"] as const).map((name) => ({
    name: `${name} z fixed`,
    set: "reference (4 params, z fixed)",
    data: lightcurves[name] as Columns,
    vary: zFixedFour,
    bounds: {},
    fixed: { z: name === "LC-A" ? 0.05 : 0.07 },
    repeat: pythonRepeat,
  })),
  ...alerts
    .filter((a) => a.product.cuts.pass)
    .map((a) => ({
      name: a.objectId,
      set: "real ZTF alerts (product config)",
      data: a.product.epochs,
      ...product,
      repeat: 3,
    })),
  ...simulated.slice(0, 20).map((s) => ({
    name: s.name,
    set: "simulated ZTF (product config)",
    data: s.data,
    ...product,
    repeat: 3,
  })),
];

function configOf(c: Case): FitConfig {
  return { vary: c.vary, bounds: c.bounds, params: c.fixed ?? {} };
}

// The machine may be shared: the 1-minute load average at the start and the end goes with the table.
const loadAtStart = loadavg()[0] as number;

// TypeScript: warm up (model and bandpass loading, and V8's optimising compiler, whose background
// threads count in the process's CPU time: one fit per light curve left it running into the first
// cases' timing), then CPU time per fit. The sncosmo side fits every case once untimed too.
const WARM_UP_SECONDS = 2;
const MIN_TS_SECONDS = 0.25;
const tsSeconds = new Map<string, { seconds: number; fits: number; ncall: number }>();
const warmUp = process.cpuUsage();
do {
  for (const c of cases) fitSalt2(rows(c.data), configOf(c));
} while (process.cpuUsage(warmUp).user / 1e6 < WARM_UP_SECONDS);
for (const c of cases) {
  const data = rows(c.data);
  const config = configOf(c);
  // At least 5 fits and a quarter of a CPU-second per light curve: the z-fixed reference fits
  // (~1 ms) timed 5 times each gave 580–960 fits/s in runs minutes apart.
  let fits = 0;
  let ncall = 0;
  let seconds = 0;
  const start = process.cpuUsage();
  while (fits < 5 || seconds < MIN_TS_SECONDS) {
    ncall += fitSalt2(data, config).ncall;
    fits++;
    const used = process.cpuUsage(start);
    seconds = (used.user + used.system) / 1e6;
  }
  tsSeconds.set(c.name, { seconds, fits, ncall: ncall / fits });
}

// sncosmo, in the same run.
const python = spawnSync(
  fileURLToPath(new URL("bench/salt2/sncosmo-python.sh", root)),
  [fileURLToPath(new URL("bench/salt2/bench_sncosmo.py", root))],
  { input: JSON.stringify(cases), encoding: "utf8", maxBuffer: 1 << 24 },
);
if (python.status !== 0) {
  process.stderr.write(python.stderr);
  throw new Error(`sncosmo benchmark failed (exit ${python.status})`);
}
const pySeconds = new Map(
  (
    JSON.parse(python.stdout) as { name: string; cpuSeconds: number; fits: number; ncall: number }[]
  ).map((r) => [r.name, r]),
);

const sets = [...new Set(cases.map((c) => c.set))];
const lines = [
  "| light curves | n | TS fits/s/core | sncosmo fits/s/core | ratio | median ratio per light curve | TS evaluations/fit | sncosmo calls/fit |",
  "|---|---:|---:|---:|---:|---:|---:|---:|",
];
const perFit = (
  m: Map<string, { fits: number } & ({ seconds: number } | { cpuSeconds: number })>,
  name: string,
) => {
  const r = m.get(name);
  if (r === undefined) return NaN;
  return ("seconds" in r ? r.seconds : r.cpuSeconds) / r.fits;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
let tsTotal = 0;
let pyTotal = 0;
for (const set of sets) {
  const members = cases.filter((c) => c.set === set);
  // Mean CPU time per fit over the light curves of the set (each light curve weighs the same).
  const mean = (xs: number[]) => xs.reduce((sum, x) => sum + x, 0) / xs.length;
  const ts = mean(members.map((c) => perFit(tsSeconds, c.name)));
  const py = mean(members.map((c) => perFit(pySeconds, c.name)));
  const tsCalls =
    members.reduce((s, c) => s + (tsSeconds.get(c.name)?.ncall ?? 0), 0) / members.length;
  const pyCalls =
    members.reduce((s, c) => s + (pySeconds.get(c.name)?.ncall ?? 0), 0) / members.length;
  tsTotal += ts * members.length;
  pyTotal += py * members.length;
  const ratios = members.map((c) => perFit(pySeconds, c.name) / perFit(tsSeconds, c.name));
  lines.push(
    `| ${set} | ${members.length} | ${(1 / ts).toFixed(0)} | ${(1 / py).toFixed(1)} | ${(py / ts).toFixed(0)}× | ${median(ratios).toFixed(0)}× | ${tsCalls.toFixed(0)} | ${pyCalls.toFixed(0)} |`,
  );
}
lines.push(
  `| all | ${cases.length} | ${(cases.length / tsTotal).toFixed(0)} | ${(cases.length / pyTotal).toFixed(1)} | ${(pyTotal / tsTotal).toFixed(0)}× | ${median(cases.map((c) => perFit(pySeconds, c.name) / perFit(tsSeconds, c.name))).toFixed(0)}× | | |`,
);
lines.push(
  "",
  `1-minute load average: ${loadAtStart.toFixed(1)} at the start, ${(loadavg()[0] as number).toFixed(1)} at the end`,
);
process.stdout.write(`${lines.join("\n")}\n`);
