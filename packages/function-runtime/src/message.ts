/**
 * The Pub/Sub message a broker handler receives, extracted from whatever delivered it: a CloudEvent
 * from Eventarc (binary or structured), or a push envelope that the functions framework's legacy
 * middleware converted into a CloudEvent (the local emulator's push). Both carry the same fields.
 * The middleware converts an envelope only when its `message.data` is non-empty; an envelope with
 * empty data reaches the function unconverted, as the event itself, and is read here all the same,
 * so an empty message gets its messageId and attributes and can be dead-lettered at once.
 */

export interface PubSubMessage {
  data: Buffer;
  attributes: Record<string, string>;
  messageId: string;
  /** RFC 3339 publish time. */
  publishTime: string | undefined;
}

/** The part of a CloudEvent the adapter reads (structurally the framework's `CloudEvent`). */
export interface PubSubCloudEvent {
  id?: string;
  type?: string;
  data?: unknown;
  /** Set when the event is an unconverted push envelope (a message with empty data). */
  subscription?: unknown;
  message?: unknown;
}

/** The delivery carried no Pub/Sub message: nothing can be processed or dead-lettered from it. */
export class EnvelopeError extends Error {
  override name = "EnvelopeError";
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function stringAttributes(raw: unknown): Record<string, string> {
  if (!isRecord(raw)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) out[k] = String(v);
  return out;
}

/** The Pub/Sub message of a CloudEvent (`data.message`) or of an unconverted push envelope. */
function rawMessage(event: PubSubCloudEvent): Record<string, unknown> | undefined {
  const data = isRecord(event.data) ? event.data : undefined;
  if (data && isRecord(data["message"])) return data["message"];
  const envelope = typeof event.subscription === "string" && isRecord(event.message);
  return envelope ? (event.message as Record<string, unknown>) : undefined;
}

export function messageFromCloudEvent(event: PubSubCloudEvent): PubSubMessage {
  const message = rawMessage(event);
  if (!message) {
    throw new EnvelopeError(
      `event ${event.id ?? "(no id)"} of type ${event.type ?? "(no type)"} carries no Pub/Sub message ` +
        "(neither data.message nor a push envelope's subscription and message); it is retried " +
        "and then dead-lettered by its subscription",
    );
  }
  const rawData = message["data"];
  const messageId = message["messageId"] ?? message["message_id"] ?? event.id;
  const publishTime = message["publishTime"] ?? message["publish_time"];
  return {
    data: typeof rawData === "string" ? Buffer.from(rawData, "base64") : Buffer.alloc(0),
    attributes: stringAttributes(message["attributes"]),
    messageId: typeof messageId === "string" ? messageId : String(messageId ?? ""),
    publishTime: typeof publishTime === "string" ? publishTime : undefined,
  };
}
