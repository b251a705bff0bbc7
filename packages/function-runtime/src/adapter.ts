/**
 * The runtime pattern of every broker function: a plain handler `(message, context) => result`
 * wrapped as a CloudEvent function. The wrapper
 * - extracts the Pub/Sub message (CloudEvent or converted push envelope),
 * - logs one structured line per outcome with the message id and the alert ids in its attributes,
 * - dead-letters bad input itself, with attributes `pgb.stage`, `pgb.reason`, `pgb.error`, and acks,
 * - rethrows everything else so Pub/Sub redelivers (transient errors: WARNING; unexpected: ERROR);
 *   after the subscription's maximum attempts Pub/Sub moves the message to the same dead-letter topic.
 * Nothing is dropped silently.
 */
import { alertAttributesOf, isTransientError } from "@pgb/broker-utils/gcp";
import type { Logger } from "@pgb/broker-utils/log";
import { BadInputError } from "./errors.js";
import { messageFromCloudEvent, type PubSubCloudEvent, type PubSubMessage } from "./message.js";

export interface HandlerContext {
  log: Logger;
}

export type Handler<R = unknown> = (message: PubSubMessage, context: HandlerContext) => Promise<R>;

/** Publishes a message to the stage's dead-letter topic; resolves once Pub/Sub acknowledged it. */
export type DeadLetterPublisher = (
  data: Buffer,
  attributes: Record<string, string>,
) => Promise<unknown>;

export interface AdapterOptions {
  /** The function's stub, e.g. `bq-sink`; written on dead letters and logs. */
  stage: string;
  log: Logger;
  deadLetter: DeadLetterPublisher;
}

/** Attribute values are limited to 1024 bytes. */
const MAX_ATTRIBUTE = 1000;

/**
 * Ids worth repeating on every log line of a message: set by the consumer when it could decode, or
 * the stored object's metadata of a bucket notification.
 */
function idsOf(attributes: Record<string, string>): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const key of ["objectId", "sourceId", "kafka.topic", "kafka.partition", "kafka.offset"]) {
    const v = attributes[key];
    if (v !== undefined) ids[key] = v;
  }
  return ids;
}

export function createCloudEventHandler<R>(
  handler: Handler<R>,
  options: AdapterOptions,
): (event: PubSubCloudEvent) => Promise<R | undefined> {
  const base = options.log.child({ stage: options.stage });
  return async (event) => {
    let message: PubSubMessage;
    try {
      message = messageFromCloudEvent(event);
    } catch (err) {
      base.error((err as Error).message, { eventId: event.id });
      throw err;
    }
    const log = base.child({
      messageId: message.messageId,
      ...idsOf(alertAttributesOf(message.attributes, message.data)),
    });
    try {
      return await handler(message, { log });
    } catch (err) {
      if (err instanceof BadInputError) {
        log.error(`bad input dead-lettered: ${err.message}`, { reason: err.reason });
        await options.deadLetter(message.data, {
          ...message.attributes,
          "pgb.stage": options.stage,
          "pgb.reason": err.reason,
          "pgb.error": err.message.slice(0, MAX_ATTRIBUTE),
          "pgb.messageId": message.messageId,
        });
        return undefined;
      }
      const text = err instanceof Error ? err.message : String(err);
      if (isTransientError(err)) log.warning(`transient failure, will be retried: ${text}`);
      else log.error(`unexpected failure, will be retried then dead-lettered: ${text}`, { err });
      throw err;
    }
  };
}
