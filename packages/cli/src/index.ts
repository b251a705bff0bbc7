/**
 * @pgb/cli: the `pgb` command line. Each concept contributes a command group; the local servers and
 * the local instance (`services`, `local`) come from @pgb/local.
 */
import { registerCommands as localCommands } from "@pgb/local";
import { alertCommands } from "./commands/alert.js";
import { costCommands } from "./commands/cost.js";
import { deadletterCommands } from "./commands/deadletter.js";
import { namesCommands } from "./commands/names.js";
import { salt2Commands } from "./commands/salt2.js";
import { simulateCommands } from "./commands/simulate.js";
import { createProgram, runProgram, type CommandModule } from "./program.js";

export { createProgram, runProgram, UsageError, type CommandModule } from "./program.js";
export const COMMANDS: readonly CommandModule[] = [
  alertCommands,
  costCommands,
  deadletterCommands,
  namesCommands,
  salt2Commands,
  simulateCommands,
  localCommands,
];

export async function main(argv: readonly string[]): Promise<number> {
  return runProgram(createProgram(COMMANDS), argv);
}
