/**
 * `pgb deadletter list|replay`: the dead letters of an instance's functions (docs/spec/broker.md §11).
 * `list` shows what each `{fn}-deadletter-reservoir` holds without consuming it; `replay` re-drives
 * one function's reservoir to that function only, so the other subscribers of its topic see no
 * duplicate. Locally (PUBSUB_EMULATOR_HOST set) the function is its local process; in the cloud it
 * is the function's URL, called with an ID token of the caller's credentials.
 *
 * Without --stack or --project the instance is the local one that is up (its record, read through
 * `@pgb/local`), whose servers' environment is then set for this process, so
 * neither the flags nor `pgb local env` are needed on the machine that runs it. A missing setting
 * or missing credentials are named in one line (exit code 2), never as a stack trace.
 */
import type { PubSub } from "@google-cloud/pubsub";
import {
  checkReplayUrl,
  httpDeliver,
  isLoopbackUrl,
  listDeadLetters,
  replayDeadLetters,
  ReplayTargetError,
  type DeadLetterEntry,
} from "@pgb/deadletter";
import { isLocalEnvironment, Puller, pubsubClient } from "@pgb/broker-utils/gcp";
import {
  idColumnsOnlySchemas,
  instanceModel,
  type FunctionSpec,
  type InstanceModel,
  modelFunction,
} from "@pgb/broker-utils/instance";
import {
  FUNCTIONS,
  functionId,
  NamingError,
  parseStack,
  type FunctionStub,
} from "@pgb/broker-utils/naming";
import { progress } from "@pgb/broker-utils/terminal";
import { localInstanceSettings } from "@pgb/local";
import { UsageError, type CommandModule } from "../program.js";

interface InstanceOptions {
  stack: string;
  project: string;
  region: string;
}

/** The flags as given: --stack and --project may be left to the local instance. */
type InstanceFlags = Omit<InstanceOptions, "stack" | "project"> & {
  stack?: string;
  project?: string;
};

/** What `@pgb/local`'s localInstanceSettings gives: the local instance that is up, if any. */
export interface LocalSettings {
  stack: string;
  project: string;
  env: Record<string, string>;
}

export type LocalSettingsLoader = (stack?: string) => Promise<LocalSettings | undefined>;

/**
 * --stack and --project taken from the local instance when it is up (and matches the flags given),
 * with its servers' environment set unless already set; else the flags as given, or a UsageError
 * naming what is missing.
 */
async function resolveInstance<T extends InstanceFlags>(
  flags: T,
  localSettings: LocalSettingsLoader,
): Promise<T & InstanceOptions> {
  const { stack, project } = flags;
  if (stack !== undefined) usage(() => parseStack(stack));
  const given = stack !== undefined && project !== undefined;
  // both flags with the servers' environment set: nothing to look up
  const local = given && isLocalEnvironment() ? undefined : await localSettings(stack);
  if (local === undefined || (project !== undefined && project !== local.project)) {
    if (given) return { ...flags, stack, project };
    const missing = [stack === undefined ? "--stack" : "", project === undefined ? "--project" : ""]
      .filter((f) => f !== "")
      .join(" and ");
    throw new UsageError(
      `${missing} not given and no local instance${stack === undefined ? "" : ` ${stack}`} is up ` +
        "to read the settings from: pass --stack <survey>[-<testid>] --project <id> for a cloud instance, " +
        "or bring the local one up (`npx pgb local up`)",
    );
  }
  for (const [key, value] of Object.entries(local.env)) process.env[key] ??= value;
  process.stderr.write(
    `using the local instance ${local.stack} (project ${local.project}, Pub/Sub emulator ` +
      `${process.env["PUBSUB_EMULATOR_HOST"] ?? "?"})\n`,
  );
  return { ...flags, stack: stack ?? local.stack, project: local.project };
}

/** In the cloud the caller's credentials are needed: their absence is named before any pull. */
async function checkCredentials(pubsub: PubSub, project: string): Promise<void> {
  if (isLocalEnvironment()) return;
  try {
    await pubsub.auth.getClient();
  } catch (err) {
    throw new UsageError(
      `no Google credentials to read the dead letters of project ${project} ` +
        `(${(err as Error).message.split(". ")[0]}): run \`gcloud auth application-default login\`; ` +
        'for the local instance, leave out --project (or `eval "$(npx pgb local env)"`)',
    );
  }
}

interface ListOptions extends InstanceOptions {
  function?: string;
  json?: boolean;
  max: string;
}

interface ReplayOptions extends InstanceOptions {
  function: string;
  url?: string;
  max?: string;
}

