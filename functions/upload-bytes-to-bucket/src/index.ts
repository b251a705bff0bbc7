/**
 * Cloud Function upload-bytes-to-bucket: the CloudEvent adapter around the upload handler. The
 * clients are made at the first event, so importing the module (the framework, tests) needs no
 * environment.
 */
import * as ff from "@google-cloud/functions-framework";
import {
  createPublisher,
  pubsubClient,
  storageClient,
  uploadIfAbsent,
} from "@pgb/broker-utils/gcp";
import { ENV, FUNCTION_ENTRY_POINT, readEnv } from "@pgb/broker-utils/instance";
import { createLogger } from "@pgb/broker-utils/log";
import { FUNCTION } from "@pgb/broker-utils/naming";
import { createCloudEventHandler, type PubSubCloudEvent } from "@pgb/broker-utils/runtime";
import { isSurvey } from "@pgb/broker-utils/schema-maps";
import { createUploadHandler } from "./handler.js";

function build() {
  const env = readEnv(FUNCTION.upload);
  const project = env[ENV.project];
  const survey = env[ENV.survey];
  if (!isSurvey(survey)) {
    throw new Error(
      `${ENV.survey}=${survey} has no schema map; the instance model sets a known survey`,
    );
  }
  const storage = storageClient(project);
  const bucket = env[ENV.alertAvrosBucket];
  const deadLetter = createPublisher(pubsubClient(project), env[ENV.deadLetterTopic]);
  const handler = createUploadHandler({
    survey,
    upload: (name, bytes, options) => uploadIfAbsent(storage, bucket, name, bytes, options),
  });
  return createCloudEventHandler(handler, {
    stage: FUNCTION.upload,
    log: createLogger(),
    deadLetter: (data, attributes) => deadLetter.publish(data, attributes),
  });
}

let adapter: ReturnType<typeof build> | undefined;

ff.cloudEvent(FUNCTION_ENTRY_POINT[FUNCTION.upload], async (event: PubSubCloudEvent) => {
  adapter ??= build();
  await adapter(event);
});
