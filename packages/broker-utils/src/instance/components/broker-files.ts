/**
 * The broker-files component: the `broker_files` bucket with every program's code archive, the
 * VMs' startup scripts and Node.js runtime, and the survey's schema map, and read access to them for the accounts
 * whose programs run from it.
 */
import { BUCKET, type ServiceAccountRole } from "../../naming/catalogue.js";
import { codeObjectPrefix, OBJECT_PREFIX, schemaMapObject } from "../../naming/objects.js";
import type { ProgramId } from "../env.js";
import { accountMember, granter, objectPrefixCondition, on } from "../iam.js";
import type { BrokerFileSpec, CodeSpec, FunctionSpec, VmSpec } from "../types.js";
import { dataBucket } from "./bucket.js";
import type { PlanContext } from "./context.js";
import type { ModelSlice } from "./slice.js";

/** Accounts whose programs read their bundles, startup scripts or schema maps from the bucket. */
const READERS: readonly ServiceAccountRole[] = ["cons", "nc", "up", "bq", "va", "cue"];

function codeSpec(program: ProgramId, kind: CodeSpec["kind"], sourceDir: string): CodeSpec {
  return {
    program,
    kind,
    sourceDir,
    entry: "src/index.ts",
    objectPrefix: codeObjectPrefix(sourceDir),
    component: "brokerFiles",
  };
}

/** The bucket and its files, for the programs the other components plan. */
export function planBrokerFiles(
  ctx: PlanContext,
  programs: { functions: readonly FunctionSpec[]; vms: readonly VmSpec[] },
): ModelSlice {
  const { n } = ctx;
  const bucket = n.bucket(BUCKET.brokerFiles);
  const grant = granter("brokerFiles");
  const brokerFiles: BrokerFileSpec[] = [
    {
      object: schemaMapObject(ctx.keywords.survey),
      source: { kind: "schemaMap", survey: ctx.keywords.survey },
      component: "brokerFiles",
    },
    ...programs.vms.map((v): BrokerFileSpec => ({
      object: v.startupScriptObject,
      source: { kind: "startupScript", vm: v.stub },
      component: "brokerFiles",
    })),
    // One Node.js runtime per version the VMs run.
    ...[...new Map(programs.vms.map((v) => [v.nodeRuntimeObject, v.nodeVersion]))].map(
      ([object, version]): BrokerFileSpec => ({
        object,
        source: { kind: "nodeRuntime", version },
        component: "brokerFiles",
      }),
    ),
  ];
  return {
    buckets: [dataBucket(ctx, BUCKET.brokerFiles, "brokerFiles")],
    code: [
      ...programs.functions.map((f) => codeSpec(f.stub, "function", f.sourceDir)),
      ...programs.vms.map((v) => codeSpec(v.stub, "vm", v.sourceDir)),
    ],
    brokerFiles,
    iam: [
      ...READERS.map((role) =>
        grant(
          accountMember(n, role),
          "roles/storage.objectViewer",
          on.bucket(bucket),
          "reads bundles, startup scripts and schema maps",
        ),
      ),
      grant(
        accountMember(n, "cons"),
        "roles/storage.objectCreator",
        on.bucket(bucket),
        `stores oversized Kafka messages under ${OBJECT_PREFIX.rejectedConsumer}`,
        objectPrefixCondition("rejected-consumer-only", bucket, OBJECT_PREFIX.rejectedConsumer),
      ),
    ],
  };
}
