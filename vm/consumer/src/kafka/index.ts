/**
 * The Kafka reader of the client the configuration names (port.ts). @platformatic/kafka is loaded
 * only when chosen (platformatic.ts says why); kafkajs loads in a few milliseconds.
 */
import { KafkajsReader } from "./kafkajs.js";
import { PlatformaticReader } from "./platformatic.js";
import type { KafkaClientName, KafkaReader, KafkaReaderOptions } from "./port.js";

export { KAFKA_CLIENTS } from "./port.js";
export type {
  FetchSizes,
  KafkaClientName,
  KafkaReader,
  KafkaReaderOptions,
  ReaderEvents,
} from "./port.js";

export async function kafkaReader(
  client: KafkaClientName,
  options: KafkaReaderOptions,
): Promise<KafkaReader> {
  if (client === "platformatic") {
    return new PlatformaticReader(await import("@platformatic/kafka"), options);
  }
  return new KafkajsReader(options);
}
