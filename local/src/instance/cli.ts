/**
 * `pgb local up|start|night start|night end|replay|redrive|query|env|status|down`: the local instance from the
 * command line. Progress goes to stderr; results (the summary, the status) to stdout. The servers'
 * ports come from PGB_KAFKA_PORT, PGB_PUBSUB_PORT, PGB_STORAGE_PORT, PGB_BIGQUERY_PORT and the
 * install cache from PGB_CACHE_DIR (docs/local-servers.md).
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { PYTHON_CLIENT_LINES, pythonEnv, serviceEnv } from "../services/index.js";
import { DEFAULT_SURVEY, DEFAULT_TESTID, LOCAL_PROJECT, sampleAlerts } from "./config.js";
import { requireRunningConsumer } from "./consumer-watch.js";
import { formatStatus, formatSummary, table } from "./format.js";
import { LocalInstance, type LocalInstanceOptions } from "./instance.js";
import { nightEnd, nightStart } from "./night.js";
import { topicEnds, topicStarts, waitForOutputs } from "./outputs.js";
import { consoleReporter } from "./report.js";
import { currentNightTopic, replay } from "./replay.js";
import { localStart } from "./run.js";
import { instanceStatus } from "./status.js";

interface InstanceFlags {
  survey: string;
  testid: string;
  source?: boolean;
  schemaVersion?: string;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a count`);
  return n;
}

function withInstance(cmd: Command): Command {
  return cmd
    .option("--survey <survey>", "ztf or lsst (any survey with a schema map)", DEFAULT_SURVEY)
    .option(
      "--testid <testid>",
      "the instance's testid: lower-case letters and digits",
      DEFAULT_TESTID,
    );
}

function withReplay(cmd: Command): Command {
  return cmd
    .option("--alerts <paths...>", "Avro alert files or folders (default: local/samples/<survey>)")
    .addOption(
      new Option(
        "--count <n>",
        "alerts to produce; beyond the files, copies with fresh ids",
      ).argParser(positiveInteger),
    )
    .option(
      "--rate <rate>",
      "N/sec, N/min, N/hr, N/night, a preset (ztf-live-max), N/once, or max (as fast as Kafka accepts)",
      "10/sec",
    );
}

async function options(flags: InstanceFlags): Promise<LocalInstanceOptions> {
  return {
    survey: flags.survey,
    testid: flags.testid,
    reporter: await consoleReporter(),
    ...(flags.source ? { mode: "source" as const } : {}),
    ...(flags.schemaVersion === undefined ? {} : { schemaVersion: flags.schemaVersion }),
  };
}

async function withOpen<T>(flags: InstanceFlags, fn: (i: LocalInstance) => Promise<T>): Promise<T> {
  const instance = await LocalInstance.open(await options(flags));
  try {
    return await fn(instance);
  } finally {
    await instance.close();
  }
}

/** `local start`: a whole night end to end, then its summary. */
function startCommand(local: Command): void {
  withReplay(
    withInstance(
      local
        .command("start")
        .description(
          "A whole night end to end: up, START, replay the sample alerts, wait for every output, " +
            "END, and print a summary of everything produced (what `npm start` runs)",
        ),
    ),
  )
    .option("--topic <topic>", "Kafka topic of the night, sent as the START cue's KAFKA_TOPIC")
    .option("--source", "run the functions from their TypeScript sources, not their bundles")
    .option(
      "--schema-version <v>",
      "schema version of the alert tables, or all (default: the schema map's)",
    )
    .option("--down", "stop everything after the summary (default: the instance stays up)")
    .option("--json", "print the summary as JSON")
    .action(
      async (
        flags: InstanceFlags & {
          alerts?: string[];
          count?: number;
          rate: string;
          topic?: string;
          down?: boolean;
          json?: boolean;
        },
      ) => {
        const { instance, summary } = await localStart({
          ...(await options(flags)),
          rate: flags.rate,
          ...(flags.alerts ? { alerts: flags.alerts } : {}),
          ...(flags.count === undefined ? {} : { count: flags.count }),
          ...(flags.topic === undefined ? {} : { kafkaTopic: flags.topic }),
          down: flags.down === true,
        });
        process.stdout.write(
          flags.json ? `${JSON.stringify(summary, null, 2)}\n` : `\n${formatSummary(summary)}\n`,
        );
        if (!flags.down && !flags.json) {
          process.stdout.write(
            `\nThe instance stays up: \`npx pgb local status\` to look around, ` +
              `\`npx pgb local down\` to stop it${
                instance.survey === DEFAULT_SURVEY && instance.record.testid === DEFAULT_TESTID
                  ? ""
                  : ` (with --survey ${instance.survey} --testid ${instance.record.testid})`
              }.\n`,
          );
        }
        if (!summary.settle.settled) process.exitCode = 1;
      },
    );
}

