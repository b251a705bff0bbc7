/**
 * The consumer run: connect, wait for tonight's topic, then a ConsumerSession (session.ts) reads it
 * in a consumer group with the configured Kafka client (kafka/port.ts) until a stop is requested or
 * a fatal error happens.
 *
 * Shutdown (SIGTERM, or a failed publish): stop fetching, wait for in-flight publishes (bounded),
 * commit what was acknowledged, leave the group. Whatever was not committed is read again by the next
 * run, so a stop at any instant, clean or not, loses nothing.
 */
import { downloadIfExists, storageClient } from "@pgb/broker-utils/gcp";
import type { Logger } from "@pgb/broker-utils/log";
import { schemaMapObject } from "@pgb/broker-utils/naming";
import { loadSchemaMap } from "@pgb/broker-utils/schema-maps";
import type { ConsumerConfig } from "./config.js";
import { kafkaSecurity, loadCredentials } from "./credentials.js";
import { kafkaReader, type FetchSizes } from "./kafka/index.js";
import { startPublisherThread } from "./publish-thread.js";
import { ConsumerSession, EXIT, withTimeout } from "./session.js";
import { waitForTopic } from "./topic.js";

export { EXIT } from "./session.js";

/**
 * Publish batches of up to 100 messages or 9 MiB (the client's cap, under Pub/Sub's 10 MB request
 * limit): ~70 KB alerts then go 100 per request instead of ~70 with the 5 MB default, which the
 * benchmark measured ~30% faster into the emulator. At night-time rates a batch waits ≤ 10 ms.
 */
export const PUBLISHER_OPTIONS = {
  maxMessages: 100,
  maxBytes: 9 * 1024 * 1024,
  maxMilliseconds: 10,
};

/**
 * Fetch sizes: 8 MB (2 MB per partition) is ~110 alerts of ~70 KB per round trip, ~2,000 alerts/s
 * to a broker 50 ms away; larger responses cost more CPU per alert (each is a fresh allocation
 * outside the heap's reuse, measured +40%). A fetch response is held until its messages are
 * published.
 * maxWaitTimeInMs is also how long kafkajs sleeps between checks while every partition is paused,
 * so it bounds the stall after a resume: 100 ms, well below the time the half-full publish window
 * takes to drain, so the publisher never runs dry (kafkajs' default, 5 s, halved the throughput).
 */
export const FETCH: FetchSizes = {
  maxBytesPerPartition: 2 * 1024 * 1024,
  maxBytes: 8 * 1024 * 1024,
  maxWaitTimeInMs: 100,
};

export interface RunHandle {
  /** Resolves with the exit code once the consumer stopped. */
  done: Promise<number>;
  /** Asks for a clean stop (SIGTERM). */
  stop(reason: string): void;
}

/** `entry` is the program's entry file, which also runs the publisher thread (publish-thread.ts). */
export function startConsumer(config: ConsumerConfig, log: Logger, entry: URL): RunHandle {
  let requestStop: (reason: string) => void = () => undefined;
  const stopRequested = new Promise<string>((resolve) => {
    requestStop = resolve;
  });
  return {
    done: run(config, log, entry, stopRequested),
    stop: (reason) => requestStop(reason),
  };
}

/** Storage, the schema map and the Kafka reader, as configured. */
async function connect(config: ConsumerConfig, log: Logger) {
  const storage = storageClient(config.project);
  const map = await loadSchemaMap(config.survey, {
    reader: async (survey) =>
      (
        await downloadIfExists(storage, config.brokerFilesBucket, schemaMapObject(survey))
      )?.toString("utf8"),
  });
  const credentials = await loadCredentials(
    config.credentials,
    config.securityProtocol,
    config.project,
  );
  const kafka = await kafkaReader(config.kafkaClient, {
    clientId: config.groupId,
    brokers: config.brokers,
    security: kafkaSecurity(config.securityProtocol, config.saslMechanism, credentials),
    groupId: config.groupId,
    sessionTimeoutMs: config.sessionTimeoutMs,
    fetch: FETCH,
    log,
  });
  log.info("consumer starting", {
    kafkaClient: config.kafkaClient,
    brokers: config.brokers,
    securityProtocol: config.securityProtocol,
    saslMechanism: config.saslMechanism ?? null,
    groupId: config.groupId,
    alertsTopic: config.alertsTopic,
    schemaMap: map.origin,
    decode: config.decode,
  });
  return { storage, map, kafka };
}

async function run(
  config: ConsumerConfig,
  log: Logger,
  entry: URL,
  stopRequested: Promise<string>,
): Promise<number> {
  const { storage, map, kafka } = await connect(config, log);
  const topic = await waitForTopic({
    source: config.topic,
    map,
    listTopics: () => kafka.listTopics(),
    intervalMs: config.topicPollMs,
    log,
    stopped: stopRequested.then(() => undefined),
  });
  if (topic === undefined) {
    await withTimeout(kafka.close(), 5000);
    log.info("stopped while waiting for the Kafka topic");
    return EXIT.ok;
  }
  const publisher = startPublisherThread(entry, {
    project: config.project,
    topic: config.alertsTopic,
    publisher: PUBLISHER_OPTIONS,
    // what is in flight: up to the outstanding limit, plus the rest of the Kafka batch being handed
    // on when the limit is reached (at most one fetch), plus what a wrap of the ring leaves unused
    ringBytes: config.maxOutstandingBytes + 2 * FETCH.maxBytes,
  });
  const session = new ConsumerSession({ config, log, kafka, storage, map, publisher });
  await session.start(topic);
  const reason = await Promise.race([stopRequested, session.fatalRaised.then(() => "fatal")]);
  return session.stop(reason);
}
