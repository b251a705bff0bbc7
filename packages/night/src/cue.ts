/**
 * Cues of the night conductor (docs/spec/broker.md §8): data `START` or `END` from Cloud Scheduler or an
 * operator's publish, with the optional START attributes `KAFKA_TOPIC` (a topic, or `NONE` = the
 * consumer stays off) and `topic_date` (`yyyymmdd`). Parsing never throws: a bad cue is a result
 * with the reason, which the cue functions log as CRITICAL before acknowledging it.
 */

export const CUE_ACTIONS = ["START", "END"] as const;
export type CueAction = (typeof CUE_ACTIONS)[number];

/** The cue attributes, as spelled on the Pub/Sub message. */
export const CUE_ATTRIBUTE = { kafkaTopic: "KAFKA_TOPIC", topicDate: "topic_date" } as const;

/** `KAFKA_TOPIC=NONE`: the night runs without the consumer. */
export const KAFKA_TOPIC_NONE = "NONE";

export interface StartCue {
  action: "START";
  /** A Kafka topic, or `NONE`; undefined = derived from the topic syntax. */
  kafkaTopic: string | undefined;
  /** `yyyymmdd` for the topic syntax; undefined = today's UTC date. */
  topicDate: string | undefined;
}
export interface EndCue {
  action: "END";
}
export type Cue = StartCue | EndCue;

export type CueParseResult = { ok: true; cue: Cue } | { ok: false; reason: string };

/** Kafka's own rule for topic names. */
const KAFKA_TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

/** Pub/Sub reserves attribute names starting with `goog` for Google's own use. */
const RESERVED_ATTRIBUTE = /^goog/;

/** A value quoted for a message, shortened so that a garbage payload cannot flood the log. */
function quoted(value: string, max = 60): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}

/** True for a real UTC calendar date written `yyyymmdd` (20240230 is not one). */
export function isTopicDate(value: string): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

export function isKafkaTopicName(value: string): boolean {
  return KAFKA_TOPIC_NAME.test(value) && value !== "." && value !== "..";
}

/**
 * Parses a cue message. Surrounding whitespace of the data is ignored (`echo START | …` adds a
 * newline); the action itself is case-sensitive, as Cloud Scheduler sends it.
 */
export function parseCue(
  data: Buffer | string,
  attributes: Readonly<Record<string, string>>,
): CueParseResult {
  const text = (typeof data === "string" ? data : data.toString("utf8")).trim();
  if (!(CUE_ACTIONS as readonly string[]).includes(text)) {
    return { ok: false, reason: `cue data must be START or END, got ${quoted(text)}` };
  }
  const action = text as CueAction;
  const known = Object.values(CUE_ATTRIBUTE) as string[];
  const unknown = Object.keys(attributes).filter(
    (key) => !known.includes(key) && !RESERVED_ATTRIBUTE.test(key),
  );
  if (unknown.length > 0) {
    return {
      ok: false,
      reason:
        `unknown cue attribute(s) ${unknown.map((k) => quoted(k)).join(", ")}; ` +
        `a cue takes only ${CUE_ATTRIBUTE.kafkaTopic} and ${CUE_ATTRIBUTE.topicDate} (both START only)`,
    };
  }
  const kafkaTopic = attributes[CUE_ATTRIBUTE.kafkaTopic];
  const topicDate = attributes[CUE_ATTRIBUTE.topicDate];
  if (action === "END") {
    if (kafkaTopic !== undefined || topicDate !== undefined) {
      return {
        ok: false,
        reason: `END takes no ${CUE_ATTRIBUTE.kafkaTopic} or ${CUE_ATTRIBUTE.topicDate}: they choose the topic of a START`,
      };
    }
    return { ok: true, cue: { action } };
  }
  if (kafkaTopic !== undefined && topicDate !== undefined) {
    return {
      ok: false,
      reason: `give ${CUE_ATTRIBUTE.kafkaTopic} or ${CUE_ATTRIBUTE.topicDate}, not both (${CUE_ATTRIBUTE.kafkaTopic} names the topic outright)`,
    };
  }
  if (
    kafkaTopic !== undefined &&
    kafkaTopic !== KAFKA_TOPIC_NONE &&
    !isKafkaTopicName(kafkaTopic)
  ) {
    return {
      ok: false,
      reason:
        `${CUE_ATTRIBUTE.kafkaTopic} ${quoted(kafkaTopic)} is not a Kafka topic name ` +
        `(1–249 characters of A-Z a-z 0-9 . _ -) nor ${KAFKA_TOPIC_NONE}`,
    };
  }
  if (topicDate !== undefined && !isTopicDate(topicDate)) {
    return {
      ok: false,
      reason: `${CUE_ATTRIBUTE.topicDate} ${quoted(topicDate)} is not a date yyyymmdd (e.g. 20240131)`,
    };
  }
  return { ok: true, cue: { action, kafkaTopic, topicDate } };
}

/** The cue as one short text for logs, e.g. `START KAFKA_TOPIC=ztf_20240131_programid1`. */
export function describeCue(cue: Cue): string {
  if (cue.action === "END") return "END";
  if (cue.kafkaTopic !== undefined) return `START ${CUE_ATTRIBUTE.kafkaTopic}=${cue.kafkaTopic}`;
  if (cue.topicDate !== undefined) return `START ${CUE_ATTRIBUTE.topicDate}=${cue.topicDate}`;
  return "START";
}
