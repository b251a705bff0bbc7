/**
 * `pgb simulate`: the consumer simulator on the command line (docs/spec/broker.md §9). Replays alerts from a
 * subscription (default: production's `S-alerts-reservoir`) or from Avro files into an instance's
 * `alerts` topic (default: the test instance's) or into a Kafka topic (the survey's side of a local
 * instance), at a rate, for a runtime, with progress and a final count.
 */
import { Kafka } from "kafkajs";
import { createPublisher, Puller, pubsubClient } from "@pgb/broker-utils/gcp";
import { InstanceNamer, TOPIC } from "@pgb/broker-utils/naming";
import { isSurvey, loadSchemaMap } from "@pgb/broker-utils/schema-maps";
import {
  fileSource,
  kafkaSink,
  listAvroFiles,
  parseRate,
  parseRuntime,
  planBatches,
  pubsubSink,
  simulate,
  subscriptionSource,
  type Sink,
  type Source,
} from "@pgb/broker-utils/simulator";
import { progress } from "@pgb/broker-utils/terminal";
import { UsageError, type CommandModule } from "../program.js";

interface SimulateOptions {
  survey: string;
  testid?: string;
  project?: string;
  rate: string;
  runtime?: string;
  batchInterval: string;
  from?: string[];
  subscription?: string;
  topic?: string;
  kafka?: string;
  bootstrap?: string;
  kafkaTopic?: string;
  loop?: boolean;
  nack?: boolean;
  yes?: boolean;
}

function fail(message: string): never {
  throw new UsageError(message, 2);
}

async function openSource(options: SimulateOptions, namer: () => InstanceNamer): Promise<Source> {
  if (options.from !== undefined && options.subscription !== undefined) {
    fail("give either --from <files> or --subscription <name>, not both");
  }
  if (options.from !== undefined) {
    const files = await listAvroFiles(options.from);
    let kafkaTopic = options.kafkaTopic;
    if (kafkaTopic === undefined) {
      if (!isSurvey(options.survey)) fail(`unknown survey ${options.survey}`);
      // the attributes the consumer would have set: tonight's topic of the survey
      kafkaTopic = (await loadSchemaMap(options.survey)).topic(new Date());
    }
    return fileSource({ files, kafkaTopic, loop: options.loop ?? false });
  }
  const production = new InstanceNamer({ ...namer().keywords, testid: null });
  const subscription = options.subscription ?? production.reservoirSubscription();
  return subscriptionSource(new Puller(pubsubClient(options.project), subscription), {
    nack: options.nack ?? false,
  });
}

async function openSink(options: SimulateOptions, namer: () => InstanceNamer): Promise<Sink> {
  if (options.kafka !== undefined) {
    const brokers = (options.bootstrap ?? process.env["KAFKA_BOOTSTRAP_SERVERS"] ?? "")
      .split(",")
      .filter((b) => b !== "");
    if (brokers.length === 0) {
      fail("--kafka needs --bootstrap host:port (or KAFKA_BOOTSTRAP_SERVERS)");
    }
    const producer = new Kafka({ clientId: "pgb-simulate", brokers }).producer();
    await producer.connect();
    return kafkaSink(producer, options.kafka);
  }
  const n = namer();
  const topic = options.topic ?? n.topic(TOPIC.alerts);
  const production = new InstanceNamer({ ...n.keywords, testid: null });
  if (topic === production.topic(TOPIC.alerts) && !options.yes) {
    fail(
      `${topic} is the production alerts topic: every production subscriber would receive the ` +
        "replay; add --yes if that is really what you want",
    );
  }
  return pubsubSink(createPublisher(pubsubClient(options.project), topic));
}

export const simulateCommands: CommandModule = (program) => {
  program
    .command("simulate")
    .description(
      "replay alerts from a subscription (default: production's alerts reservoir) or from Avro " +
        "files into an instance's alerts topic or a Kafka topic, at a rate",
    )
    .option("--survey <survey>", "survey of the instance", "ztf")
    .option("--testid <testid>", "test instance whose alerts topic receives the replay")
    .option("--project <id>", "GCP project (default GOOGLE_CLOUD_PROJECT)")
    .option(
      "--rate <rate>",
      "N/once|sec|min|hr|night, or a preset: ztf-active-avg (300000/night), ztf-live-max (200/sec)",
      "ztf-active-avg",
    )
    .option("--runtime <runtime>", "N sec|min|hr|night; required unless the rate is N/once")
    .option("--batch-interval <seconds>", "seconds between batches", "5")
    .option("--from <paths...>", "Avro files or folders to replay (instead of a subscription)")
    .option("--subscription <name>", "subscription to replay from (default: the reservoir)")
    .option("--nack", "leave pulled messages in the subscription (keeps a reservoir full)")
    .option("--topic <name>", "Pub/Sub topic to publish to (default: the instance's alerts topic)")
    .option("--kafka <topic>", "publish the values to this Kafka topic instead of Pub/Sub")
    .option("--bootstrap <servers>", "Kafka bootstrap servers (default KAFKA_BOOTSTRAP_SERVERS)")
    .option("--kafka-topic <name>", "kafka.topic attribute of file alerts (default: tonight's)")
    .option("--loop", "start the files over when they run out")
    .option("--yes", "allow publishing to a production topic")
    .action(async (options: SimulateOptions) => {
      const rate = parseRate(options.rate);
      const plan = planBatches(
        rate,
        options.runtime === undefined ? undefined : parseRuntime(options.runtime),
        Number(options.batchInterval),
      );
      const namer = () => {
        const project = options.project ?? process.env["GOOGLE_CLOUD_PROJECT"];
        if (project === undefined) fail("give --project or set GOOGLE_CLOUD_PROJECT");
        return new InstanceNamer({
          survey: options.survey,
          testid: options.testid ?? null,
          project,
        });
      };
      const source = await openSource(options, namer);
      const sink = await openSink(options, namer);
      const bar = progress(`simulate → ${sink.description}`, plan.perBatch * plan.batches);
      try {
        const result = await simulate({
          source,
          sink,
          plan,
          onBatch: (published) => bar.update(published),
        });
        bar.finish(result.exhausted ? "(source ran dry)" : "");
        process.stdout.write(
          `published ${result.published} alerts in ${result.batches} batches over ` +
            `${result.elapsedSeconds.toFixed(1)} s to ${sink.description}` +
            (result.exhausted ? "; the source ran dry before the planned count\n" : "\n"),
        );
      } finally {
        await source.close();
        await sink.close();
      }
    });
};
