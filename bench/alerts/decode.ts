/**
 * Alert decoding throughput on the real ZTF alerts of test/data (53 single-alert container
 * files, ~57–91 KB each): what the bq-sink and value-added functions do per message — decode the
 * container (cached writer schema, bigint longs), strip the cutouts, build the `alerts` and
 * `DIASource` rows — and the same for LSST alerts in Rubin's wire format (the 7 real ones of the
 * local samples, v9.0, one with cutouts; the 20 simulated SN Ia packets), against baselines
 * measured in the same run:
 * - avsc datum decode with number longs, the writer type parsed once and the block located
 *   beforehand (a floor: no container parsing, no ids). avsc's own long refuses ZTF candids
 *   (> 2^53, "potential precision loss"), so its number long here is a lossy one;
 * - the same with the bigint long avsc's documentation suggests (8-byte unpack per value);
 * - avsc's streaming BlockDecoder per message, the usual way to read a container.
 *
 * Each round of each measurement runs in a fresh process (in one process the avsc call sites that
 * saw the baselines' long types would turn megamorphic and slow down whatever runs next), and the
 * rounds are interleaved so that a change in machine load affects all measurements alike.
 *
 * Rates are alerts per CPU second of the measuring process (GC threads included).
 *
 * Run: npx tsx --conditions=source bench/alerts/decode.ts [seconds per round, default 2]
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import avro from "avsc";
import { Alert, bigQueryRow } from "@pgb/broker-utils/alerts";
import { decodeSingleRecordContainer, readContainerHeader } from "@pgb/broker-utils/avro";
import { dataPath } from "@pgb/test-data";

// Measure the code in the tree, not the packages' built dist/ (which may be stale).
if (!import.meta.resolve("@pgb/broker-utils/alerts").endsWith(".ts")) {
  console.error(
    "run with `npx tsx --conditions=source bench/alerts/decode.ts`: it measures sources",
  );
  process.exit(2);
}

const DATA = dataPath("ztf/alerts");
/** Rubin wire-format packets: real (those Fink re-serialised converted back) and simulated. */
const LSST_SAMPLES = fileURLToPath(new URL("../../local/samples/lsst/", import.meta.url));
const CHILD_FLAG = "--measure";
const child = process.argv[2] === CHILD_FLAG;
const SECONDS = Number((child ? process.argv[4] : process.argv[2]) ?? 2);
const ROUNDS = 5;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : name.endsWith(".avro") ? [path] : [];
  });
}

const alerts = files(DATA).map((path) => readFileSync(path));
const ALERT_SETS = {
  ztf: alerts,
  "lsst real": files(join(LSST_SAMPLES, "wire_v9.0")).map((path) => readFileSync(path)),
  "lsst simulated": files(join(LSST_SAMPLES, "simulated")).map((path) => readFileSync(path)),
};
type AlertSet = keyof typeof ALERT_SETS;
const megabytes = (set: AlertSet): number =>
  ALERT_SETS[set].reduce((sum, bytes) => sum + bytes.length, 0) / ALERT_SETS[set].length / 1e6;

/** Where the single block's data starts: after the header, the record count and the byte size. */
function blockStart(bytes: Buffer): number {
  let pos = readContainerHeader(bytes, "bench").end;
  for (let varint = 0; varint < 2; varint++) while (bytes[pos++]! & 0x80);
  return pos;
}

/** A writer type with the given long; the schema's defaults go (they play no part in decoding, and ZTF's are not all valid). */
function writerType(schema: avro.Schema, long: avro.Type): avro.Type {
  const withoutDefaults = JSON.parse(JSON.stringify(schema), (key, value: unknown) =>
    key === "default" ? undefined : value,
  ) as avro.Schema;
  return avro.Type.forSchema(withoutDefaults, {
    typeHook: (s) => (s === "long" || (s as { type?: unknown }).type === "long" ? long : undefined),
  });
}

/** Writer types parsed once per distinct schema, as a long-lived decoder would hold them. */
function datumDecoders(long: avro.Type): ((bytes: Buffer) => unknown)[] {
  const types = new Map<string, avro.Type>();
  return alerts.map((bytes) => {
    const text = readContainerHeader(bytes, "bench").schemaText;
    let type = types.get(text);
    if (!type) types.set(text, (type = writerType(JSON.parse(text) as avro.Schema, long)));
    const start = blockStart(bytes);
    return (buf: Buffer) => type.decode(buf, start).value;
  });
}

const lossyNumberLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => Number(buf.readBigInt64LE()),
  toBuffer: (n: number) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: Number,
  toJSON: Number,
  isValid: (n: unknown) => typeof n === "number",
  compare: (a: number, b: number) => a - b,
});

const documentedBigIntLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(n);
    return buf;
  },
  fromJSON: BigInt,
  toJSON: String,
  isValid: (n: unknown) => typeof n === "bigint",
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

/**
 * Runs `run` over the alerts for `seconds` of wall time; returns alerts per second of the
 * process's CPU time, which a busy shared machine disturbs far less than wall time.
 */
