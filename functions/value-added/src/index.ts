/**
 * Cloud Function value-added: the CloudEvent adapter around the value-added handler. The clients
 * and publishers are made at the first event, so importing the module (the framework, tests) needs
 * no environment.
 */
import * as ff from "@google-cloud/functions-framework";
import {
  bigqueryClient,
  createPublisher,
  insertRows,
  pubsubClient,
  storageClient,
  uploadIfAbsent,
} from "@pgb/broker-utils/gcp";
import { ENV, FUNCTION_ENTRY_POINT, readEnv } from "@pgb/broker-utils/instance";
import { createLogger } from "@pgb/broker-utils/log";
import { FUNCTION, TOPIC } from "@pgb/broker-utils/naming";
import { renderSalt2Plot } from "@pgb/broker-utils/plot";
import { createCloudEventHandler, type PubSubCloudEvent } from "@pgb/broker-utils/runtime";
import { fitSalt2, PRODUCT_FIT_CONFIG, salt2Model } from "@pgb/broker-utils/salt2";
import { isSurvey } from "@pgb/broker-utils/schema-maps";
import { createValueAddedHandler, type DerivedStream } from "./handler.js";

// The SALT2 model (templates and colour law, ~0.3 s to parse) is loaded once per process, while the
// instance starts, rather than inside the first fitted alert's deadline.
salt2Model();

function build() {
  const env = readEnv(FUNCTION.valueAdded);
  const project = env[ENV.project];
  const survey = env[ENV.survey];
  if (!isSurvey(survey)) {
    throw new Error(
      `${ENV.survey}=${survey} has no schema map; the instance model sets a known survey`,
    );
  }
  const pubsub = pubsubClient(project);
  const storage = storageClient(project);
  const bigquery = bigqueryClient(project);
  const publishers: Record<DerivedStream, ReturnType<typeof createPublisher>> = {
    [TOPIC.alertsPure]: createPublisher(pubsub, env[ENV.alertsPureTopic]),
    [TOPIC.exgalacTrans]: createPublisher(pubsub, env[ENV.exgalacTransTopic]),
    [TOPIC.salt2]: createPublisher(pubsub, env[ENV.salt2Topic]),
  };
  const deadLetter = createPublisher(pubsub, env[ENV.deadLetterTopic]);
  const handler = createValueAddedHandler({
    survey,
    publish: (stream, data, attributes) => publishers[stream].publish(data, attributes),
    insertSalt2Row: (row) => insertRows(bigquery, env[ENV.bqDataset], env[ENV.bqSalt2Table], [row]),
    uploadPlot: (name, png, options) =>
      uploadIfAbsent(storage, env[ENV.sncosmoBucket], name, png, options),
    fit: (epochs) => fitSalt2(epochs, PRODUCT_FIT_CONFIG),
    render: renderSalt2Plot,
  });
  return createCloudEventHandler(handler, {
    stage: FUNCTION.valueAdded,
    log: createLogger(),
    deadLetter: (data, attributes) => deadLetter.publish(data, attributes),
  });
}

let adapter: ReturnType<typeof build> | undefined;

ff.cloudEvent(FUNCTION_ENTRY_POINT[FUNCTION.valueAdded], async (event: PubSubCloudEvent) => {
  adapter ??= build();
  await adapter(event);
});
