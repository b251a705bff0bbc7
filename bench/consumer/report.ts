/**
 * The consumer benchmark's report (bench.ts): one line per phase with its rate and the CPU each
 * process spent per alert, then, per Kafka client, the ratios to the limits and to the connector,
 * the consumer's own work and the comparison of the clients; and the same as one JSON object.
 */
import { cpus, loadavg, totalmem } from "node:os";

export interface Rate {
  messages: number;
  seconds: number;
  perSecond: number;
  megabytesPerSecond: number;
}

/** CPU milliseconds per alert each process spent on a phase (whole phase, start-up included). */
export type CpuPerAlert = Record<string, number>;

export interface Phase {
  rate: Rate;
  cpu: CpuPerAlert;
}

export interface ProgramPhase extends Phase {
  rssMb: number;
  /** Medians over the stats windows of the windows' p50 and p99 publish latencies, ms. */
  latency?: { p50: number | null; p99: number | null };
}

export interface BenchResults {
  started: Date;
  /** The machine's load average (1, 5, 15 min) when the bench started: it shares the cores. */
  loadAtStart: number[];
  messages: number;
  partitions: number;
  loaded: { bytes: number };
  /** By Kafka client. */
  consumeOnly: Record<string, Phase>;
  publishOnly: Phase;
  /** The consumer program with each Kafka client. */
  consumers: Record<string, ProgramPhase>;
  consumerNoDecode: ProgramPhase | undefined;
  connector: ProgramPhase | undefined;
  unmodified: { config: string; error: string } | undefined;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
const total = (cpu: CpuPerAlert) => Object.values(cpu).reduce((a, b) => a + b, 0);
const load = () => loadavg().map((l) => round(l, 1));

function cpuLine(cpu: CpuPerAlert): string {
  const parts = Object.entries(cpu).map(([name, ms]) => `${name} ${ms.toFixed(3)}`);
  return `    CPU ms/alert: ${parts.join(", ")}; total ${total(cpu).toFixed(3)}`;
}

function row(name: string, r: Rate, extra = ""): string {
  return (
    `${name.padEnd(32)} ${String(r.perSecond).padStart(7)} alerts/s ` +
    `${r.megabytesPerSecond.toFixed(1).padStart(7)} MB/s  (${r.messages} in ${r.seconds} s)${extra}`
  );
}

/** What one client's consumer achieved against the limits and the connector. */
function clientFigures(r: BenchResults, client: string) {
  const consume = r.consumeOnly[client]!;
  const consumer = r.consumers[client]!;
  const partsMs = total(consume.cpu) + total(r.publishOnly.cpu);
  const estimate = Math.round((cpus().length * 1000) / partsMs);
  const limit = Math.min(consume.rate.perSecond, r.publishOnly.rate.perSecond);
  const programMs = consumer.cpu["consumer"] ?? NaN;
  return {
    consumerCpuMsPerAlert: programMs,
    /** The consumer's CPU less what reading (consume-only) and publishing (publish-only) cost. */
    ownWorkCpuMsPerAlert: round(
      programMs - (consume.cpu["bench"] ?? NaN) - (r.publishOnly.cpu["bench"] ?? NaN),
      3,
    ),
    sharedCoresEstimate: { perSecond: estimate, cpuMsPerAlert: round(partsMs, 3) },
    consumerOverLimit: round(consumer.rate.perSecond / limit, 2),
    consumerOverSharedCoresEstimate: round(consumer.rate.perSecond / estimate, 2),
    consumerOverConnector: r.connector
      ? round(consumer.rate.perSecond / r.connector.rate.perSecond, 2)
      : null,
    connectorCpuOverConsumerCpu: r.connector
      ? round((r.connector.cpu["connector"] ?? NaN) / programMs, 2)
      : null,
  };
}

/** The bench's report, table by table: long because it is the layout itself. */
export function reportOf(r: BenchResults): { text: string; json: unknown } {
  const clients = Object.keys(r.consumers);
  const figures = Object.fromEntries(clients.map((c) => [c, clientFigures(r, c)]));
  const meanBytes = r.loaded.bytes / r.messages;
  const [a, b] = clients;
  const clientRatio =
    a !== undefined && b !== undefined
      ? {
          [`${a}Over${b}`]: {
            consumeOnlyCpu: round(total(r.consumeOnly[a]!.cpu) / total(r.consumeOnly[b]!.cpu), 2),
            consumerCpu: round(
              figures[a]!.consumerCpuMsPerAlert / figures[b]!.consumerCpuMsPerAlert,
              2,
            ),
          },
        }
      : {};
  const json = {
    date: r.started.toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? "?",
      cores: cpus().length,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      loadAverageAtStart: r.loadAtStart.map((l) => round(l, 1)),
      loadAverageAtEnd: load(),
    },
    workload: {
      messages: r.messages,
      partitions: r.partitions,
      meanKilobytes: round(meanBytes / 1000, 1),
      totalMegabytes: Math.round(r.loaded.bytes / 1e6),
    },
    consumeOnly: Object.fromEntries(
      Object.entries(r.consumeOnly).map(([c, p]) => [c, { ...p.rate, cpuMsPerAlert: p.cpu }]),
    ),
    publishOnly: { ...r.publishOnly.rate, cpuMsPerAlert: r.publishOnly.cpu },
    consumer: Object.fromEntries(
      clients.map((c) => {
        const p = r.consumers[c]!;
        return [
          c,
          {
            ...p.rate,
            peakRssMegabytes: p.rssMb,
            publishLatencyMsMedianOfWindows: p.latency,
            cpuMsPerAlert: p.cpu,
            ...figures[c],
          },
        ];
      }),
    ),
    consumerDecodeOff: r.consumerNoDecode
      ? { ...r.consumerNoDecode.rate, cpuMsPerAlert: r.consumerNoDecode.cpu }
      : null,
    connector: r.connector
      ? { ...r.connector.rate, peakRssMegabytes: r.connector.rssMb, cpuMsPerAlert: r.connector.cpu }
      : null,
    connectorUnmodified: r.unmodified ?? null,
    clients: clientRatio,
  };
  const lines = [
    `consumer benchmark, ${json.date}, ${json.machine.cores} × ${json.machine.cpu}, ${json.machine.memoryGb} GB, Node ${json.machine.node}, load ${json.machine.loadAverageAtStart.join(" ")} at the start, ${json.machine.loadAverageAtEnd.join(" ")} at the end`,
    `workload: ${r.messages} real ZTF alerts (mean ${json.workload.meanKilobytes} KB, ${json.workload.totalMegabytes} MB), ${r.partitions} partitions`,
    ...Object.entries(r.consumeOnly).flatMap(([c, p]) => [
      row(`${c} consume-only`, p.rate),
      cpuLine(p.cpu),
    ]),
    row("Pub/Sub publish-only", r.publishOnly.rate),
    cpuLine(r.publishOnly.cpu),
    ...clients.flatMap((c) => [
      row(`consumer with ${c}`, r.consumers[c]!.rate, `, peak RSS ${r.consumers[c]!.rssMb} MB`),
      cpuLine(r.consumers[c]!.cpu),
    ]),
    ...(r.consumerNoDecode
      ? [row("consumer, decoding off", r.consumerNoDecode.rate), cpuLine(r.consumerNoDecode.cpu)]
      : []),
    ...(r.connector
      ? [
          row(
            "CloudPubSubConnector (shim)",
            r.connector.rate,
            `, peak RSS ${r.connector.rssMb} MB`,
          ),
          cpuLine(r.connector.cpu),
        ]
      : []),
    ...clients.map((c) => {
      const f = figures[c]!;
      return (
        `${c}: consumer / min(consume-only, publish-only) = ${f.consumerOverLimit}; ` +
        `/ connector = ${f.consumerOverConnector ?? "not measured"}; ` +
        `/ shared-cores estimate (${f.sharedCoresEstimate.perSecond}/s) = ${f.consumerOverSharedCoresEstimate}; ` +
        `CPU ms/alert consumer ${f.consumerCpuMsPerAlert.toFixed(3)}, its own work ${f.ownWorkCpuMsPerAlert.toFixed(3)}, ` +
        `connector / consumer CPU = ${f.connectorCpuOverConsumerCpu ?? "not measured"}`
      );
    }),
    ...Object.entries(clientRatio).map(
      ([k, v]) => `${k}: consume-only CPU ${v.consumeOnlyCpu}×, consumer CPU ${v.consumerCpu}×`,
    ),
    ...(r.unmodified ? [`connector as shipped (${r.unmodified.config}):`, r.unmodified.error] : []),
  ];
  return { text: lines.join("\n"), json };
}
