/**
 * kafkajs' own log lines, written through the broker's structured logger. kafkajs logs at ERROR what
 * it then recovers from by itself (a lost connection, a consumer it restarts), so its ERROR becomes
 * WARNING; the consumer logs ERROR itself when kafkajs gives up (a crash it does not restart).
 */
import { logLevel, type logCreator } from "kafkajs";
import type { Logger, Severity } from "@pgb/broker-utils/log";

/** The kafkajs level that lets through what `severity` shows (kafkajs filters before formatting). */
export function kafkajsLevel(severity: Severity): logLevel {
  return severity === "DEBUG" ? logLevel.INFO : logLevel.WARN;
}

export function kafkajsLogCreator(log: Logger): logCreator {
  return () =>
    ({ namespace, level, log: entry }) => {
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = entry;
      const line = `kafkajs ${namespace}: ${message}`;
      const extra = { kafkajs: fields };
      if (level === logLevel.ERROR || level === logLevel.WARN) log.warning(line, extra);
      else if (level === logLevel.INFO) log.info(line, extra);
      else log.debug(line, extra);
    };
}
