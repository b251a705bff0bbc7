/**
 * Entry point of the consumer VM program (docs/spec/broker.md §3): survey Kafka → the `alerts` Pub/Sub topic.
 * On the VM, systemd runs the bundle with the instance's metadata as environment and restarts it when
 * it exits non-zero; locally the same file runs as a process of the local instance (docs/consumer.md).
 *
 * Exit codes: 0 clean stop (SIGTERM, SIGINT); 1 failure (publish, Kafka, storage; restarting helps);
 * 78 (EX_CONFIG) invalid configuration, which a restart does not fix.
 */
import { createLogger } from "@pgb/broker-utils/log";
import { SchemaMapError } from "@pgb/broker-utils/schema-maps";
import { ConsumerConfigError, parseConfig } from "./config.js";
import { EXIT, startConsumer } from "./consumer.js";
import { CredentialsError } from "./credentials.js";
import { isPublisherThread, runPublisherThread } from "./publish-thread.js";
import { TopicConfigError } from "./topic.js";

const EX_CONFIG = 78;

async function main(): Promise<number> {
  let log;
  try {
    log = createLogger({ component: "consumer" });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return EX_CONFIG;
  }
  let config;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConsumerConfigError)) throw err;
    log.error(err.message, { problems: err.problems });
    return EX_CONFIG;
  }
  const run = startConsumer(config, log, new URL(import.meta.url));
  let deadline: NodeJS.Timeout | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    run.stop(signal);
    // a drain that hangs must not outlive the budget systemd gives before SIGKILL
    deadline ??= setTimeout(() => {
      log.error(`did not stop within ${config.shutdownMs / 1000} s of ${signal}; exiting anyway`);
      process.exit(EXIT.failure);
    }, config.shutdownMs + 3000).unref();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  try {
    return await run.done;
  } catch (err) {
    if (
      err instanceof CredentialsError ||
      err instanceof TopicConfigError ||
      err instanceof SchemaMapError
    ) {
      log.error(err.message);
      return EX_CONFIG;
    }
    log.error(`the consumer failed: ${(err as Error).message}`, { error: err });
    return EXIT.failure;
  }
}

if (isPublisherThread()) {
  runPublisherThread();
} else {
  // exit explicitly: the publisher thread and kafkajs timers would otherwise keep the process alive
  process.exit(await main());
}
