/**
 * The `pgb` command tree. Each concept registers its own command group (alert, names, salt2, simulate,
 * deadletter, …) through a `CommandModule`; the local instance (@pgb/local) adds `services` and
 * `local` the same way.
 */
import { Command, CommanderError } from "commander";

/** A group of commands contributed by one module. */
export type CommandModule = (program: Command) => void;

/** An error whose message is meant for the user as is (no stack trace). */
export class UsageError extends Error {
  override name = "UsageError";
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export function createProgram(modules: readonly CommandModule[]): Command {
  const program = new Command("pgb")
    .description(
      "Command line of the alert broker: alerts, names, SALT2 fits, simulator, local instance",
    )
    .showHelpAfterError()
    .exitOverride();
  for (const register of modules) register(program);
  return program;
}

/** Runs the program and turns every failure into an exit code and a one-line message on stderr. */
export async function runProgram(program: Command, argv: readonly string[]): Promise<number> {
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version requests are successes; parse errors were already printed by commander
      return err.code === "commander.helpDisplayed" || err.code === "commander.version"
        ? 0
        : err.exitCode || 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`pgb: ${err.message}\n`);
      return err.exitCode;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`pgb: ${message}\n`);
    if (process.env["PGB_DEBUG"]) process.stderr.write(`${(err as Error).stack ?? ""}\n`);
    return 1;
  }
}
