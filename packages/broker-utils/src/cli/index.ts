import { alertCommands } from "../alerts/cli.js";
import { costCommands } from "../cost/cli.js";
import { deadletterCommands } from "../deadletter/cli.js";
import { namesCommands } from "../naming/cli.js";
import { salt2Commands } from "../salt2/cli.js";
import { simulateCommands } from "../simulator/cli.js";
import { createProgram, runProgram, type CommandModule } from "./program.js";

export { createProgram, runProgram, UsageError, type CommandModule } from "./program.js";

/** Command groups of this package, one per concept. */
const CORE_COMMANDS: readonly CommandModule[] = [
  alertCommands,
  costCommands,
  deadletterCommands,
  namesCommands,
  salt2Commands,
  simulateCommands,
];

/** Command groups of optional packages, loaded when installed (the local instance is not in notebooks). */
async function optionalCommands(): Promise<CommandModule[]> {
  // A variable specifier: broker-utils must not depend on the local instance at build time.
  const specifier = "@pgb/local";
  try {
    const local = (await import(specifier)) as { registerCommands?: CommandModule };
    return local.registerCommands ? [local.registerCommands] : [];
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ERR_MODULE_NOT_FOUND" && String(err).includes("@pgb/local")) return [];
    throw err;
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = createProgram([...CORE_COMMANDS, ...(await optionalCommands())]);
  return runProgram(program, argv);
}
