/**
 * `pgb services up|down|status|logs|install|restart`: the local servers from the command line.
 * Progress goes to stderr; `up` prints the environment for clients on stdout, so
 * `eval "$(pgb services up)"` points a shell at the servers.
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { textTable } from "@pgb/broker-utils/terminal";
import { parseServiceNames, resolveConfig, SERVICE_NAMES, type ServiceName } from "./config.js";
import { logFileOf } from "./driver.js";
import {
  ensureServices,
  installServices,
  restartService,
  serviceEnv,
  servicesDown,
  servicesStatus,
  type ServicesOptions,
  type ServiceStatus,
  type StorageNotification,
} from "./index.js";
import { lastLines, pathExists, readLogSince } from "./process.js";

interface CommonFlags {
  cacheDir?: string;
  kafkaPort?: number;
  pubsubPort?: number;
  storagePort?: number;
  bigqueryPort?: number;
  storageTopic?: StorageNotification;
}

function parsePortFlag(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError(`"${value}" is not a port number (1-65535)`);
  }
  return port;
}

function parseTopicFlag(value: string): StorageNotification {
  const match = /^(?:projects\/)?([^/]+)\/(?:topics\/)?([^/]+)$/.exec(value);
  if (!match?.[1] || !match[2]) {
    throw new InvalidArgumentError(
      `"${value}" is not <project>/<topic> (e.g. pgb-local/gcs-events)`,
    );
  }
  return { project: match[1], topic: match[2], events: ["finalize"] };
}

function withCacheOption(cmd: Command): Command {
  return cmd.option(
    "--cache-dir <dir>",
    "install cache and state (default: $PGB_CACHE_DIR or ~/.cache/pgb)",
  );
}

function withPortOptions(cmd: Command): Command {
  for (const name of SERVICE_NAMES) {
    cmd.addOption(
      new Option(
        `--${name}-port <port>`,
        `port of ${name} (default: $PGB_${name.toUpperCase()}_PORT)`,
      ).argParser(parsePortFlag),
    );
  }
  return cmd;
}

function optionsFrom(names: readonly string[], flags: CommonFlags): ServicesOptions {
  const ports: Partial<Record<ServiceName, number>> = {};
  if (flags.kafkaPort !== undefined) ports.kafka = flags.kafkaPort;
  if (flags.pubsubPort !== undefined) ports.pubsub = flags.pubsubPort;
  if (flags.storagePort !== undefined) ports.storage = flags.storagePort;
  if (flags.bigqueryPort !== undefined) ports.bigquery = flags.bigqueryPort;
  return {
    services: parseServiceNames(names),
    ports,
    ...(flags.cacheDir === undefined ? {} : { cacheDir: flags.cacheDir }),
    ...(flags.storageTopic === undefined ? {} : { storageNotification: flags.storageTopic }),
  };
}

function statusTable(rows: readonly ServiceStatus[]): string {
  const header = ["SERVER", "STATE", "PID", "PORT", "VERSION", "ENDPOINT"];
  const body = rows.map((s) => [
    s.name,
    s.state,
    s.pids.length > 0 ? s.pids.join(",") : "-",
    String(s.port),
    s.version,
    s.endpoint,
  ]);
  return textTable([header, ...body]);
}

const NAMES_HELP = `servers: ${SERVICE_NAMES.join(", ")} (default: all)`;

/** `services install`. */
function installCommand(services: Command): void {
  withCacheOption(
    services
      .command("install")
      .description("Install the servers into the cache (idempotent)")
      .argument("[names...]", NAMES_HELP),
  ).action(async (names: string[], flags: CommonFlags) => {
    await installServices(optionsFrom(names, flags));
  });
}

