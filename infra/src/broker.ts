/**
 * The BrokerInstance component: one broker instance, made of one component per seed component
 * (consumer, avro storage, BigQuery storage, value-added, night conductor, broker files), each
 * building its slice of the instance model. What the components share (the APIs, the
 * push-subscription identity, custom roles, monitoring) sits directly under the instance.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { componentSlice, type ComponentId, type InstanceModel } from "@pgb/broker-utils/instance";
import { Resolver, type BuildContext, type DeployInputs } from "./build/context.js";
import { serviceUri } from "./build/functions.js";
import { BrokerComponent, buildSlice, connectSlice } from "./component.js";

export type { BrokerFile } from "./build/context.js";

/**
 * Pulumi type tokens of the seed's components, in build order: each refers only to resources of
 * the instance and of the components before it (grants are made once all are built).
 */
export const COMPONENT_TYPES: Readonly<Record<Exclude<ComponentId, "instance">, string>> = {
  brokerFiles: "pgb:broker:BrokerFiles",
  consumer: "pgb:broker:Consumer",
  avroStorage: "pgb:broker:AvroStorage",
  bigQueryStorage: "pgb:broker:BigQueryStorage",
  valueAdded: "pgb:broker:ValueAdded",
  nightConductor: "pgb:broker:NightConductor",
};
export const BROKER_INSTANCE_TYPE = "pgb:broker:BrokerInstance";

export interface BrokerOutputs {
  /** Topic stub → `projects/P/topics/NAME`. */
  topics: Record<string, pulumi.Output<string>>;
  buckets: Record<string, pulumi.Output<string>>;
  datasetId: pulumi.Output<string>;
  functions: Record<string, pulumi.Output<string>>;
  functionUrls: Record<string, pulumi.Output<string>>;
  vms: Record<string, pulumi.Output<string>>;
}

export interface BrokerInstanceArgs extends DeployInputs {
  model: InstanceModel;
}

function outputsOf(m: InstanceModel, r: Resolver): BrokerOutputs {
  const byStub = <T>(
    entries: readonly { stub: string; name: string }[],
    f: (name: string) => pulumi.Output<T>,
  ) => Object.fromEntries(entries.map((e) => [e.stub, f(e.name)]));
  return {
    topics: byStub(m.topics, (n) => r.topics.get(n).id),
    buckets: byStub(m.buckets, (n) => r.buckets.get(n).name),
    datasetId: r.datasets.get(m.dataset.name).datasetId,
    functions: byStub(m.functions, (n) => r.functions.get(n).name),
    functionUrls: byStub(m.functions, (n) => serviceUri(r.functions.get(n))),
    vms: byStub(m.vms, (n) => r.vms.get(n).name),
  };
}

export class BrokerInstance extends pulumi.ComponentResource {
  readonly outputs: BrokerOutputs;

  constructor(name: string, args: BrokerInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super(BROKER_INSTANCE_TYPE, name, {}, opts);
    const { model: m, ...deploy } = args;

    // APIs first; every other resource depends on them. Never disabled on destroy: other
    // instances in the project use them.
    const apis = m.apis.map(
      (service) =>
        new gcp.projects.Service(
          service,
          { project: m.keywords.project, service, disableOnDestroy: false },
          { parent: this },
        ),
    );
    const shared = {
      model: m,
      project: m.keywords.project,
      labels: m.labels,
      deploy,
      resolve: new Resolver(),
    };
    const own: BuildContext = {
      ...shared,
      opts: (extra = {}) => ({
        ...extra,
        parent: this,
        dependsOn: [...apis, ...((extra.dependsOn as pulumi.Resource[] | undefined) ?? [])],
      }),
    };
    const instanceSlice = componentSlice(m, "instance");
    buildSlice(instanceSlice, own);
    const components = Object.entries(COMPONENT_TYPES).map(
      ([id, type]) =>
        new BrokerComponent(
          type,
          `${name}-${id}`,
          componentSlice(m, id as ComponentId),
          shared,
          apis,
          { parent: this },
        ),
    );
    connectSlice(instanceSlice, own);
    for (const c of components) c.connect();

    this.outputs = outputsOf(m, shared.resolve);
    this.registerOutputs({ ...this.outputs });
  }
}
