/**
 * The Pulumi program as a function of its replaceable parts, the code packager, the VMs' Node.js
 * runtime and the alert-table schema provider: `index.ts` passes the real ones, the mocks tests
 * fakes.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
  instanceModel,
  type InstanceModel,
  type ProgramId,
  type TableSchemaProvider,
  modelBucket,
  modelVm,
} from "@pgb/broker-utils/instance";
import { BUCKET, codeObject } from "@pgb/broker-utils/naming";
import { isSurvey } from "@pgb/broker-utils/schema-maps";
import { BrokerInstance, type BrokerFile, type BrokerOutputs } from "./broker.js";
import { readStackConfig } from "./config.js";
import type { NodeRuntimeProvider } from "./node-runtime.js";
import type { Bundle, Packager } from "./packaging.js";
import { startupScript } from "./startup-script.js";

export interface ProgramDeps {
  packager: Packager;
  nodeRuntime: NodeRuntimeProvider;
  tableSchemas: TableSchemaProvider;
  /** Applied to every resource of the instance (tests observe resource options with them). */
  transformations?: pulumi.ResourceTransformation[];
}

export interface ProgramResult {
  model: InstanceModel;
  outputs: BrokerOutputs;
}

/** `gs://` URL of an object in `broker_files`. */
function brokerFileUrl(model: InstanceModel, object: string): string {
  return `gs://${modelBucket(model, BUCKET.brokerFiles).name}/${object}`;
}

/** `gs://` URL of a program's code archive in `broker_files`. */
function bundleUrl(model: InstanceModel, program: ProgramId, bundle: Bundle): string {
  const code = model.code.find((c) => c.program === program);
  if (code === undefined) throw new Error(`instance model has no code entry for ${program}`);
  return brokerFileUrl(model, codeObject(code.objectPrefix, bundle.hash));
}

async function brokerFiles(
  model: InstanceModel,
  deps: ProgramDeps,
  bundles: ReadonlyMap<ProgramId, Bundle>,
): Promise<Map<string, BrokerFile>> {
  const { packager } = deps;
  const files = new Map<string, BrokerFile>();
  for (const f of model.brokerFiles) {
    const source = f.source;
    if (source.kind === "nodeRuntime") {
      const runtime = await deps.nodeRuntime(source.version);
      files.set(f.object, { path: runtime.path, contentType: "application/x-xz" });
    } else if (source.kind === "schemaMap") {
      if (!isSurvey(source.survey)) throw new Error(`no schema map for survey ${source.survey}`);
      files.set(f.object, {
        content: await packager.schemaMap(source.survey),
        contentType: "application/yaml",
      });
    } else {
      const vm = modelVm(model, source.vm);
      const bundle = bundles.get(source.vm);
      if (bundle === undefined) {
        throw new Error(`startup script for unknown VM ${source.vm}`);
      }
      const runtime = await deps.nodeRuntime(vm.nodeVersion);
      files.set(f.object, {
        content: startupScript(vm, bundleUrl(model, vm.stub, bundle), {
          url: brokerFileUrl(model, vm.nodeRuntimeObject),
          sha256: runtime.sha256,
        }),
        contentType: "text/x-shellscript",
      });
    }
  }
  return files;
}

export async function brokerProgram(deps: ProgramDeps): Promise<ProgramResult> {
  const config = readStackConfig();
  const model = instanceModel({ ...config.input, tableSchemas: deps.tableSchemas });
  const bundles = new Map<ProgramId, Bundle>();
  for (const code of model.code) bundles.set(code.program, await deps.packager.bundle(code));
  const broker = new BrokerInstance(
    model.stack,
    {
      model,
      bundles,
      files: await brokerFiles(model, deps, bundles),
      kafkaCredentials: config.kafkaCredentials,
      buildServiceAccount: config.buildServiceAccount,
    },
    deps.transformations === undefined ? {} : { transformations: deps.transformations },
  );
  return { model, outputs: broker.outputs };
}
