/** `pgb cost`: what a night of an instance costs, by component, for each design the model compares. */
import {
  alertFunctionSizes,
  breakEvenReadSeconds,
  deployedDesign,
  designOf,
  designs,
  loadPrices,
  loadWorkload,
  nightCost,
  type CostInput,
  type DesignCost,
  type DesignSpec,
} from "@pgb/cost";
import { UsageError, type CommandModule } from "../program.js";

interface CostOptions {
  survey: string;
  alertsPerNight: string;
  json?: boolean;
}

interface Report {
  survey: string;
  alertsPerNight: number;
  pricesDate: string;
  pricesRegion: string;
  unconfirmedPrices: string[];
  /** The design the instance model deploys. */
  ours: string;
  designs: (DesignCost & {
    about: string;
    timesReference: number;
    /**
     * For a design fed by the notification: the read time below which it beats the same choices
     * fed the whole alert (null: even at 10 s; 0: never).
     */
    breakEvenReadSeconds?: number | null;
  })[];
}

function alertsPerNight(text: string): number {
  const n = Number(text.replaceAll("_", ""));
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError(
      `--alerts-per-night "${text}" is not a positive whole number (e.g. 1000000 or 1_000_000)`,
    );
  }
  return n;
}

function report(input: CostInput, list: DesignSpec[], ours: DesignSpec): Report {
  const costs = list.map((d) => nightCost(input, d));
  const reference = costs[0]!.perNight;
  return {
    survey: input.survey,
    alertsPerNight: input.alertsPerNight,
    pricesDate: input.prices.date,
    pricesRegion: input.prices.region,
    unconfirmedPrices: input.prices.unconfirmed,
    ours: ours.id,
    designs: costs.map((c, i) => {
      const d = list[i]!;
      const pushed = { ...d, fedByNotification: false };
      const breakEven = d.fedByNotification ? breakEvenReadSeconds(input, d, pushed) : undefined;
      return {
        ...c,
        about: d.about,
        timesReference: c.perNight / reference,
        // JSON has no Infinity: null = cheaper even at 10 s a read
        ...(d.fedByNotification
          ? { breakEvenReadSeconds: breakEven === Infinity ? null : (breakEven ?? 0) }
          : {}),
      };
    }),
  };
}

const dollars = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(4));

const SHORT: Readonly<Record<string, string>> = {
  VMs: "VMS",
  Functions: "FUNCTIONS",
  "Pub/Sub": "PUB/SUB",
  "GCS operations": "GCS OPS",
  "GCS storage (a month)": "GCS STORE",
  "BigQuery ingestion": "BQ INGEST",
  "BigQuery storage (a month)": "BQ STORE",
  Egress: "EGRESS",
};

function columns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join("  ")
      .trimEnd(),
  );
}

function breakEvenText(seconds: number | null | undefined): string {
  if (seconds === undefined) return "";
  if (seconds === null) return "read < 10 s";
  return seconds === 0 ? "never" : `read < ${seconds.toFixed(3)} s`;
}

function table(r: Report): string {
  const first = r.designs[0]!;
  const head = [
    "DESIGN ($/NIGHT)",
    ...first.components.map((c) => SHORT[c.component] ?? c.component),
    "TOTAL",
    "$/M ALERTS",
    "× REFERENCE",
    "BEATS PUSHED ALERTS IF",
  ];
  const rows = r.designs.map((d) => [
    d.design === r.ours ? `${d.design} (ours)` : d.design,
    ...d.components.map((c) => dollars(c.perNight)),
    dollars(d.perNight),
    dollars(d.perMillionAlerts),
    d.timesReference.toFixed(2),
    breakEvenText(d.breakEvenReadSeconds),
  ]);
  return [
    `${r.survey}, ${r.alertsPerNight.toLocaleString("en-US")} alerts a night; list prices of ` +
      `${r.pricesDate} (${r.pricesRegion}), ${r.unconfirmedPrices.length} of them unconfirmed ` +
      `(packages/cost/data/prices.json); ours = what the instance model deploys`,
    ...columns([head, ...rows]),
    "",
    ...r.designs.map((d) => `  ${d.design}: ${d.about}`),
    "",
  ].join("\n");
}

export const costCommands: CommandModule = (program) => {
  program
    .command("cost")
    .description(
      "dollars per night and per million alerts of an instance, by component and design (docs/cost.md)",
    )
    .requiredOption("--survey <survey>", "ztf or lsst")
    .requiredOption("--alerts-per-night <n>", "alerts a night, e.g. 1000000")
    .option("--json", "print JSON")
    .action((options: CostOptions) => {
      const workload = loadWorkload();
      if (workload.surveys[options.survey] === undefined) {
        throw new UsageError(
          `--survey "${options.survey}" has no workload: use one of ${Object.keys(workload.surveys).join(", ")}`,
        );
      }
      const input: CostInput = {
        survey: options.survey,
        alertsPerNight: alertsPerNight(options.alertsPerNight),
        prices: loadPrices(),
        workload,
        functions: alertFunctionSizes(options.survey),
      };
      const list = designs(workload);
      const r = report(input, list, designOf(list, deployedDesign(options.survey)));
      process.stdout.write(options.json ? `${JSON.stringify(r, null, 2)}\n` : table(r));
    });
};
