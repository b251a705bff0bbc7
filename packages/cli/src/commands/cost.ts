/** `pgb cost`: what a night of an instance costs, by component, ours against the reference design. */
import {
  alertFunctionSizes,
  DESIGNS,
  loadPrices,
  loadWorkload,
  nightCost,
  type CostInput,
  type DesignCost,
} from "@pgb/cost";
import { UsageError, type CommandModule } from "../program.js";

interface CostOptions {
  survey: string;
  alertsPerNight: string;
  json?: boolean;
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

const dollars = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(4));

function table(input: CostInput, costs: DesignCost[]): string {
  const [ours, reference] = costs as [DesignCost, DesignCost];
  const head = ["COMPONENT", "$/NIGHT", "$/M ALERTS", "REFERENCE $/NIGHT", "REFERENCE $/M"];
  const rows = ours.components.map((c, i) => [
    c.component,
    dollars(c.perNight),
    dollars(c.perMillionAlerts),
    dollars(reference.components[i]!.perNight),
    dollars(reference.components[i]!.perMillionAlerts),
  ]);
  rows.push([
    "TOTAL",
    dollars(ours.perNight),
    dollars(ours.perMillionAlerts),
    dollars(reference.perNight),
    dollars(reference.perMillionAlerts),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  const { prices } = input;
  return [
    `${input.survey}, ${input.alertsPerNight.toLocaleString("en-US")} alerts a night; list prices of ` +
      `${prices.date} (${prices.region}), ${prices.unconfirmed.length} of them unconfirmed ` +
      `(packages/cost/data/prices.json); reference = one function call and one streaming insert per alert`,
    line(head),
    ...rows.map(line),
    "",
  ].join("\n");
}

export const costCommands: CommandModule = (program) => {
  program
    .command("cost")
    .description(
      "dollars per night and per million alerts of an instance, by component (docs/cost.md)",
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
      const costs = DESIGNS.map((d) => nightCost(input, d));
      process.stdout.write(
        options.json
          ? `${JSON.stringify(
              {
                survey: input.survey,
                alertsPerNight: input.alertsPerNight,
                pricesDate: input.prices.date,
                unconfirmedPrices: input.prices.unconfirmed,
                designs: costs,
              },
              null,
              2,
            )}\n`
          : table(input, costs),
      );
    });
};
