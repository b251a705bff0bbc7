import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import { modelBucket, type FunctionSpec } from "@pgb/broker-utils/instance";
import { BUCKET } from "@pgb/broker-utils/naming";
import type { BuildContext } from "./context.js";

function buildConfig(f: FunctionSpec, c: BuildContext) {
  const account = c.deploy.buildServiceAccount;
  return {
    runtime: f.runtime,
    entryPoint: f.entryPoint,
    // The object name carries the content hash: new code, new object, new revision.
    source: {
      storageSource: {
        bucket: c.resolve.buckets.get(modelBucket(c.model, BUCKET.brokerFiles).name).name,
        object: c.resolve.code.get(f.stub).name,
      },
    },
    ...(account === undefined
      ? {}
      : { serviceAccount: `projects/${c.project}/serviceAccounts/${account}` }),
  };
}

/** Gen2 functions without eventTrigger: the processing subscriptions push to their URL. */
export function buildFunctions(functions: readonly FunctionSpec[], c: BuildContext): void {
  for (const f of functions) {
    c.resolve.functions.set(
      f.name,
      new gcp.cloudfunctionsv2.Function(
        f.name,
        {
          project: c.project,
          location: c.model.region,
          name: f.name,
          description: `Broker ${c.model.stack}: ${f.stub}`,
          labels: c.labels,
          buildConfig: buildConfig(f, c),
          serviceConfig: {
            serviceAccountEmail: c.resolve.accounts.get(f.serviceAccount).email,
            availableMemory: f.memory,
            availableCpu: f.cpu,
            timeoutSeconds: f.timeoutSeconds,
            minInstanceCount: 0,
            maxInstanceCount: f.maxInstances,
            maxInstanceRequestConcurrency: f.concurrency,
            environmentVariables: f.env,
            // Pub/Sub push from the same project counts as internal traffic.
            ingressSettings: "ALLOW_INTERNAL_ONLY",
            allTrafficOnLatestRevision: true,
          },
        },
        c.opts(),
      ),
    );
  }
}

/**
 * The run.app URI of a gen2 function's Cloud Run service: the push endpoint, and by default the
 * OIDC audience, that Cloud Run accepts (the cloudfunctions.net `url` is an alias).
 */
export function serviceUri(fn: gcp.cloudfunctionsv2.Function): pulumi.Output<string> {
  return fn.serviceConfig.apply((config) => {
    if (config?.uri === undefined || config.uri === "") {
      throw new Error(`function ${fn.urn} has no serviceConfig.uri`);
    }
    return config.uri;
  });
}
