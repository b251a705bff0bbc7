/**
 * Cloud Function upload-bytes-to-bucket: the upload handler on the broker's function runtime.
 */
import * as ff from "@google-cloud/functions-framework";
import { storageClient, uploadIfAbsent } from "@pgb/broker-utils/gcp";
import { ENV } from "@pgb/broker-utils/instance";
import { FUNCTION } from "@pgb/broker-utils/naming";
import { registerBrokerFunction } from "@pgb/function-runtime";
import { createUploadHandler } from "./handler.js";

registerBrokerFunction(ff.cloudEvent, FUNCTION.upload, ({ env, project, survey }) => {
  const storage = storageClient(project);
  const bucket = env[ENV.alertAvrosBucket];
  return createUploadHandler({
    survey,
    upload: (name, bytes, options) => uploadIfAbsent(storage, bucket, name, bytes, options),
  });
});
