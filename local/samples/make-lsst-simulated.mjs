// Writes SIMULATED LSST alerts into local/samples/lsst/simulated/: one Rubin wire-format packet
// (schema v9.0, registry id 900) per simulated SN Ia light curve of
// test/fixtures/salt2/lsst-simulated.json (bench/salt2/simulate_lsst.py, sncosmo). Dev-time only.
//   npm run build && node local/samples/make-lsst-simulated.mjs
// The triggering diaSource is the curve's last visit with S/N ≥ 5; prvDiaSources are the earlier
// visits with |S/N| ≥ 5 (Rubin's DIA detection threshold), prvDiaForcedSources every earlier visit.
// Only what the simulation gives is filled: ids, position, time, band, psfFlux/psfFluxErr (nJy),
// snr, a reliability of 0.97 and every artefact flag false (a clean, real-looking detection);
// every other nullable field is null and the cutouts are absent. Ids start at 7·10^18 so they can
// never collide with Rubin's.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundledSchema, encodeWireMessage } from "@pgb/broker-utils/avro";

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURE = join(here, "../../test/fixtures/salt2/lsst-simulated.json");
const OUT = join(here, "lsst/simulated");
const VERSION = "v9_0";
const SCHEMA_ID = 900;
const FIRST_ID = 7_000_000_000_000_000_000n;
const RELIABILITY = 0.97;
/** Every artefact flag of a diaSource that the filters read, false. */
const CLEAN_FLAGS = Object.fromEntries(
  [
    "psfFlux_flag",
    "pixelFlags",
    "pixelFlags_bad",
    "pixelFlags_edge",
    "pixelFlags_offimage",
    "pixelFlags_nodataCenter",
    "pixelFlags_saturatedCenter",
    "pixelFlags_crCenter",
    "pixelFlags_suspectCenter",
    "pixelFlags_interpolatedCenter",
    "pixelFlags_streakCenter",
    "isDipole",
    "glint_trail",
  ].map((flag) => [flag, false]),
);

/** A record of the bundled type `name`: the given values, null for every other nullable field. */
function record(name, values) {
  const { json } = bundledSchema("lsst", VERSION, name);
  const nullable = (type) => Array.isArray(type) && type.includes("null");
  return Object.fromEntries(
    json.fields.map((field) => {
      if (field.name in values) return [field.name, values[field.name]];
      if (nullable(field.type)) return [field.name, null];
      throw new Error(`${name}.${field.name} is required and the simulation does not give it`);
    }),
  );
}

function packet(curve, index) {
  const { time, band, flux, fluxerr } = curve.data;
  const objectId = FIRST_ID + BigInt(index) * 1000n;
  // a fixed sky position per curve, away from the galactic plane
  const ra = 30 + 15 * index;
  const dec = -30 + index;
  const visits = time.map((t, i) => ({
    i,
    visit: BigInt(Math.round(t * 1e4)),
    common: { ra, dec, detector: 94, midpointMjdTai: t, band: band[i].slice(4) },
    flux: flux[i],
    fluxerr: fluxerr[i],
    snr: flux[i] / fluxerr[i],
  }));
  const trigger = visits.findLast((v) => v.snr >= 5);
  const earlier = visits.filter((v) => v.i < trigger.i);
  const diaSource = (v) =>
    record("diaSource", {
      ...v.common,
      ...CLEAN_FLAGS,
      diaSourceId: objectId + 1n + BigInt(v.i),
      diaObjectId: objectId,
      visit: v.visit,
      x: 2000,
      y: 2000,
      psfFlux: v.flux,
      psfFluxErr: v.fluxerr,
      snr: Math.abs(v.snr),
      reliability: RELIABILITY,
      timeProcessedMjdTai: v.common.midpointMjdTai + 0.01,
    });
  const forced = (v) =>
    record("diaForcedSource", {
      ...v.common,
      diaForcedSourceId: objectId + 500n + BigInt(v.i),
      diaObjectId: objectId,
      visit: v.visit,
      psfFlux: v.flux,
      psfFluxErr: v.fluxerr,
      timeProcessedMjdTai: v.common.midpointMjdTai + 0.01,
    });
  const source = diaSource(trigger);
  const alert = record("alert", {
    diaSourceId: source.diaSourceId,
    diaSource: source,
    prvDiaSources: earlier.filter((v) => Math.abs(v.snr) >= 5).map(diaSource),
    prvDiaForcedSources: earlier.map(forced),
    diaObject: record("diaObject", {
      diaObjectId: objectId,
      validityStartMjdTai: visits[0].common.midpointMjdTai,
      ra,
      dec,
      nDiaSources: 1 + earlier.filter((v) => Math.abs(v.snr) >= 5).length,
    }),
  });
  return {
    name: `${source.diaSourceId}.avro`,
    bytes: encodeWireMessage(alert, bundledSchema("lsst", VERSION), SCHEMA_ID),
  };
}

const { lightcurves } = JSON.parse(readFileSync(FIXTURE, "utf8"));
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const lines = [];
lightcurves.forEach((curve, index) => {
  const { name, bytes } = packet(curve, index);
  writeFileSync(join(OUT, name), bytes);
  const sha = createHash("sha256").update(bytes).digest("hex");
  lines.push(
    `| \`${name}\` | ${curve.name} | ${curve.truth.z.toFixed(4)} | ${bytes.length} | \`${sha.slice(0, 16)}…\` |`,
  );
});
writeFileSync(
  join(OUT, "README.md"),
  `# SIMULATED LSST alerts — not Rubin data

Every file here is **simulated**: a Rubin alert packet in Confluent wire format (schema v9.0,
registry id 900) built by \`local/samples/make-lsst-simulated.mjs\` from the simulated SN Ia light
curves of \`test/fixtures/salt2/lsst-simulated.json\`, which \`bench/salt2/simulate_lsst.py\` draws
with sncosmo 2.9 (SALT2 v2.4, seed 2026; Rubin's wide-fast-deep cadence of visit pairs ~33 min
apart every 2–5 nights, single-visit nJy errors from each band's 5σ depth). They exist so that a
local LSST night exercises every stream (\`alerts_pure\`, \`exgalac_trans\`, \`salt2\`): none of
the real Rubin samples in \`../wire_v9.0/\` is an extragalactic transient.

Each packet: the triggering \`diaSource\` is the curve's last visit with S/N ≥ 5,
\`prvDiaSources\` the earlier visits with |S/N| ≥ 5, \`prvDiaForcedSources\` every earlier visit.
Only ids (from 7·10^18, never Rubin's), position, time, band, \`psfFlux\`/\`psfFluxErr\`, \`snr\`,
\`reliability\` = ${RELIABILITY} and the artefact flags (all false) are filled; every other nullable
field is null and there are no cutouts. Rebuild with:

\`\`\`sh
npm run build && node local/samples/make-lsst-simulated.mjs
\`\`\`

| file | light curve | true z | bytes | sha256 |
|---|---|---:|---:|---|
${lines.join("\n")}
`,
);
process.stdout.write(`${lightcurves.length} simulated LSST alerts written to ${OUT}\n`);
