/** The Kafka reader of the client the configuration names (port.ts). */
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

export function kafkaReader(client: KafkaClientName, options: KafkaReaderOptions): KafkaReader {
  return client === "platformatic" ? new PlatformaticReader(options) : new KafkajsReader(options);
}