async function rate(
  run: (bytes: Buffer, i: number) => unknown,
  set: readonly Buffer[],
  seconds: number,
): Promise<number> {
  let count = 0;
  const cpu = process.cpuUsage();
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < set.length; i++) await run(set[i]!, i);
    count += set.length;
  }
  const used = process.cpuUsage(cpu);
  return count / ((used.user + used.system) / 1e6);
}

function blockDecoderRead(bytes: Buffer): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const records: unknown[] = [];
    Readable.from([bytes])
      .pipe(
        new avro.streams.BlockDecoder({
          parseHook: (schema) => writerType(schema, documentedBigIntLong),
        }),
      )
      .on("data", (record: unknown) => records.push(record))
      .on("end", () => resolve(records[0]))
      .on("error", reject);
  });
}

/** What bq-sink does per message before its insert: decode, strip cutouts, both rows. */
const rowsOf =
  (survey: "ztf" | "lsst") =>
  (bytes: Buffer): unknown => {
    const alert = Alert.fromBytes(bytes, { survey, input: "bench" });
    alert.dict();
    return [bigQueryRow(alert, "alerts"), bigQueryRow(alert, "DIASource")];
  };

interface Measurement {
  readonly set: AlertSet;
  readonly make: () => (bytes: Buffer, i: number) => unknown;
}

const MEASUREMENTS: Record<string, Measurement> = {
  "baseline: avsc datum decode, number longs (lossy)": {
    set: "ztf",
    make: () => {
      const decoders = datumDecoders(lossyNumberLong);
      return (bytes, i) => decoders[i]!(bytes);
    },
  },
  "avsc datum decode, documented bigint long": {
    set: "ztf",
    make: () => {
      const decoders = datumDecoders(documentedBigIntLong);
      return (bytes, i) => decoders[i]!(bytes);
    },
  },
  "avsc BlockDecoder per message (streaming, bigint long)": {
    set: "ztf",
    make: () => blockDecoderRead,
  },
  "ours: container decode (cached schema, bigint longs)": {
    set: "ztf",
    make: () => (bytes) => decodeSingleRecordContainer(bytes, "bench"),
  },
  "ours: Alert + strip cutouts + alerts & DIASource rows": {
    set: "ztf",
    make: () => rowsOf("ztf"),
  },
  "ours, LSST real (wire v9.0): Alert + rows": { set: "lsst real", make: () => rowsOf("lsst") },
  "ours, LSST simulated (wire v9.0): Alert + rows": {
    set: "lsst simulated",
    make: () => rowsOf("lsst"),
  },
};

if (child) {
  const { set, make } = MEASUREMENTS[process.argv[3]!]!;
  const run = make();
  await rate(run, ALERT_SETS[set], 1); // warm-up: JIT, schema caches, row builders
  process.stdout.write(String(await rate(run, ALERT_SETS[set], SECONDS)));
} else {
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  console.log(
    Object.entries(ALERT_SETS)
      .map(
        ([set, list]) =>
          `${list.length} ${set} alerts (mean ${megabytes(set as AlertSet).toFixed(3)} MB)`,
      )
      .join(", ") +
      `; alerts per CPU second; ${ROUNDS} rounds of ${SECONDS} s per measurement, each in its ` +
      `own process, interleaved; node ${process.version}, ${new Date().toISOString()}, load ${load}`,
  );
  const names = Object.keys(MEASUREMENTS);
  const rates = new Map<string, number[]>(names.map((name) => [name, []]));
  // round-robin, so that a change in machine load affects every measurement alike
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      const args = [
        ...process.execArgv,
        fileURLToPath(import.meta.url),
        CHILD_FLAG,
        name,
        String(SECONDS),
      ];
      rates.get(name)!.push(Number(execFileSync(process.execPath, args, { encoding: "utf8" })));
    }
  }
  const median = (name: string): number => {
    const sorted = [...rates.get(name)!].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  };
  for (const name of names) {
    console.log(
      `${name.padEnd(56)} ${median(name).toFixed(0).padStart(7)} alerts/s CPU` +
        `  (rounds ${rates
          .get(name)!
          .map((r) => r.toFixed(0))
          .join(" ")})`,
    );
  }
  const [baseline, , , decodeOnly, pipeline, lsstReal, lsstSimulated] = names.map(
    median,
  ) as number[];
  console.log(
    `\nmedians: ours decode / baseline = ${(decodeOnly! / baseline!).toFixed(2)}; ` +
      `ours full pipeline / baseline = ${(pipeline! / baseline!).toFixed(2)}; ` +
      `the pipeline needs ${(400 / pipeline!).toFixed(2)} of a core for the required 400 alerts/s`,
  );
  console.log(
    `LSST / ZTF, Alert + rows per CPU second: real ${(lsstReal! / pipeline!).toFixed(2)}, ` +
      `simulated ${(lsstSimulated! / pipeline!).toFixed(2)}; LSST's 400 alerts/s need ` +
      `${(400 / lsstReal!).toFixed(3)} (real) / ${(400 / lsstSimulated!).toFixed(3)} (simulated) of a core`,
  );
}
