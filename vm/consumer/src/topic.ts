/**
 * Tonight's Kafka topic (docs/spec/broker.md §3): metadata KAFKA_TOPIC, else the topic syntax (KAFKA_TOPIC_SYNTAX
 * or the schema map's TOPIC_SYNTAX) with `yyyymmdd` = today's UTC date; and the wait while the
 * survey has not created it yet.
 */
import { ENV, RUNTIME_METADATA } from "@pgb/broker-utils/instance";
import type { Logger } from "@pgb/broker-utils/log";
import { SchemaMap } from "@pgb/broker-utils/schema-maps";
import type { TopicSource } from "./config.js";

export class TopicConfigError extends Error {
  override name = "TopicConfigError";
}

/** The topic for the UTC date of `now`, through the schema map's accessor. */
export function topicFor(source: TopicSource, map: SchemaMap, now: Date): string {
  if (source.kind === "explicit") return source.topic;
  const syntax = source.syntax ?? map.fields.topicSyntax;
  if (syntax === null) {
    throw new TopicConfigError(
      `${map.fields.survey} has no TOPIC_SYNTAX in its schema map (${map.origin}); set metadata ` +
        `${RUNTIME_METADATA.kafkaTopic} (the topic) or ${ENV.kafkaTopicSyntax} (with yyyymmdd for the date)`,
    );
  }
  const withSyntax =
    source.syntax === undefined
      ? map
      : new SchemaMap({ ...map.fields, topicSyntax: syntax }, map.origin);
  return withSyntax.topic(now);
}

export interface TopicWaitOptions {
  source: TopicSource;
  map: SchemaMap;
  /** Lists the broker's topics (kafkajs admin.listTopics). */
  listTopics: () => Promise<string[]>;
  intervalMs: number;
  log: Logger;
  now?: () => Date;
  /** Resolves when the wait should end early (SIGTERM); then waitForTopic returns undefined. */
  stopped: Promise<void>;
}

/**
 * Returns the topic once it exists, checking every `intervalMs` with one INFO line per check. The
 * name is worked out again at each check, so a wait across UTC midnight looks for the new date's
 * topic. A failed listing is a WARNING and the next check retries it.
 */
export async function waitForTopic(options: TopicWaitOptions): Promise<string | undefined> {
  const now = options.now ?? (() => new Date());
  let stop = false;
  void options.stopped.then(() => {
    stop = true;
  });
  while (!stop) {
    const topic = topicFor(options.source, options.map, now());
    let listed: string[] | undefined;
    try {
      listed = await options.listTopics();
    } catch (err) {
      options.log.warning(`cannot list the Kafka topics: ${(err as Error).message}`, {
        topic,
        nextCheckSeconds: options.intervalMs / 1000,
      });
    }
    if (listed?.includes(topic)) return topic;
    if (stop) break;
    if (listed !== undefined) {
      options.log.info(
        `Kafka topic ${topic} does not exist yet; checking again in ${options.intervalMs / 1000} s`,
        { topic, nextCheckSeconds: options.intervalMs / 1000 },
      );
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, options.intervalMs);
      }),
      options.stopped,
    ]);
    clearTimeout(timer);
  }
  return undefined;
}