/** `services up`: start (or reuse) and print the environment. */
function upCommand(services: Command): void {
  withPortOptions(
    withCacheOption(
      services
        .command("up")
        .description(
          "Start the servers (installing them first if needed; healthy running ones are reused) " +
            "and print their environment variables",
        )
        .argument("[names...]", NAMES_HELP),
    ),
  )
    .addOption(
      new Option(
        "--storage-topic <project/topic>",
        "start the storage emulator with a server-wide event topic (OBJECT_FINALIZE)",
      ).argParser(parseTopicFlag),
    )
    .action(async (names: string[], flags: CommonFlags) => {
      const { endpoints } = await ensureServices(optionsFrom(names, flags));
      for (const [key, value] of Object.entries(serviceEnv(endpoints))) {
        process.stdout.write(`export ${key}=${value}\n`);
      }
    });
}

/** `services down`. */
function downCommand(services: Command): void {
  withCacheOption(
    services
      .command("down")
      .description("Stop the servers pgb started (by PID) and wait until they are gone")
      .argument("[names...]", NAMES_HELP)
      .option("--purge", "also delete their data (Kafka topics, stored objects, BigQuery tables)"),
  ).action(async (names: string[], flags: CommonFlags & { purge?: boolean }) => {
    await servicesDown({ ...optionsFrom(names, flags), purge: flags.purge === true });
  });
}

/** `services status`. */
function statusCommand(services: Command): void {
  withPortOptions(
    withCacheOption(
      services
        .command("status")
        .description(
          "Show each server: healthy, unhealthy, stopped or port-busy; PID, port, version",
        )
        .argument("[names...]", NAMES_HELP)
        .option("--json", "print JSON"),
    ),
  ).action(async (names: string[], flags: CommonFlags & { json?: boolean }) => {
    const rows = await servicesStatus(optionsFrom(names, flags));
    process.stdout.write(
      flags.json ? `${JSON.stringify(rows, null, 2)}\n` : `${statusTable(rows)}\n`,
    );
  });
}

/** `services logs`: the end of each log file. */
function logsCommand(services: Command): void {
  withCacheOption(
    services
      .command("logs")
      .description("Print the end of the servers' log files")
      .argument("[name]", NAMES_HELP)
      .addOption(
        new Option("-n, --lines <count>", "lines per server").default(40).argParser((v: string) => {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 1)
            throw new InvalidArgumentError(`"${v}" is not a count`);
          return n;
        }),
      ),
  ).action(async (name: string | undefined, flags: CommonFlags & { lines: number }) => {
    const config = resolveConfig(optionsFrom(name === undefined ? [] : [name], flags));
    for (const server of config.services) {
      const file = logFileOf(config, server);
      // the end of the file only: logs are appended across starts
      const text = (await pathExists(file)) ? await readLogSince(file, 0) : undefined;
      process.stdout.write(`==> ${file} <==\n`);
      process.stdout.write(
        text === undefined ? "(no log yet)\n" : `${lastLines(text, flags.lines)}\n`,
      );
    }
  });
}

/** `services restart`: one server, same port. */
function restartCommand(services: Command): void {
  withPortOptions(
    withCacheOption(
      services
        .command("restart")
        .description(
          "Stop and start one server on the port it runs on (data of Kafka, storage and BigQuery is kept)",
        )
        .argument("<name>", `one of ${SERVICE_NAMES.join(", ")}`),
    ),
  )
    .addOption(
      new Option(
        "--storage-topic <project/topic>",
        "restart the storage emulator with this server-wide event topic",
      ).argParser(parseTopicFlag),
    )
    .action(async (name: string, flags: CommonFlags) => {
      const opts = optionsFrom([name], flags);
      const [server] = opts.services ?? [];
      if (server === undefined) throw new InvalidArgumentError("name a server to restart");
      await restartService(server, opts);
    });
}

export function registerServicesCommands(program: Command): void {
  const services = program
    .command("services")
    .description(
      "Local servers on 127.0.0.1: Kafka, Pub/Sub emulator, Cloud Storage emulator, BigQuery emulator",
    );
  installCommand(services);
  upCommand(services);
  downCommand(services);
  statusCommand(services);
  logsCommand(services);
  restartCommand(services);
}
