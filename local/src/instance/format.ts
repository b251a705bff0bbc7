/** Plain-text tables of a run's summary and of an instance's status, for the terminal. */
import { relative } from "node:path";
import { textTable } from "@pgb/broker-utils/terminal";
import type { RunSummary } from "./run.js";
import type { InstanceStatus } from "./status.js";
import { BUCKET } from "@pgb/broker-utils/naming";

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return textTable([header, ...rows]);
}

/** Fits listed in the summary; the rest are in the table. */
const MAX_FIT_ROWS = 25;

const seconds = (v: number | null | undefined): string =>
  v === null || v === undefined ? "-" : `${v.toFixed(2)} s`;
const fixed = (v: number | null, digits: number): string => (v === null ? "-" : v.toFixed(digits));

/** What the buckets and tables hold, as the summary and the status print it. */
function storedLines(s: {
  buckets: readonly { bucket: string; objects: number }[];
  tables: readonly { table: string; rows: number; view: string; distinct: number }[];
}): string[] {
  return [
    "Objects per bucket",
    table(
      ["BUCKET", "OBJECTS"],
      s.buckets.map((b) => [b.bucket, String(b.objects)]),
    ),
    "",
    "Rows per table (all rows / de-duplicated view)",
    table(
      ["TABLE", "ROWS", "VIEW", "ROWS"],
      s.tables.map((t) => [t.table, String(t.rows), t.view, String(t.distinct)]),
    ),
    "",
  ];
}

/** A path relative to the working directory when it is inside it (shorter to read and to copy). */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith("..") ? path : rel;
}

/** The summary of a local night as printed, top to bottom: long because it is the layout itself. */
export function formatSummary(s: RunSummary): string {
  const out: string[] = [];
  const deadLetterCount = s.deadLetters.reduce((n, d) => n + d.entries.length, 0);
  out.push(
    `Local instance ${s.stack}: night ${s.night}, Kafka topic ${s.kafkaTopic}`,
    `${s.replay.published} alerts replayed in ${s.replay.elapsedSeconds.toFixed(1)} s; ` +
      (s.settle.settled
        ? `all processed ${s.settle.waitedSeconds.toFixed(1)} s after the replay ended`
        : `NOT all processed after ${s.settle.waitedSeconds.toFixed(0)} s (Kafka lag ${s.settle.lag})`),
    "",
    "Alerts per stream (night conductor's counts = metadata rows)",
    table(
      ["STREAM", "COUNT", "COMPLETE"],
      s.streams.map((r) => [r.stream, String(r.count), String(r.complete)]),
    ),
    "",
    ...storedLines(s),
  );
  if (s.fits.length > 0) {
    const shownFits = s.fits.slice(0, MAX_FIT_ROWS);
    const bucket = s.buckets.find((b) => b.stub === BUCKET.sncosmo)?.bucket ?? BUCKET.sncosmo;
    const good = s.fits.filter((f) => f.quality === "good").length;
    out.push(
      `SALT2 fits: ${s.fits.length} rows, ${good} good (published to salt2), ` +
        `${s.fits.length - good} poor (row and plot only); plots downloaded`,
      table(
        ["OBJECT", "CANDID", "z", "t0", "x0", "x1", "c", "CHI2/NDOF", "QUALITY", "PNG"],
        shownFits.map((f) => [
          f.objectId,
          f.candid,
          fixed(f.z, 3),
          fixed(f.t0, 2),
          f.x0 === null ? "-" : f.x0.toExponential(2),
          fixed(f.x1, 2),
          fixed(f.c, 2),
          f.chisq === null || f.ndof === null ? "-" : `${f.chisq.toFixed(1)}/${f.ndof}`,
          f.quality === "poor" ? `poor: ${f.qualityReasons.join(",")}` : (f.quality ?? "-"),
          f.png === null
            ? f.plot === null
              ? "(no plot)"
              : `gs://${bucket}/${f.plot}`
            : shown(f.png),
        ]),
      ),
      ...(s.fits.length > shownFits.length
        ? [`… and ${s.fits.length - shownFits.length} more (table salt2_dedup)`]
        : []),
      "",
    );
  } else {
    out.push("SALT2 fits: none", "");
  }
  out.push(
    "Latency from the Kafka timestamp",
    table(
      ["STAGE", "MEASURED AS", "N", "P50", "P99", "MAX"],
      s.latency.map((l) => [
        l.stage,
        l.measuredAs,
        String(l.n),
        seconds(l.p50),
        seconds(l.p99),
        seconds(l.max),
      ]),
    ),
    "",
  );
  const failed = s.settle.stages.filter((st) => st.failedAnswers > 0);
  out.push(
    deadLetterCount === 0
      ? `Dead letters: none (${s.deadLetters.length} reservoirs)`
      : `Dead letters: ${deadLetterCount}\n` +
          table(
            ["FUNCTION", "REASON", "OBJECT", "SOURCE", "ERROR"],
            s.deadLetters.flatMap((d) =>
              d.entries.map((e) => [
                d.function,
                e.reason,
                e.objectId ?? "-",
                e.sourceId ?? "-",
                e.error.slice(0, 80),
              ]),
            ),
          ),
    failed.length === 0
      ? "Failed deliveries (retried by Pub/Sub): none"
      : `Failed deliveries (retried by Pub/Sub): ${failed.map((f) => `${f.stub} ${f.failedAnswers}`).join(", ")}`,
  );
  for (const note of s.notes) out.push(`Note: ${note}`);
  out.push(
    "",
    "Where",
    table(
      ["WHAT", "WHERE"],
      Object.entries(s.where).map(([k, v]) => [k, v.startsWith("/") ? shown(v) : v]),
    ),
  );
  return out.join("\n");
}

export function formatStatus(s: InstanceStatus): string {
  const out: string[] = [`Local instance ${s.stack} (${s.folder})`, ""];
  out.push(
    "Servers",
    table(
      ["SERVER", "STATE", "PID", "ENDPOINT"],
      s.servers.map((v) => [v.name, v.state, v.pids.join(",") || "-", v.endpoint]),
    ),
    "",
    "Processes",
    table(
      ["PROCESS", "KIND", "STATE", "PID", "PORT", "LOG"],
      s.processes.map((p) => [
        p.name,
        p.kind,
        p.state,
        p.pid === null ? "-" : String(p.pid),
        p.port === null ? "-" : String(p.port),
        shown(p.log),
      ]),
    ),
    "",
    "Resources",
    table(
      ["KIND", "EXPECTED", "PRESENT"],
      s.resources.map((r) => [r.kind, String(r.expected), String(r.present)]),
    ),
    "",
  );
  if (s.kafka.length > 0) {
    out.push(
      "Kafka topics replayed into",
      table(
        ["TOPIC", "MESSAGES", "CONSUMER COMMITTED"],
        s.kafka.map((k) => [k.topic, String(k.messages), String(k.committed)]),
      ),
      "",
    );
  }
  out.push(
    ...storedLines(s),
    "Deliveries (push front)",
    table(
      ["FUNCTION", "ANSWERED", "FAILED", "MESSAGES"],
      s.deliveries.map((d) => [
        d.stub,
        String(d.answers),
        String(d.failedAnswers),
        String(d.messages),
      ]),
    ),
    "",
    `Dead letters: ${s.deadLetters.map((d) => `${d.function} ${d.entries.length}`).join(", ")}`,
  );
  return out.join("\n");
}
