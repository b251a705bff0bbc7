/**
 * What a dead letter says about itself. A message reaches a `{fn}-deadletter` topic in one of two
 * ways (docs/spec/broker.md §11), and both keep the original data and attributes:
 * - the function's adapter dead-lettered bad input at once, adding `pgb.stage`, `pgb.reason`,
 *   `pgb.error` and `pgb.messageId` (the original message id);
 * - Pub/Sub gave up after the subscription's maximum delivery attempts (an outage that outlasted
 *   the retries, an unexpected error), adding `CloudPubSubDeadLetterSource*`.
 */
import type { ReceivedMessage } from "@pgb/broker-utils/gcp";
import { idsFromAttributes } from "@pgb/broker-utils/alerts";
import { alertAttributesOf } from "@pgb/broker-utils/gcp";

/** Attributes the adapter adds to a dead letter. */
export const PGB_ATTRIBUTES = {
  stage: "pgb.stage",
  reason: "pgb.reason",
  error: "pgb.error",
  messageId: "pgb.messageId",
} as const;

/** Prefix of the attributes Pub/Sub adds when its dead-letter policy moves a message. */
export const PUBSUB_DEAD_LETTER_PREFIX = "CloudPubSubDeadLetterSource";

/** The reason of a dead letter Pub/Sub moved after the subscription's last delivery attempt. */
export const ATTEMPTS_EXHAUSTED = "delivery-attempts-exhausted";

export interface DeadLetterEntry {
  /** The function whose reservoir holds it (its stub, e.g. `bq-sink`). */
  function: string;
  /** Id of the dead letter itself. */
  messageId: string;
  /** Id of the message the function failed on (pgb.messageId), when the adapter recorded it. */
  originalMessageId: string | undefined;
  /** When it was dead-lettered. */
  publishTime: string;
  stage: string;
  reason: string;
  error: string;
  /** Pub/Sub's delivery count when it gave up (CloudPubSubDeadLetterSourceDeliveryCount). */
  deliveryCount: number | undefined;
  /** Alert ids, when the consumer could put them on the message. */
  objectId: string | undefined;
  sourceId: string | undefined;
  kafka: { topic?: string; partition?: string; offset?: string; timestamp?: string };
  /** Size of the data, bytes. */
  size: number;
  attributes: Record<string, string>;
}

export function describeDeadLetter(fn: string, message: ReceivedMessage): DeadLetterEntry {
  const a = message.attributes;
  const exhausted = a[`${PUBSUB_DEAD_LETTER_PREFIX}DeliveryCount`];
  // bq-sink's and value-added's dead letters are notifications: the alert's are in the metadata
  const alert = alertAttributesOf(a, message.data);
  const kafka: DeadLetterEntry["kafka"] = {};
  for (const key of ["topic", "partition", "offset", "timestamp"] as const) {
    const value = alert[`kafka.${key}`];
    if (value !== undefined) kafka[key] = value;
  }
  return {
    function: fn,
    messageId: message.messageId,
    originalMessageId: a[PGB_ATTRIBUTES.messageId],
    publishTime: message.publishTime.toISOString(),
    stage: a[PGB_ATTRIBUTES.stage] ?? fn,
    reason: a[PGB_ATTRIBUTES.reason] ?? (exhausted === undefined ? "unknown" : ATTEMPTS_EXHAUSTED),
    error:
      a[PGB_ATTRIBUTES.error] ??
      (exhausted === undefined
        ? "no pgb.* or CloudPubSubDeadLetterSource* attributes: published to the topic by hand?"
        : `Pub/Sub gave up after ${exhausted} delivery attempts from ` +
          `${a[`${PUBSUB_DEAD_LETTER_PREFIX}Subscription`] ?? "its subscription"}; ` +
          "the function's log has each failure"),
    deliveryCount: exhausted === undefined ? undefined : Number(exhausted),
    ...idsFromAttributes(alert),
    kafka,
    size: message.data.length,
    attributes: { ...a },
  };
}

/**
 * The attributes of the message as the function first received it: the dead-letter bookkeeping
 * (pgb.*, CloudPubSubDeadLetterSource*) is removed, so a replay looks like the original delivery.
 */
export function originalAttributes(attributes: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (key.startsWith("pgb.") || key.startsWith(PUBSUB_DEAD_LETTER_PREFIX)) continue;
    out[key] = value;
  }
  return out;
}
