// Rebuilds the sample alerts of the local instance from the test data (test/data, whose READMEs
// and MANIFEST.tsv give each file's origin and license) and writes SOURCES.tsv. Dev-time only: the
// local instance reads the files in this folder, never the kit.
//   npm run build && node local/samples/make-samples.mjs [data folder, default test/data]
// ZTF: real alerts copied byte for byte. LSST: the kit's one real Rubin alert in Confluent wire
// format, copied; and Fink's six re-serialised Rubin v9.0 alerts converted back to Rubin's wire
// format (schema id 900): Fink's two added fields (brokerIngestMjd, lsst_schema_version) dropped,
// every other value kept, encoded with the bundled lsst.v9_0 schema.
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bundledSchema, decodeSingleRecordContainer } from "@pgb/broker-utils/avro";

const here = dirname(fileURLToPath(import.meta.url));
const kit = resolve(process.argv[2] ?? join(here, "../../test/data"));
const manifest = new Map(
  readFileSync(join(kit, "MANIFEST.tsv"), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => line.split("\t"))
    .map((cols) => [cols[0], cols]),
);

/** ZTF: every 3.3 alert (12 of them get a SALT2 fit), eight of the 4.01 exposure, the 4.02 one. */
const ZTF_401 = [
  "2475433850015010009",
  "2475433850015015010",
  "2475433850015015022",
  "2475433850215015019",
  "2475433850315015003",
  "2475433850315015008",
  "2475433850315015009",
  "2475433850415015012",
];
const ztf = [
  ...readdirSync(join(kit, "ztf/alerts/v3.3")).map((f) => `ztf/alerts/v3.3/${f}`),
  ...ZTF_401.map((id) => `ztf/alerts/v4.01/${id}.avro`),
  "ztf/alerts/v4.02/2695378462115010012.avro",
];
const LSST_WIRE = "lsst/alerts/confluent_wire_v9.0/7912941781254298.avro";
const FINK_V9 = "lsst/alerts/fink_spark_v9.0";
/** Rubin's schema-registry id of v9.0 (MAJOR·100 + MINOR), big-endian after the zero byte. */
const WIRE_HEADER_900 = Buffer.from([0, 0, 0, 0x03, 0x84]);

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
const rows = [
  [
    "file",
    "bytes",
    "sha256",
    "derived from (kit path)",
    "how",
    "source repository",
    "commit",
    "license",
  ],
];
function record(target, source, how) {
  const bytes = readFileSync(join(here, target));
  const m = manifest.get(source) ?? [];
  rows.push([
    target,
    String(bytes.length),
    sha256(bytes),
    source,
    how,
    m[3] ?? "",
    m[4] ?? "",
    m[6] ?? "",
  ]);
}

// lsst/simulated/ is make-lsst-simulated.mjs's (simulated alerts, with their own README)
for (const dir of ["ztf", "lsst/wire_v9.0"])
  rmSync(join(here, dir), { recursive: true, force: true });
for (const source of ztf) {
  const target = join("ztf", relative("ztf/alerts", source));
  mkdirSync(dirname(join(here, target)), { recursive: true });
  copyFileSync(join(kit, source), join(here, target));
  record(target, source, "copied");
}
mkdirSync(join(here, "lsst/wire_v9.0"), { recursive: true });
const wireTarget = `lsst/wire_v9.0/${basename(LSST_WIRE)}`;
copyFileSync(join(kit, LSST_WIRE), join(here, wireTarget));
record(wireTarget, LSST_WIRE, "copied");
const v9 = bundledSchema("lsst", "v9_0");
const fields = new Set(v9.json.fields.map((f) => f.name));
for (const name of readdirSync(join(kit, FINK_V9)).sort()) {
  const source = `${FINK_V9}/${name}`;
  const { record: alert } = decodeSingleRecordContainer(readFileSync(join(kit, source)), source);
  const dropped = Object.keys(alert).filter((k) => !fields.has(k));
  for (const key of dropped) delete alert[key];
  const target = `lsst/wire_v9.0/${String(alert.diaSourceId)}.avro`;
  writeFileSync(join(here, target), Buffer.concat([WIRE_HEADER_900, v9.type.toBuffer(alert)]));
  record(target, source, `Fink container → Rubin wire format v9.0 (dropped ${dropped.join(", ")})`);
}
writeFileSync(join(here, "SOURCES.tsv"), rows.map((r) => r.join("\t")).join("\n") + "\n");
process.stdout.write(`${rows.length - 1} sample alerts written to ${here}\n`);
