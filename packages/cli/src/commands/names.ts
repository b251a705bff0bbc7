/**
 * `pgb names`: every resource of an instance with its final name, from the instance model, or the
 * naming error that would stop a deployment.
 */
import { idColumnsOnlySchemas, instanceModel, listResources } from "@pgb/broker-utils/instance";
import { NamingError, parseStack } from "@pgb/broker-utils/naming";
import { UsageError, type CommandModule } from "../program.js";

interface NamesOptions {
  stack: string;
  project: string;
  region: string;
  json?: boolean;
}

export const namesCommands: CommandModule = (program) => {
  program
    .command("names")
    .description("print every resource of an instance: kind, stub and final name")
    .requiredOption("--stack <stack>", "Pulumi stack: <survey> (production) or <survey>-<testid>")
    .requiredOption("--project <id>", "GCP project id")
    .option("--region <region>", "GCP region", "us-central1")
    .option("--json", "print JSON")
    .action((options: NamesOptions) => {
      let resources;
      try {
        const { survey, testid } = parseStack(options.stack);
        const model = instanceModel({
          survey,
          testid,
          project: options.project,
          region: options.region,
          tableSchemas: idColumnsOnlySchemas,
        });
        resources = listResources(model);
      } catch (err) {
        if (err instanceof NamingError) throw new UsageError(err.message, 2);
        throw err;
      }
      if (options.json) {
        process.stdout.write(`${JSON.stringify(resources, null, 2)}\n`);
        return;
      }
      const width = Math.max(...resources.map((r) => r.kind.length));
      const stubWidth = Math.max(...resources.map((r) => r.stub.length));
      for (const r of resources) {
        process.stdout.write(`${r.kind.padEnd(width)}  ${r.stub.padEnd(stubWidth)}  ${r.name}\n`);
      }
    });
};
