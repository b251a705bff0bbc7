/**
 * Structured logging: one JSON object per line on stdout/stderr. Cloud Logging (VMs with the ops agent,
 * Cloud Functions / Cloud Run) turns the `severity` and `message` keys into a log entry's severity and
 * text, and keeps the other keys as `jsonPayload`, so the same lines are readable locally and queryable
 * in the cloud. 64-bit ids must be passed as strings or bigints (bigints are written as decimal strings).
 */

export type Severity = "DEBUG" | "INFO" | "NOTICE" | "WARNING" | "ERROR" | "CRITICAL";

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  notice(message: string, fields?: LogFields): void;
  warning(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  critical(message: string, fields?: LogFields): void;
  /** A logger whose lines all carry `fields` (e.g. the component name). */
  child(fields: LogFields): Logger;
}

export type LogSink = (line: string, severity: Severity) => void;

const RANK: Record<Severity, number> = {
  DEBUG: 0,
  INFO: 1,
  NOTICE: 2,
  WARNING: 3,
  ERROR: 4,
  CRITICAL: 5,
};

function defaultSink(line: string, severity: Severity): void {
  (RANK[severity] >= RANK.WARNING ? process.stderr : process.stdout).write(line + "\n");
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error)
    return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

/** Minimum severity from `LOG_LEVEL` (default INFO). */
export function levelFromEnv(env: NodeJS.ProcessEnv = process.env): Severity {
  const raw = (env["LOG_LEVEL"] ?? "INFO").toUpperCase();
  if (raw in RANK) return raw as Severity;
  throw new Error(
    `LOG_LEVEL=${env["LOG_LEVEL"]} is not a log level; use one of ${Object.keys(RANK).join(", ")}`,
  );
}

export function createLogger(
  base: LogFields = {},
  options: { sink?: LogSink; level?: Severity } = {},
): Logger {
  const sink = options.sink ?? defaultSink;
  const min = RANK[options.level ?? levelFromEnv()];
  const write = (severity: Severity, message: string, fields?: LogFields): void => {
    if (RANK[severity] < min) return;
    const entry = { severity, message, time: new Date().toISOString(), ...base, ...fields };
    sink(JSON.stringify(entry, jsonReplacer), severity);
  };
  return {
    debug: (m, f) => write("DEBUG", m, f),
    info: (m, f) => write("INFO", m, f),
    notice: (m, f) => write("NOTICE", m, f),
    warning: (m, f) => write("WARNING", m, f),
    error: (m, f) => write("ERROR", m, f),
    critical: (m, f) => write("CRITICAL", m, f),
    child: (fields) => createLogger({ ...base, ...fields }, options),
  };
}
