/**
 * `pgb alert …`: look at alert files.
 * - `show <file> [--json]`: the alert without cutouts (JSON: 64-bit integers as decimal strings,
 *   top-level keys in schema order), or a readable summary;
 * - `filters <file> [--json]`: the purity and extragalactic-transient verdicts with their reasons;
 * - `lightcurve <file> [--csv]`: the light-curve epochs (time in MJD).
 * `--survey` and `--schema-version` are needed only where the bytes cannot tell (bare datums).
 */
import type { Command } from "commander";
import { Alert, toJsonString } from "@pgb/broker-utils/alerts";
import { runFilters, type FilterResult } from "@pgb/broker-utils/filters";
import { epochsToCsv, lightCurve } from "@pgb/broker-utils/photometry";
import { isSurvey, SURVEYS } from "@pgb/broker-utils/schema-maps";
import { textTable } from "@pgb/broker-utils/terminal";
import { UsageError, type CommandModule } from "../program.js";

interface FileOptions {
  survey?: string;
  schemaVersion?: string;
}

function readAlert(file: string, options: FileOptions): Alert {
  const { survey, schemaVersion } = options;
  if (survey !== undefined && !isSurvey(survey)) {
    throw new UsageError(`--survey ${survey} is not one of ${SURVEYS.join(", ")}`);
  }
  return Alert.fromFile(file, {
    ...(survey && { survey }),
    ...(schemaVersion && { schemaVersion }),
  });
}

function withFileOptions(command: Command): Command {
  return command
    .option("--survey <survey>", `survey of the alert (${SURVEYS.join(", ")}); default: recognised`)
    .option("--schema-version <version>", "bundled schema of a bare datum (e.g. v0_9)");
}

function table(rows: readonly (readonly string[])[]): string {
  return textTable(rows) + "\n";
}

function summary(alert: Alert): string {
  const map = alert.schemaMap;
  const source = alert.source ?? {};
  const mjd = map.mjd(source);
  const cutouts = Object.keys(map.cutouts(alert.record)).join(", ");
  return table([
    ["survey", alert.survey],
    ["schemaVersion", alert.schemaVersion ?? "(unknown)"],
    ["objectId", alert.objectId],
    ["sourceId", alert.sourceId],
    ["ra, dec", `${alert.ra ?? "?"}, ${alert.dec ?? "?"}`],
    ["mjd", mjd === undefined ? "?" : String(mjd)],
    ["band", map.band(source) ?? "?"],
    [map.fields.prvSourcesField ?? "previous sources", String(alert.prvSources?.length ?? 0)],
    ["cutouts", cutouts || "none"],
  ]);
}

function filterLines(name: string, result: FilterResult): string[][] {
  return [
    [name, result.applicable ? (result.pass ? "pass" : "fail") : "not applicable", ""],
    ...Object.entries(result.reasons).map(([criterion, reason]) => [
      `  ${criterion}`,
      reason.pass ? "pass" : "fail",
      `${reason.rule}  (value: ${toJsonString(reason.value)})`,
    ]),
  ];
}

export const alertCommands: CommandModule = (program) => {
  const alert = program.command("alert").description("Look at alert files (Avro)");

  withFileOptions(alert.command("show"))
    .description("Show an alert without its cutouts")
    .argument("<file>", "Avro file of one alert (.gz is undone)")
    .option("--json", "print the alert as JSON (64-bit integers as strings)")
    .action((file: string, options: FileOptions & { json?: boolean }) => {
      const decoded = readAlert(file, options);
      process.stdout.write(
        options.json ? toJsonString(decoded.dict(), 2) + "\n" : summary(decoded),
      );
    });

  withFileOptions(alert.command("filters"))
    .description("Run the purity and extragalactic-transient filters on an alert")
    .argument("<file>", "Avro file of one alert")
    .option("--json", 'print {"pure", "extragalacticTransient", "reasons"} as JSON')
    .action((file: string, options: FileOptions & { json?: boolean }) => {
      const { pure, extragalacticTransient } = runFilters(readAlert(file, options));
      if (options.json) {
        const reasons = {
          pure: pure.reasons,
          extragalacticTransient: extragalacticTransient.reasons,
        };
        process.stdout.write(
          toJsonString(
            { pure: pure.pass, extragalacticTransient: extragalacticTransient.pass, reasons },
            2,
          ) + "\n",
        );
        return;
      }
      process.stdout.write(
        table([
          ...filterLines("pure", pure),
          ...filterLines("extragalacticTransient", extragalacticTransient),
        ]),
      );
    });

  withFileOptions(alert.command("lightcurve"))
    .description("Print an alert's light curve (time in MJD, flux with zero point)")
    .argument("<file>", "Avro file of one alert")
    .option("--csv", "print CSV: time,band,flux,fluxerr,zp,zpsys")
    .action((file: string, options: FileOptions & { csv?: boolean }) => {
      const epochs = lightCurve(readAlert(file, options));
      if (options.csv) {
        process.stdout.write(epochsToCsv(epochs));
        return;
      }
      const rows = epochs.map((e) => [
        e.time.toFixed(5),
        e.band,
        e.flux.toPrecision(6),
        e.fluxerr.toPrecision(6),
        e.zp.toFixed(3),
        e.zpsys,
        e.detection ? "detection" : "",
      ]);
      process.stdout.write(
        table([["time", "band", "flux", "fluxerr", "zp", "zpsys", ""], ...rows]),
      );
    });
};