/** Naming errors (an invalid stack, testid or project) are the user's to fix: one line, exit 2. */
function usage<T>(build: () => T): T {
  try {
    return build();
  } catch (err) {
    if (err instanceof NamingError) throw new UsageError(err.message);
    throw err;
  }
}

function model(options: InstanceOptions): InstanceModel {
  return usage(() => {
    const { survey, testid } = parseStack(options.stack);
    return instanceModel({
      survey,
      testid,
      project: options.project,
      region: options.region,
      tableSchemas: idColumnsOnlySchemas,
    });
  });
}

/** `bq-sink`, `upload-bytes-to-bucket` and `upload_bytes_to_bucket` all name a function. */
export function parseFunction(value: string): FunctionStub {
  const fn = FUNCTIONS.find((f) => f === value || functionId(f) === value);
  if (fn === undefined) {
    throw new UsageError(
      `--function ${value} is not a broker function; use one of ${FUNCTIONS.map(functionId).join(", ")}`,
    );
  }
  return fn;
}

function positive(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a positive integer, got ${value}`);
  return n;
}

function functionSpec(m: InstanceModel, fn: FunctionStub): FunctionSpec {
  return modelFunction(m, fn);
}

function reservoirOf(m: InstanceModel, fn: FunctionStub): string {
  const spec = functionSpec(m, fn);
  return m.subscriptions.find(
    (s) => s.purpose === "deadLetterReservoir" && s.topic === spec.deadLetterTopic,
  )!.name;
}

function printTable(entries: readonly DeadLetterEntry[]): void {
  const rows = entries.map((e) => [
    functionId(e.function as FunctionStub),
    e.publishTime,
    e.reason,
    e.objectId ?? "-",
    e.sourceId ?? "-",
    e.kafka.topic === undefined
      ? "-"
      : `${e.kafka.topic}[${e.kafka.partition ?? "?"}]@${e.kafka.offset ?? "?"}`,
    e.originalMessageId ?? e.messageId,
    e.error.length > 100 ? `${e.error.slice(0, 99)}…` : e.error,
  ]);
  const header = [
    "FUNCTION",
    "DEAD-LETTERED",
    "REASON",
    "OBJECT",
    "SOURCE",
    "KAFKA",
    "MESSAGE",
    "ERROR",
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) {
    process.stdout.write(
      `${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")}\n`,
    );
  }
}

/** The function's URL and the audience of its ID token: its processing subscription's push config. */
async function pushTarget(
  pubsub: PubSub,
  subscription: string,
): Promise<{ url: string; audience: string }> {
  let metadata;
  try {
    [metadata] = await pubsub.subscription(subscription).getMetadata();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 5) {
      throw new UsageError(
        `subscription ${subscription} does not exist: is the instance deployed (or the local ` +
          "instance running)? Pass --url to name the function's URL yourself",
      );
    }
    throw err;
  }
  const url = metadata.pushConfig?.pushEndpoint;
  if (!url) throw new UsageError(`subscription ${subscription} has no push endpoint; pass --url`);
  return { url, audience: metadata.pushConfig?.oidcToken?.audience || url };
}

export function deadletterCommandsWith(localSettings: LocalSettingsLoader): CommandModule {
  return (program) => registerDeadletter(program, localSettings);
}

export const deadletterCommands: CommandModule = deadletterCommandsWith(localInstanceSettings);

/** `pgb deadletter list`: each function's dead letters, left in their reservoir. */
async function listCommand(
  flags: InstanceFlags & Omit<ListOptions, keyof InstanceOptions>,
  localSettings: LocalSettingsLoader,
): Promise<void> {
  const options = await resolveInstance(flags, localSettings);
  const m = model(options);
  const max = positive("--max", options.max);
  const fns = options.function === undefined ? FUNCTIONS : [parseFunction(options.function)];
  const pubsub = pubsubClient(options.project);
  const entries: DeadLetterEntry[] = [];
  try {
    await checkCredentials(pubsub, options.project);
    for (const fn of fns) {
      const puller = new Puller(pubsub, reservoirOf(m, fn));
      try {
        entries.push(...(await listDeadLetters(fn, puller, { max })));
      } finally {
        await puller.close();
      }
    }
  } finally {
    await pubsub.close();
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return;
  }
  if (entries.length === 0) {
    process.stdout.write(`no dead letters in ${fns.map((f) => reservoirOf(m, f)).join(", ")}\n`);
    return;
  }
  printTable(entries);
}

