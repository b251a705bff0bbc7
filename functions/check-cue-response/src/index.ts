/**
 * Cloud Function check-cue-response: the check handler on the broker's function runtime. The check
 * delays are PGB_CHECK_NIGHT_CONDUCTOR_AFTER_SECONDS (30) and PGB_CHECK_CONSUMER_AFTER_SECONDS (300).
 */
import * as ff from "@google-cloud/functions-framework";
import { ENV } from "@pgb/broker-utils/instance";
import { FUNCTION } from "@pgb/broker-utils/naming";
import { readNightTimings } from "@pgb/night";
import { registerBrokerFunction } from "@pgb/function-runtime";
import { computeFromEnv } from "@pgb/compute";
import { createCheckHandler } from "./handler.js";

registerBrokerFunction(ff.cloudEvent, FUNCTION.check, ({ env, project }) => {
  const timings = readNightTimings();
  return createCheckHandler({
    compute: computeFromEnv({ project, zone: env[ENV.zone] }),
    vms: { nightConductor: env[ENV.nightConductorVm], consumer: env[ENV.consumerVm] },
    delays: {
      nightConductorAfterMs: timings.checkNightConductorAfterMs,
      consumerAfterMs: timings.checkConsumerAfterMs,
    },
  });
});
