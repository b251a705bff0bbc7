/**
 * Runs the Pulumi program under mocks and records every resource: its type token, logical name,
 * inputs (as the engine would receive them) and options (observed through a component
 * transformation, the only hook that works under mocks). The packager and schema provider are
 * fakes, so no function or VM source has to exist.
 */
import * as pulumi from "@pulumi/pulumi";
import type { TableField } from "@pgb/broker-utils/bigquery";
import type { TableSchemaProvider } from "@pgb/broker-utils/instance";
import type { NodeRuntimeProvider } from "../../../infra/src/node-runtime.js";
import type { Packager } from "../../../infra/src/packaging.js";
import type { ProgramResult } from "../../../infra/src/program.js";

export interface Recorded {
  type: string;
  name: string;
  // Inputs are whatever the program passed, resolved.
  inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Run {
  resources: Recorded[];
  /** Every invoke (data-source lookup) the program made. */
  invokes: { token: string; inputs: Record<string, unknown> }[];
  options: Map<string, pulumi.ResourceOptions>;
  result: ProgramResult;
}

export const PROJECT = "my-proj";
export const PROJECT_NUMBER = "123456789012";
export const REGION = "us-central1";
/** A notification channel; production stacks must name one. */
export const CHANNEL = `projects/${PROJECT}/notificationChannels/4242`;

/** The config a stack needs beyond the harness defaults: production must name a channel. */
export function stackConfig(testid: string | null): Record<string, string> {
  return testid === null ? { "broker:notificationChannels": JSON.stringify([CHANNEL]) } : {};
}

/** The address Google gives the Cloud Storage agent, as the lookup returns it. */
export const STORAGE_AGENT = `service-${PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com`;

/** The one invoke the program may make: it creates the Cloud Storage agent on a new project. */
const STORAGE_AGENT_LOOKUP = "gcp:storage/getProjectServiceAccount:getProjectServiceAccount";

export const fakePackager: Packager = {
  bundle: (code) =>
    Promise.resolve({
      files: { "package.json": "{}", "dist/pgb/index.js": `// ${code.program}\n` },
      directories: {},
      hash: `hash-${code.program.replaceAll("_", "-")}`,
    }),
  schemaMap: (survey) => Promise.resolve(`# schema map of ${survey}\n`),
};

/** A runtime that is never read: the mocks do not upload assets. */
export const fakeNodeRuntime: NodeRuntimeProvider = (version) =>
  Promise.resolve({ version, path: `/cache/node-v${version}.tar.xz`, sha256: `sha-of-${version}` });

export const fakeTableSchemas: TableSchemaProvider = (): TableField[] => [
  { name: "objectId", type: "STRING", mode: "REQUIRED" },
  { name: "candid", type: "INTEGER", mode: "REQUIRED" },
];

/** Computed outputs the program reads, as the provider would return them. */
function state(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const name = String(inputs["name"] ?? "");
  switch (type) {
    case "gcp:serviceaccount/account:Account": {
      const email = `${String(inputs["accountId"])}@${PROJECT}.iam.gserviceaccount.com`;
      return {
        ...inputs,
        email,
        member: `serviceAccount:${email}`,
        name: `projects/${PROJECT}/serviceAccounts/${email}`,
      };
    }
    case "gcp:pubsub/topic:Topic":
      return { ...inputs };
    case "gcp:cloudfunctionsv2/function:Function":
      return {
        ...inputs,
        url: `https://us-central1-${PROJECT}.cloudfunctions.net/${name}`,
        serviceConfig: {
          ...(inputs["serviceConfig"] as object),
          uri: `https://${name}-abc123-uc.a.run.app`,
        },
      };
    case "gcp:storage/bucket:Bucket":
      return { ...inputs, url: `gs://${name}` };
    case "gcp:storage/bucketObject:BucketObject":
      return { ...inputs, generation: 1 };
    default:
      return { ...inputs };
  }
}

function id(type: string, inputs: Record<string, unknown>, logical: string): string {
  if (type === "gcp:pubsub/topic:Topic")
    return `projects/${PROJECT}/topics/${String(inputs["name"])}`;
  if (type === "gcp:secretmanager/secret:Secret") {
    return `projects/${PROJECT}/secrets/${String(inputs["secretId"])}`;
  }
  return `${logical}-id`;
}

export async function runStack(
  stack: string,
  config: Record<string, string> = {},
  secretKeys: string[] = [],
): Promise<Run> {
  const resources: Recorded[] = [];
  const invokes: Run["invokes"] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: id(args.type, args.inputs, args.name), state: state(args.type, args.inputs) };
      },
      call: (args) => {
        if (args.token !== STORAGE_AGENT_LOOKUP) {
          throw new Error(`the program made an unexpected invoke (${args.token})`);
        }
        invokes.push({ token: args.token, inputs: args.inputs });
        return { emailAddress: STORAGE_AGENT, member: `serviceAccount:${STORAGE_AGENT}` };
      },
    },
    "broker",
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(
    {
      "gcp:project": PROJECT,
      "gcp:region": REGION,
      "broker:projectNumber": PROJECT_NUMBER,
      ...config,
    },
    secretKeys,
  );
  const options = new Map<string, pulumi.ResourceOptions>();
  const { brokerProgram } = await import("../../../infra/src/program.js");
  const result = await brokerProgram({
    packager: fakePackager,
    nodeRuntime: fakeNodeRuntime,
    tableSchemas: fakeTableSchemas,
    transformations: [
      (a) => {
        options.set(`${a.type}::${a.name}`, a.opts);
        return undefined;
      },
    ],
  });
  await (pulumi.runtime as unknown as { waitForRPCs: () => Promise<void> }).waitForRPCs();
  return { resources, invokes, options, result };
}

export function ofType(run: Run, type: string): Recorded[] {
  return run.resources.filter((r) => r.type === type);
}

export function named(run: Run, type: string, name: string): Recorded {
  const found = run.resources.find((r) => r.type === type && r.name === name);
  if (found === undefined) throw new Error(`no ${type} named ${name}`);
  return found;
}

export const T = {
  topic: "gcp:pubsub/topic:Topic",
  subscription: "gcp:pubsub/subscription:Subscription",
  bucket: "gcp:storage/bucket:Bucket",
  object: "gcp:storage/bucketObject:BucketObject",
  notification: "gcp:storage/notification:Notification",
  dataset: "gcp:bigquery/dataset:Dataset",
  table: "gcp:bigquery/table:Table",
  function: "gcp:cloudfunctionsv2/function:Function",
  vm: "gcp:compute/instance:Instance",
  job: "gcp:cloudscheduler/job:Job",
  account: "gcp:serviceaccount/account:Account",
  customRole: "gcp:projects/iAMCustomRole:IAMCustomRole",
  secret: "gcp:secretmanager/secret:Secret",
  alertPolicy: "gcp:monitoring/alertPolicy:AlertPolicy",
  logMetric: "gcp:logging/metric:Metric",
  api: "gcp:projects/service:Service",
  dashboard: "gcp:monitoring/dashboard:Dashboard",
} as const;

/** The startup script a VM runs, as uploaded to broker_files. */
export async function startupScriptOf(run: Run, vm: string): Promise<string> {
  const object = ofType(run, T.object).find((o) => o.inputs["name"] === `vm/${vm}/startup.sh`);
  if (object === undefined) throw new Error(`no startup script object for ${vm}`);
  return String(await (object.inputs["source"] as { text: Promise<string> }).text);
}
