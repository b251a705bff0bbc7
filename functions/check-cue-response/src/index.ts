/**
 * Cloud Function check-cue-response: the CloudEvent adapter around the check handler, built at
 * the first event. The check delays are PGB_CHECK_NIGHT_CONDUCTOR_AFTER_SECONDS (30) and
 * PGB_CHECK_CONSUMER_AFTER_SECONDS (300).
 */
import * as ff from "@google-cloud/functions-framework";
import { createPublisher, pubsubClient } from "@pgb/broker-utils/gcp";
import { ENV, FUNCTION_ENTRY_POINT, readEnv } from "@pgb/broker-utils/instance";
import { createLogger } from "@pgb/broker-utils/log";
import { FUNCTION } from "@pgb/broker-utils/naming";
import { readNightTimings } from "@pgb/broker-utils/night";
import { createCloudEventHandler, type PubSubCloudEvent } from "@pgb/broker-utils/runtime";
import { computeFromEnv } from "@pgb/compute";
import { createCheckHandler } from "./handler.js";

function build() {
  const env = readEnv(FUNCTION.check);
  const project = env[ENV.project];
  const timings = readNightTimings();
  const deadLetter = createPublisher(pubsubClient(project), env[ENV.deadLetterTopic]);
  const handler = createCheckHandler({
    compute: computeFromEnv({ project, zone: env[ENV.zone] }),
    vms: { nightConductor: env[ENV.nightConductorVm], consumer: env[ENV.consumerVm] },
    delays: {
      nightConductorAfterMs: timings.checkNightConductorAfterMs,
      consumerAfterMs: timings.checkConsumerAfterMs,
    },
  });
  return createCloudEventHandler(handler, {
    stage: FUNCTION.check,
    log: createLogger(),
    deadLetter: (data, attributes) => deadLetter.publish(data, attributes),
  });
}

let adapter: ReturnType<typeof build> | undefined;

ff.cloudEvent(FUNCTION_ENTRY_POINT[FUNCTION.check], async (event: PubSubCloudEvent) => {
  adapter ??= build();
  await adapter(event);
});
