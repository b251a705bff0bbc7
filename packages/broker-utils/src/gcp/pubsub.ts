/**
 * Pub/Sub helpers over @google-cloud/pubsub: batched publishing with attributes, synchronous pull
 * (reservoir and counter subscriptions), and streaming pull with flow control.
 */
import { v1, type Message, type PubSub, type Topic } from "@google-cloud/pubsub";

export type Attributes = Record<string, string>;

export interface PublisherOptions {
  /** Messages per batch (default 100). */
  maxMessages?: number;
  /** Bytes per batch (default 5 MB; Pub/Sub's request limit is 10 MB). */
  maxBytes?: number;
  /** Longest wait before a partial batch is sent, ms (default 10). */
  maxMilliseconds?: number;
  /** Outstanding (unacknowledged) messages before `publish` waits (default 1000). */
  maxOutstandingMessages?: number;
  /** Outstanding bytes before `publish` waits (default 100 MB). */
  maxOutstandingBytes?: number;
}

/** A topic handle for publishing; `publish` resolves with the message id once Pub/Sub acknowledged it. */
export interface Publisher {
  readonly topic: string;
  publish(data: Buffer, attributes?: Attributes): Promise<string>;
  publishJson(value: unknown, attributes?: Attributes): Promise<string>;
  /** Sends every pending batch and waits for them. */
  flush(): Promise<void>;
}

function assertAttributes(topic: string, attributes: Attributes): void {
  for (const [k, v] of Object.entries(attributes)) {
    if (typeof v !== "string") {
      throw new TypeError(
        `attribute ${k} for topic ${topic} is a ${typeof v}, not a string: Pub/Sub attributes are strings ` +
          `(64-bit ids go as decimal strings)`,
      );
    }
  }
}

export function createPublisher(
  pubsub: PubSub,
  topicName: string,
  options: PublisherOptions = {},
): Publisher {
  const topic: Topic = pubsub.topic(topicName, {
    batching: {
      maxMessages: options.maxMessages ?? 100,
      maxBytes: options.maxBytes ?? 5 * 1024 * 1024,
      maxMilliseconds: options.maxMilliseconds ?? 10,
    },
    flowControlOptions: {
      maxOutstandingMessages: options.maxOutstandingMessages ?? 1000,
      maxOutstandingBytes: options.maxOutstandingBytes ?? 100 * 1024 * 1024,
    },
  });
  const publish = async (data: Buffer, attributes: Attributes = {}): Promise<string> => {
    assertAttributes(topicName, attributes);
    return topic.publishMessage({ data, attributes });
  };
  return {
    topic: topicName,
    publish,
    publishJson: (value, attributes) =>
      publish(Buffer.from(JSON.stringify(value), "utf8"), attributes),
    flush: () => topic.flush(),
  };
}

const DEADLINE_EXCEEDED = 4;

/** A message as the broker's handlers and pull helpers see it. */
export interface ReceivedMessage {
  ackId: string;
  messageId: string;
  data: Buffer;
  attributes: Attributes;
  publishTime: Date;
  deliveryAttempt: number | undefined;
}

/** Synchronous pull: reservoir replays and counter subscriptions need explicit, batched acks. */
export class Puller {
  private clientPromise: Promise<v1.SubscriberClient> | undefined;

  constructor(
    private readonly pubsub: PubSub,
    readonly subscription: string,
  ) {}

  private path(): string {
    return this.subscription.includes("/")
      ? this.subscription
      : `projects/${this.pubsub.projectId}/subscriptions/${this.subscription}`;
  }

  private client(): Promise<v1.SubscriberClient> {
    this.clientPromise ??= this.pubsub
      .getClientConfig()
      // the GAPIC constructor takes the same options under another type name
      .then(
        (config) =>
          new v1.SubscriberClient(config as ConstructorParameters<typeof v1.SubscriberClient>[0]),
      );
    return this.clientPromise;
  }

  /**
   * Up to `maxMessages` messages; an empty array when none arrived within `waitMs` (a pull on an
   * empty subscription otherwise blocks for the server's full deadline).
   */
  async pull(maxMessages = 100, waitMs = 5000): Promise<ReceivedMessage[]> {
    const client = await this.client();
    let response;
    try {
      [response] = await client.pull(
        { subscription: this.path(), maxMessages },
        { timeout: waitMs, retry: null },
      );
    } catch (err) {
      if ((err as { code?: unknown }).code === DEADLINE_EXCEEDED) return [];
      throw err;
    }
    return (response.receivedMessages ?? []).map((rm) => {
      const m = rm.message ?? {};
      const seconds = Number(m.publishTime?.seconds ?? 0);
      const nanos = m.publishTime?.nanos ?? 0;
      return {
        ackId: rm.ackId ?? "",
        messageId: m.messageId ?? "",
        data: Buffer.from(m.data ?? new Uint8Array()),
        attributes: { ...(m.attributes ?? {}) },
        publishTime: new Date(seconds * 1000 + Math.floor(nanos / 1e6)),
        deliveryAttempt: rm.deliveryAttempt ?? undefined,
      };
    });
  }

  async ack(ackIds: readonly string[]): Promise<void> {
    if (ackIds.length === 0) return;
    const client = await this.client();
    for (let i = 0; i < ackIds.length; i += 1000) {
      await client.acknowledge({ subscription: this.path(), ackIds: ackIds.slice(i, i + 1000) });
    }
  }

  /** Makes the messages available again at once (`--nack` of the simulator keeps the reservoir full). */
  async nack(ackIds: readonly string[]): Promise<void> {
    if (ackIds.length === 0) return;
    const client = await this.client();
    for (let i = 0; i < ackIds.length; i += 1000) {
      await client.modifyAckDeadline({
        subscription: this.path(),
        ackIds: ackIds.slice(i, i + 1000),
        ackDeadlineSeconds: 0,
      });
    }
  }

  async close(): Promise<void> {
    if (this.clientPromise) await (await this.clientPromise).close();
  }
}

export interface ConsumeOptions {
  /** Messages held at once (default 100). */
  maxMessages?: number;
  /** Bytes held at once (default 100 MB). */
  maxBytes?: number;
  /** Subscriber stream errors (the client reconnects by itself on transient ones). */
  onError: (err: Error) => void;
}

/**
 * Streaming pull with flow control: `handler` resolving acks the message, rejecting nacks it (Pub/Sub
 * redelivers it, and after the subscription's max attempts moves it to the dead-letter topic).
 * Returns a function that stops consuming and waits for in-flight handlers.
 */
export function consume(
  pubsub: PubSub,
  subscription: string,
  handler: (message: Message) => Promise<void>,
  options: ConsumeOptions,
): () => Promise<void> {
  const sub = pubsub.subscription(subscription, {
    flowControl: {
      maxMessages: options.maxMessages ?? 100,
      maxBytes: options.maxBytes ?? 100 * 1024 * 1024,
      allowExcessMessages: false,
    },
  });
  const inFlight = new Set<Promise<void>>();
  sub.on("error", options.onError);
  sub.on("message", (message: Message) => {
    const p = handler(message).then(
      () => message.ack(),
      () => message.nack(),
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  });
  return async () => {
    await sub.close();
    await Promise.allSettled([...inFlight]);
  };
}
