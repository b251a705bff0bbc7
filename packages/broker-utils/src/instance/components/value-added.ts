/**
 * The value-added component: the function that filters alerts, fits SALT2 and publishes the
 * results on its three topics, and the bucket of its light-curve plots.
 */
import { BUCKET, FUNCTION, TABLE, TOPIC } from "../../naming/catalogue.js";
import { ENV } from "../env.js";
import { accountMember, granter, on } from "../iam.js";
import { salt2SkippedMetric } from "../monitoring.js";
import { dataBucket } from "./bucket.js";
import type { PlanContext } from "./context.js";
import { planFunction } from "./function.js";
import { mergeSlices, type ModelSlice } from "./slice.js";

const RESULT_TOPICS = [TOPIC.alertsPure, TOPIC.exgalacTrans, TOPIC.salt2] as const;

export function planValueAdded(ctx: PlanContext): ModelSlice {
  const { n } = ctx;
  const plots = n.bucket(BUCKET.sncosmo);
  const va = accountMember(n, "va");
  const grant = granter("valueAdded");
  const env = {
    [ENV.alertAvrosBucket]: n.bucket(BUCKET.alertAvros),
    [ENV.bqDataset]: n.dataset(),
    [ENV.bqSalt2Table]: n.table(TABLE.salt2),
    [ENV.alertsPureTopic]: n.topic(TOPIC.alertsPure),
    [ENV.exgalacTransTopic]: n.topic(TOPIC.exgalacTrans),
    [ENV.salt2Topic]: n.topic(TOPIC.salt2),
    [ENV.sncosmoBucket]: plots,
  };
  return mergeSlices(planFunction(ctx, FUNCTION.valueAdded, env), {
    topics: RESULT_TOPICS.map((stub) => ({ stub, name: n.topic(stub), component: "valueAdded" })),
    buckets: [dataBucket(ctx, BUCKET.sncosmo, "valueAdded")],
    logMetrics: [salt2SkippedMetric(n)],
    iam: [
      ...RESULT_TOPICS.map((t) =>
        grant(va, "roles/pubsub.publisher", on.topic(n.topic(t)), `publishes ${t}`),
      ),
      grant(va, "roles/storage.objectCreator", on.bucket(plots), "stores SALT2 plots"),
    ],
  });
}
