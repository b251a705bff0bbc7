/**
 * The Avro storage component: the function that stores each alert's Avro file in the
 * `alert_avros` bucket, whose notifications feed the `alert_avros` topic, and read access to the
 * stored files for the functions that stream notification (bq-sink, value-added).
 */
import { BUCKET, FUNCTION, TOPIC } from "../../naming/catalogue.js";
import { ENV } from "../env.js";
import { accountMember, granter, on } from "../iam.js";
import type { IamGrant } from "../types.js";
import { dataBucket } from "./bucket.js";
import type { PlanContext } from "./context.js";
import { planFunction } from "./function.js";
import { mergeSlices, type ModelSlice } from "./slice.js";

export function planAvroStorage(ctx: PlanContext): ModelSlice {
  const { n } = ctx;
  const bucket = n.bucket(BUCKET.alertAvros);
  const topic = n.topic(TOPIC.alertAvros);
  const grant = granter("avroStorage");
  const iam: IamGrant[] = [
    grant(
      accountMember(n, "up"),
      "roles/storage.objectCreator",
      on.bucket(bucket),
      "stores each alert's Avro file (create only, never overwrite)",
    ),
  ];
  for (const reader of ["bq", "va"] as const) {
    iam.push(
      grant(
        accountMember(n, reader),
        "roles/storage.objectViewer",
        on.bucket(bucket),
        "reads each stored alert its bucket notification announces",
      ),
    );
  }
  if (ctx.serviceAgents !== null) {
    iam.push(
      grant(
        { kind: "storageAgent" },
        "roles/pubsub.publisher",
        on.topic(topic),
        "publishes the alert_avros bucket notifications",
      ),
    );
  }
  return mergeSlices(planFunction(ctx, FUNCTION.upload, { [ENV.alertAvrosBucket]: bucket }), {
    topics: [{ stub: TOPIC.alertAvros, name: topic, component: "avroStorage" }],
    buckets: [dataBucket(ctx, BUCKET.alertAvros, "avroStorage")],
    notifications: [
      {
        bucket,
        topic,
        eventTypes: ["OBJECT_FINALIZE"],
        payloadFormat: "JSON_API_V1",
        component: "avroStorage",
      },
    ],
    iam,
  });
}
