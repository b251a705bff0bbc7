/**
 * What other workspace code (bench/consumer) may use of the consumer without running it: its Kafka
 * readers and the settings it runs with, so a benchmark measures the same parts as the program.
 */
export { OUTSTANDING_DEFAULTS } from "./config.js";
export { FETCH, PUBLISHER_OPTIONS } from "./consumer.js";
export { KAFKA_CLIENTS, kafkaReader } from "./kafka/index.js";
export type { KafkaClientName, KafkaReader, ReaderEvents } from "./kafka/index.js";
