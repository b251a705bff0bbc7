/** Helpers of the orchestration tests: a capturing logger and Pub/Sub messages. */
import { createLogger, type Logger } from "@pgb/broker-utils/log";
import type { PubSubMessage } from "@pgb/function-runtime";

export interface LogLine {
  severity: string;
  message: string;
  [key: string]: unknown;
}

export function captureLog(): {
  log: Logger;
  lines: LogLine[];
  at: (severity: string) => string[];
} {
  const lines: LogLine[] = [];
  const log = createLogger(
    {},
    { level: "DEBUG", sink: (line) => lines.push(JSON.parse(line) as LogLine) },
  );
  return {
    log,
    lines,
    at: (severity) => lines.filter((l) => l.severity === severity).map((l) => l.message),
  };
}

export function cueMessage(
  data: string,
  attributes: Record<string, string> = {},
  publishTime?: string,
): PubSubMessage {
  return { data: Buffer.from(data), attributes, messageId: "m1", publishTime };
}
