/**
 * The Kafka topic of a START (docs/spec/broker.md §8): the cue's `KAFKA_TOPIC` (possibly `NONE`), else the
 * topic syntax with the cue's `topic_date`, else with today's UTC date. A syntax without
 * `yyyymmdd` (LSST's configured topic) is used as is. The syntax is the instance's
 * `KAFKA_TOPIC_SYNTAX` override or the survey schema map's `TOPIC_SYNTAX`; the caller resolves it.
 */
import type { StartCue } from "./cue.js";

/** The placeholder of a topic syntax, as in the schema maps. */
export const TOPIC_DATE_PLACEHOLDER = "yyyymmdd";

export type StartTopicResult = { ok: true; topic: string } | { ok: false; reason: string };

/** A UTC date as `yyyymmdd`. */
export function utcTopicDate(now: Date): string {
  return now.toISOString().slice(0, 10).replaceAll("-", "");
}

export function startTopic(cue: StartCue, syntax: string | null, now: Date): StartTopicResult {
  if (cue.kafkaTopic !== undefined) return { ok: true, topic: cue.kafkaTopic };
  if (syntax === null || syntax === "") {
    return {
      ok: false,
      reason:
        "no Kafka topic: the survey's schema map has no TOPIC_SYNTAX and KAFKA_TOPIC_SYNTAX is " +
        "not configured; give the cue a KAFKA_TOPIC attribute or configure the topic syntax",
    };
  }
  if (!syntax.includes(TOPIC_DATE_PLACEHOLDER)) {
    if (cue.topicDate !== undefined) {
      return {
        ok: false,
        reason: `topic_date ${cue.topicDate} cannot apply: the topic syntax "${syntax}" has no ${TOPIC_DATE_PLACEHOLDER}`,
      };
    }
    return { ok: true, topic: syntax };
  }
  return {
    ok: true,
    topic: syntax.replace(TOPIC_DATE_PLACEHOLDER, cue.topicDate ?? utcTopicDate(now)),
  };
}