/** `pgb deadletter replay`: one function's dead letters re-driven to it. */
async function replayCommand(
  flags: InstanceFlags & Omit<ReplayOptions, keyof InstanceOptions>,
  localSettings: LocalSettingsLoader,
): Promise<void> {
  const options = await resolveInstance(flags, localSettings);
  const m = model(options);
  const fn = parseFunction(options.function);
  const spec = functionSpec(m, fn);
  if (options.url !== undefined) {
    try {
      checkReplayUrl(options.url);
    } catch (err) {
      if (err instanceof ReplayTargetError) throw new UsageError(err.message);
      throw err;
    }
  }
  const pubsub = pubsubClient(options.project);
  await checkCredentials(pubsub, options.project).catch(async (err: unknown) => {
    await pubsub.close();
    throw err;
  });
  const puller = new Puller(pubsub, reservoirOf(m, fn));
  try {
    const target =
      options.url === undefined
        ? await pushTarget(pubsub, spec.trigger.subscription)
        : { url: options.url, audience: new URL(options.url).origin };
    checkReplayUrl(target.url);
    let headers: (() => Promise<Headers>) | undefined;
    if (!isLoopbackUrl(target.url)) {
      // a deployed function admits only callers with run.invoker, proven by an ID token
      const client = await pubsub.auth.getIdTokenClient(target.audience);
      headers = () => client.getRequestHeaders(target.url);
    }
    const deliver = httpDeliver(target.url, {
      ...(headers ? { headers } : {}),
      timeoutMs: (spec.timeoutSeconds + 30) * 1000,
    });
    process.stderr.write(`replaying ${reservoirOf(m, fn)} to ${target.url}\n`);
    const bar = progress(`replay ${functionId(fn)}`);
    const result = await replayDeadLetters(
      fn,
      puller,
      deliver,
      `projects/${options.project}/subscriptions/${spec.trigger.subscription}`,
      {
        ...(options.max === undefined ? {} : { max: positive("--max", options.max) }),
        onEvent: (event) => {
          if (event.kind === "failed") {
            process.stderr.write(
              `kept ${event.entry.messageId} (${event.entry.sourceId ?? "no sourceId"}): ${event.error}\n`,
            );
          }
          bar.tick(event.kind === "returned" ? 0 : 1, event.kind);
        },
      },
    );
    bar.finish(`${result.delivered} delivered, ${result.failed} kept`);
    process.stdout.write(
      `replayed ${result.delivered + result.failed} dead letter(s) of ${functionId(fn)}: ` +
        `${result.delivered} delivered and acknowledged, ${result.failed} kept in the reservoir` +
        (result.returned > 0
          ? `; ${result.returned} came back as new dead letters (still bad input: see pgb deadletter list)`
          : "") +
        "\n",
    );
    if (result.failed > 0) {
      throw new Error(
        `${result.failed} dead letter(s) could not be delivered and stay in ${reservoirOf(m, fn)}; ` +
          "see the lines above and the function's log",
      );
    }
  } finally {
    await puller.close();
    await pubsub.close();
  }
}

function registerDeadletter(
  program: Parameters<CommandModule>[0],
  localSettings: LocalSettingsLoader,
): void {
  const group = program
    .command("deadletter")
    .description("inspect and replay the dead letters of an instance's functions");

  const instanceFlags = (cmd: ReturnType<typeof group.command>) =>
    cmd
      .option(
        "--stack <stack>",
        "Pulumi stack: <survey> (production) or <survey>-<testid> (default: the local instance that is up)",
      )
      .option("--project <id>", "GCP project id (default: the local instance's)")
      .option("--region <region>", "GCP region", "us-central1");

  instanceFlags(
    group
      .command("list")
      .description("show the dead letters of each function (or one) without consuming them"),
  )
    .option("--function <fn>", "only this function (e.g. bq-sink, upload-bytes-to-bucket)")
    .option("--json", "print JSON (one array, with every attribute)")
    .option("--max <n>", "at most this many per function", "100")
    .action((flags: InstanceFlags & Omit<ListOptions, keyof InstanceOptions>) =>
      listCommand(flags, localSettings),
    );

  instanceFlags(
    group
      .command("replay")
      .description(
        "re-drive one function's dead letters to that function only; acknowledged on 2xx, kept otherwise",
      ),
  )
    .requiredOption("--function <fn>", "the function (e.g. bq-sink, upload-bytes-to-bucket)")
    .option(
      "--url <url>",
      "the function's URL (default: its processing subscription's push endpoint)",
    )
    .option("--max <n>", "replay at most this many")
    .action((flags: InstanceFlags & Omit<ReplayOptions, keyof InstanceOptions>) =>
      replayCommand(flags, localSettings),
    );
}