/** `local up`: servers, processes and resources (idempotent). */
function upCommand(local: Command): void {
  withInstance(
    local
      .command("up")
      .description(
        "Start the servers (installing them on first use), the function processes and the push " +
          "front, create the instance's resources and write the VM launch spec (idempotent)",
      ),
  )
    .option("--source", "run the functions from their TypeScript sources, not their bundles")
    .option(
      "--schema-version <v>",
      "schema version of the alert tables, or all (default: the schema map's)",
    )
    .action(async (flags: InstanceFlags) => {
      const instance = await LocalInstance.up(await options(flags));
      await instance.close();
    });
}

/** `local night start|end`: the scheduler's cues. */
function nightCommands(local: Command): void {
  const night = local
    .command("night")
    .description("Cue the night conductor as Cloud Scheduler does");
  withInstance(night.command("start").description("Publish START and wait for the consumer to run"))
    .option("--topic <topic>", "Kafka topic for the consumer (the cue's KAFKA_TOPIC attribute)")
    .action(async (flags: InstanceFlags & { topic?: string }) => {
      await withOpen(flags, async (instance) => {
        const { kafkaTopic } = await nightStart(instance, { kafkaTopic: flags.topic });
        process.stdout.write(`${kafkaTopic}\n`);
      });
    });
  withInstance(
    night
      .command("end")
      .description(
        "Publish END and wait for the night conductor: consumer stopped, drain, counts, metadata rows",
      ),
  ).action(async (flags: InstanceFlags) => {
    await withOpen(flags, async (instance) => {
      const summary = await nightEnd(instance);
      process.stdout.write(
        `${JSON.stringify(summary.streams.map((s) => ({ stream: s.stream, count: Number(s.count), complete: s.complete })))}\n`,
      );
    });
  });
}

/** `local replay`: alerts into the night's Kafka topic. */
function replayCommand(local: Command): void {
  withReplay(
    withInstance(
      local
        .command("replay")
        .description(
          "Produce alerts into the night's Kafka topic (the survey's side), then wait until they are processed",
        ),
    ),
  )
    .addOption(
      new Option("--partitions <n>", "partitions of the topic if the replay creates it").argParser(
        positiveInteger,
      ),
    )
    .option("--topic <topic>", "Kafka topic (default: the consumer's topic of the night)")
    .option("--no-wait", "return once Kafka has the alerts")
    .action(
      async (
        flags: InstanceFlags & {
          alerts?: string[];
          count?: number;
          rate: string;
          partitions?: number;
          topic?: string;
          wait: boolean;
        },
      ) => {
        await withOpen(flags, async (instance) => {
          const topic = flags.topic ?? (await currentNightTopic(instance));
          if (flags.wait) await requireRunningConsumer(instance, topic);
          const from = await topicEnds(instance, topic);
          const result = await replay(instance, {
            alerts: flags.alerts ?? [sampleAlerts(instance.survey)],
            rate: flags.rate,
            topic,
            ...(flags.count === undefined ? {} : { count: flags.count }),
            ...(flags.partitions === undefined ? {} : { partitions: flags.partitions }),
          });
          if (flags.wait) {
            const settle = await waitForOutputs(
              instance,
              { topic, from, to: await topicEnds(instance, topic) },
              600_000 + result.published * 500,
            );
            if (!settle.settled) process.exitCode = 1;
          }
        });
      },
    );
}

/** `local redrive`: the night again after a Pub/Sub data loss. */
function redriveCommand(local: Command): void {
  withInstance(
    local
      .command("redrive")
      .description(
        "After a Pub/Sub data loss (an emulator restart): re-create the resources and re-drive the " +
          "night from the start of its Kafka topic (outputs are idempotent: no duplicates)",
      ),
  )
    .option("--topic <topic>", "Kafka topic (default: the consumer's topic of the night)")
    .action(async (flags: InstanceFlags & { topic?: string }) => {
      await withOpen(flags, async (instance) => {
        const topic = flags.topic ?? (await currentNightTopic(instance));
        await instance.redriveFromKafka(topic, await topicStarts(instance, topic));
      });
    });
}

