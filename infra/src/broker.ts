/**
 * The BrokerInstance component: one broker instance, made of one component per seed component
 * (consumer, avro storage, BigQuery storage, value-added, night conductor, broker files). The
 * instance's APIs and the push-subscription identity sit directly under it. All resources come
 * from the instance model through the ModelTranslator.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { ComponentId, InstanceModel, ProgramId } from "@pgb/broker-utils/instance";
import type { Bundle } from "./packaging.js";
import { ModelTranslator, type BrokerFile, type BrokerOutputs } from "./translate.js";

export type { BrokerFile, BrokerOutputs } from "./translate.js";

/** Pulumi type tokens of the seed's components. */
export const COMPONENT_TYPES: Readonly<Record<Exclude<ComponentId, "instance">, string>> = {
  consumer: "pgb:broker:Consumer",
  avroStorage: "pgb:broker:AvroStorage",
  bigQueryStorage: "pgb:broker:BigQueryStorage",
  valueAdded: "pgb:broker:ValueAdded",
  nightConductor: "pgb:broker:NightConductor",
  brokerFiles: "pgb:broker:BrokerFiles",
};
export const BROKER_INSTANCE_TYPE = "pgb:broker:BrokerInstance";

/** One of the seed's components; a grouping node in the resource tree. */
class SeedComponent extends pulumi.ComponentResource {
  constructor(type: string, name: string, opts: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    this.registerOutputs({});
  }
}

export interface BrokerInstanceArgs {
  model: InstanceModel;
  /** The packaged code of every program of `model.code`. */
  bundles: ReadonlyMap<ProgramId, Bundle>;
  /** Content of every object of `model.brokerFiles`, by object name. */
  files: ReadonlyMap<string, BrokerFile>;
  kafkaCredentials?: pulumi.Input<string> | undefined;
  buildServiceAccount?: string | undefined;
}

export class BrokerInstance extends pulumi.ComponentResource {
  readonly outputs: BrokerOutputs;

  constructor(name: string, args: BrokerInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super(BROKER_INSTANCE_TYPE, name, {}, opts);
    const m = args.model;

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
    const components = new Map<ComponentId, pulumi.ComponentResource>([["instance", this]]);
    for (const [id, type] of Object.entries(COMPONENT_TYPES)) {
      components.set(id as ComponentId, new SeedComponent(type, `${name}-${id}`, { parent: this }));
    }

    const parent = (component: ComponentId): pulumi.ComponentResource => {
      const c = components.get(component);
      if (c === undefined) throw new Error(`instance model names unknown component ${component}`);
      return c;
    };
    const t = new ModelTranslator(m, (component, extra = {}) => ({
      ...extra,
      parent: parent(component),
      dependsOn: [...apis, ...((extra.dependsOn as pulumi.Resource[] | undefined) ?? [])],
    }));
    t.serviceAccounts();
    t.customRoles();
    t.pubsubTopics();
    t.storageBuckets();
    t.bigQuery();
    t.secretManager(args.kafkaCredentials);
    t.brokerFileObjects(args.bundles, args.files);
    t.cloudFunctions(args.buildServiceAccount);
    t.subscriptions();
    t.computeInstances();
    t.iam();
    t.notifications();
    t.schedulerJobs();
    t.alertPolicies();
    t.logMetrics();
    t.dashboards();

    this.outputs = t.outputs();
    this.registerOutputs({ ...this.outputs });
  }
}
