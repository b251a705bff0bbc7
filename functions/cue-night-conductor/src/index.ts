/**
 * Cloud Function cue-night-conductor: the cue handler on the broker's function runtime. The compute
 * port is Compute Engine in the cloud and local processes in a local instance (`@pgb/compute`,
 * PGB_COMPUTE).
 */
import * as ff from "@google-cloud/functions-framework";
import { downloadIfExists, storageClient } from "@pgb/broker-utils/gcp";
import { ENV } from "@pgb/broker-utils/instance";
import { FUNCTION, schemaMapObject } from "@pgb/broker-utils/naming";
import { readNightTimings } from "@pgb/night";
import { registerBrokerFunction } from "@pgb/function-runtime";
import { loadSchemaMap } from "@pgb/broker-utils/schema-maps";
import { computeFromEnv } from "@pgb/compute";
import { createCueHandler } from "./handler.js";

registerBrokerFunction(ff.cloudEvent, FUNCTION.cue, ({ env, project, survey }) =>
  createCueHandler({
    compute: computeFromEnv({ project, zone: env[ENV.zone] }),
    nightConductorVm: env[ENV.nightConductorVm],
    timings: readNightTimings(),
    async topicSyntax() {
      const override = env[ENV.kafkaTopicSyntax];
      if (override !== undefined) return override;
      const storage = storageClient(project);
      // the operators' copy in broker_files wins over the bundled one (docs/spec/broker.md §10)
      const map = await loadSchemaMap(survey, {
        reader: async (s) =>
          (
            await downloadIfExists(storage, env[ENV.brokerFilesBucket], schemaMapObject(s))
          )?.toString("utf8"),
      });
      return map.fields.topicSyntax;
    },
  }),
);
