import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import {
  modelBucket,
  type BrokerFileSpec,
  type BucketSpec,
  type CodeSpec,
  type NotificationSpec,
} from "@pgb/broker-utils/instance";
import { BUCKET, codeObject } from "@pgb/broker-utils/naming";
import { brokerFileAsset } from "../broker-file.js";
import type { Bundle } from "../packaging.js";
import { protection, type BuildContext } from "./context.js";

export function buildBuckets(buckets: readonly BucketSpec[], c: BuildContext): void {
  for (const b of buckets) {
    c.resolve.buckets.set(
      b.name,
      new gcp.storage.Bucket(
        b.name,
        {
          project: c.project,
          name: b.name,
          location: b.location,
          uniformBucketLevelAccess: b.uniformBucketLevelAccess,
          publicAccessPrevention: b.publicAccessPrevention,
          // A test instance's data goes with it; production keeps the soft-delete default.
          forceDestroy: !b.protect,
          ...(b.protect ? {} : { softDeletePolicy: { retentionDurationSeconds: 0 } }),
          labels: c.labels,
        },
        c.opts(protection(b.protect)),
      ),
    );
  }
}

function brokerFilesBucket(c: BuildContext): gcp.storage.Bucket {
  return c.resolve.buckets.get(modelBucket(c.model, BUCKET.brokerFiles).name);
}

/** A code bundle as a zip archive of its files and linked folders. */
function archive(bundle: Bundle): pulumi.asset.AssetArchive {
  const assets: Record<string, pulumi.asset.Asset | pulumi.asset.Archive> = {};
  for (const [path, text] of Object.entries(bundle.files)) {
    assets[path] = new pulumi.asset.StringAsset(text);
  }
  for (const [path, dir] of Object.entries(bundle.directories)) {
    assets[path] = new pulumi.asset.FileArchive(dir);
  }
  return new pulumi.asset.AssetArchive(assets);
}

/** Code archives in `broker_files`, each named by its content hash. */
export function buildCodeObjects(code: readonly CodeSpec[], c: BuildContext): void {
  for (const spec of code) {
    const bucket = brokerFilesBucket(c).name;
    const bundle = c.deploy.bundles.get(spec.program);
    if (bundle === undefined) throw new Error(`no code bundle for ${spec.program}`);
    const name = codeObject(spec.objectPrefix, bundle.hash);
    c.resolve.code.set(
      spec.program,
      new gcp.storage.BucketObject(
        name,
        { bucket, name, source: archive(bundle), contentType: "application/zip" },
        c.opts(),
      ),
    );
  }
}

/** The other files of `broker_files`: schema map, startup scripts, the VMs' Node.js runtime. */
export function buildBrokerFiles(files: readonly BrokerFileSpec[], c: BuildContext): void {
  for (const f of files) {
    const bucket = brokerFilesBucket(c).name;
    const file = c.deploy.files.get(f.object);
    if (file === undefined) throw new Error(`no content for broker file ${f.object}`);
    new gcp.storage.BucketObject(
      f.object,
      {
        bucket,
        name: f.object,
        source: brokerFileAsset(file),
        contentType: file.contentType,
      },
      c.opts(),
    );
  }
}

/** After the component's grants: a notification needs the GCS agent's publisher grant first. */
export function buildNotifications(
  notifications: readonly NotificationSpec[],
  publisherGrants: (topic: string) => pulumi.Resource[],
  c: BuildContext,
): void {
  for (const x of notifications) {
    new gcp.storage.Notification(
      `${x.bucket}-notification`,
      {
        bucket: c.resolve.buckets.get(x.bucket).name,
        topic: c.resolve.topics.get(x.topic).id,
        payloadFormat: x.payloadFormat,
        eventTypes: x.eventTypes,
      },
      c.opts({ dependsOn: publisherGrants(x.topic) }),
    );
  }
}
