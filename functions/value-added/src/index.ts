/**
 * Cloud Function value-added: the value-added handler on the broker's function runtime.
 */
import * as ff from "@google-cloud/functions-framework";
import {
  bigqueryClient,
  createPublisher,
  insertRows,
  storageClient,
  uploadIfAbsent,
} from "@pgb/broker-utils/gcp";
import { ENV } from "@pgb/broker-utils/instance";
import { FUNCTION, TOPIC } from "@pgb/broker-utils/naming";
import { renderSalt2Plot } from "@pgb/salt2/plot";
import { bucketAlertSource, registerBrokerFunction } from "@pgb/function-runtime";
import { fitSalt2, PRODUCT_FIT_CONFIG, salt2Model } from "@pgb/salt2";
import { createValueAddedHandler, type DerivedStream } from "./handler.js";

// The SALT2 model (templates and colour law, ~0.3 s to parse) is loaded once per process, while the
// instance starts, rather than inside the first fitted alert's deadline.
salt2Model();

registerBrokerFunction(ff.cloudEvent, FUNCTION.valueAdded, ({ env, project, survey, pubsub }) => {
  const storage = storageClient(project);
  const bigquery = bigqueryClient(project);
  const publishers: Record<DerivedStream, ReturnType<typeof createPublisher>> = {
    [TOPIC.alertsPure]: createPublisher(pubsub, env[ENV.alertsPureTopic]),
    [TOPIC.exgalacTrans]: createPublisher(pubsub, env[ENV.exgalacTransTopic]),
    [TOPIC.salt2]: createPublisher(pubsub, env[ENV.salt2Topic]),
  };
  return createValueAddedHandler({
    survey,
    alerts: bucketAlertSource(storage, env[ENV.alertAvrosBucket]),
    publish: (stream, data, attributes) => publishers[stream].publish(data, attributes),
    insertSalt2Row: (row) => insertRows(bigquery, env[ENV.bqDataset], env[ENV.bqSalt2Table], [row]),
    uploadPlot: (name, png, options) =>
      uploadIfAbsent(storage, env[ENV.sncosmoBucket], name, png, options),
    fit: (epochs) => fitSalt2(epochs, PRODUCT_FIT_CONFIG),
    render: renderSalt2Plot,
  });
});
