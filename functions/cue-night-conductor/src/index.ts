/**
 * Cloud Function cue-night-conductor: the CloudEvent adapter around the cue handler. Everything is
 * built at the first event, so importing the module (the framework, tests) needs no environment.
 * The compute port is Compute Engine in the cloud and local processes in a local instance
 * (`@pgb/compute`, PGB_COMPUTE).
 */
import * as ff from "@google-cloud/functions-framework";
import {
  createPublisher,
  downloadIfExists,
  pubsubClient,
  storageClient,
} from "@pgb/broker-utils/gcp";
import { ENV, FUNCTION_ENTRY_POINT, readEnv } from "@pgb/broker-utils/instance";
import { createLogger } from "@pgb/broker-utils/log";
import { FUNCTION } from "@pgb/broker-utils/naming";
import { readNightTimings } from "@pgb/broker-utils/night";
import { createCloudEventHandler, type PubSubCloudEvent } from "@pgb/broker-utils/runtime";
import { isSurvey, loadSchemaMap } from "@pgb/broker-utils/schema-maps";
import { computeFromEnv } from "@pgb/compute";
import { createCueHandler } from "./handler.js";

function build() {
  const env = readEnv(FUNCTION.cue);
  const project = env[ENV.project];
  const survey = env[ENV.survey];
  const log = createLogger();
  const deadLetter = createPublisher(pubsubClient(project), env[ENV.deadLetterTopic]);
  const handler = createCueHandler({
    compute: computeFromEnv({ project, zone: env[ENV.zone] }),
    nightConductorVm: env[ENV.nightConductorVm],
    timings: readNightTimings(),
    async topicSyntax() {
      const override = env[ENV.kafkaTopicSyntax];
      if (override !== undefined) return override;
      if (!isSurvey(survey)) throw new Error(`${ENV.survey}=${survey} has no schema map`);
      const storage = storageClient(project);
      // the operators' copy in broker_files wins over the bundled one (broker-spec §10)
      const map = await loadSchemaMap(survey, {
        reader: async (s) =>
          (
            await downloadIfExists(storage, env[ENV.brokerFilesBucket], `schema_maps/${s}.yaml`)
          )?.toString("utf8"),
      });
      return map.fields.topicSyntax;
    },
  });
  return createCloudEventHandler(handler, {
    stage: FUNCTION.cue,
    log,
    deadLetter: (data, attributes) => deadLetter.publish(data, attributes),
  });
}

let adapter: ReturnType<typeof build> | undefined;

ff.cloudEvent(FUNCTION_ENTRY_POINT[FUNCTION.cue], async (event: PubSubCloudEvent) => {
  adapter ??= build();
  await adapter(event);
});