/** `local query`: SQL on the BigQuery emulator. */
function queryCommand(local: Command): void {
  withInstance(
    local
      .command("query")
      .description(
        "Run a SQL query on the local BigQuery emulator (project pgb-local), e.g. " +
          '"SELECT objectId, candid FROM ztf_alerts_local.alerts_dedup LIMIT 5"',
      )
      .argument("<sql>", "standard SQL; tables as <dataset>.<table>"),
  )
    .option("--json", "print the rows as JSON")
    .action(async (sql: string, flags: InstanceFlags & { json?: boolean }) => {
      await withOpen(flags, async (instance) => {
        const [rows] = await instance.clients().bigquery.query({
          query: sql,
          useLegacySql: false,
          // 64-bit integers (candid) printed exactly
          wrapIntegers: { integerTypeCastFunction: (v: string) => v },
        });
        const list = rows as Record<string, unknown>[];
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
          return;
        }
        const columns = [...new Set(list.flatMap((r) => Object.keys(r)))];
        const cell = (v: unknown) =>
          v === null || v === undefined
            ? ""
            : typeof v === "object"
              ? JSON.stringify(v)
              : String(v);
        process.stdout.write(
          `${table(
            columns,
            list.map((r) => columns.map((c) => cell(r[c]).slice(0, 60))),
          )}\n(${list.length} row${list.length === 1 ? "" : "s"})\n`,
        );
      });
    });
}

/** `local env`: the servers' environment for other clients. */
function envCommand(local: Command): void {
  withInstance(
    local
      .command("env")
      .description(
        "Print the environment of the instance's servers, for other commands and clients: " +
          'eval "$(npx pgb local env)"',
      ),
  )
    .option("--python", "for Google's Python clients and pittgoogle (docs/python.md)")
    .action(async (flags: InstanceFlags & { python?: boolean }) => {
      await withOpen(flags, async (instance) => {
        const { endpoints } = instance.record;
        const env = flags.python
          ? pythonEnv(endpoints, LOCAL_PROJECT)
          : { ...serviceEnv(endpoints), GOOGLE_CLOUD_PROJECT: LOCAL_PROJECT };
        for (const [key, value] of Object.entries(env))
          process.stdout.write(`export ${key}=${value}\n`);
        if (flags.python) {
          for (const line of PYTHON_CLIENT_LINES) process.stdout.write(`#   ${line}\n`);
        }
      });
    });
}

/** `local status`: what the instance holds. */
function statusCommand(local: Command): void {
  withInstance(
    local.command("status").description("Servers, processes, resources and what they hold"),
  )
    .option("--json", "print JSON")
    .action(async (flags: InstanceFlags & { json?: boolean }) => {
      await withOpen(flags, async (instance) => {
        const status = await instanceStatus(instance);
        process.stdout.write(
          flags.json ? `${JSON.stringify(status, null, 2)}\n` : `${formatStatus(status)}\n`,
        );
      });
    });
}

/** `local down`: stop it (and optionally purge it). */
function downCommand(local: Command): void {
  withInstance(
    local
      .command("down")
      .description(
        "Stop every process of the instance by PID, and the servers `up` started (servers that were already running are left)",
      ),
  )
    .option("--keep-servers", "leave the servers running")
    .option("--purge", "also delete the instance's resources, Kafka topics and folder")
    .action(async (flags: InstanceFlags & { keepServers?: boolean; purge?: boolean }) => {
      const instance = await LocalInstance.open(await options(flags));
      await instance.down({ keepServers: flags.keepServers === true, purge: flags.purge === true });
    });
}

export function registerLocalCommands(program: Command): void {
  const local = program
    .command("local")
    .description(
      "The whole broker on this machine: local servers, functions and VM programs as processes, " +
        "resources from the instance model (docs/local-instance.md)",
    );
  startCommand(local);
  upCommand(local);
  nightCommands(local);
  replayCommand(local);
  redriveCommand(local);
  queryCommand(local);
  envCommand(local);
  statusCommand(local);
  downCommand(local);
}
