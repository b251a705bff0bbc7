/** Where the simulator publishes: a Pub/Sub topic (data and attributes) or a Kafka topic (the value). */
import type { Producer } from "kafkajs";
import type { Publisher } from "../gcp/pubsub.js";
import type { SimulatedMessage } from "./sources.js";

export interface Sink {
  readonly description: string;
  /** Resolves when every message is acknowledged by the destination. */
  publish(messages: readonly SimulatedMessage[]): Promise<void>;
  close(): Promise<void>;
}

export function pubsubSink(publisher: Publisher): Sink {
  return {
    description: `Pub/Sub topic ${publisher.topic}`,
    async publish(messages) {
      await Promise.all(messages.map((m) => publisher.publish(m.data, m.attributes)));
    },
    close: () => publisher.flush(),
  };
}

/** The survey's side of the stream: only the value travels, as the survey's Kafka would send it. */
export function kafkaSink(producer: Producer, topic: string): Sink {
  return {
    description: `Kafka topic ${topic}`,
    async publish(messages) {
      if (messages.length === 0) return;
      await producer.send({ topic, acks: -1, messages: messages.map((m) => ({ value: m.data })) });
    },
    close: () => producer.disconnect(),
  };
}
