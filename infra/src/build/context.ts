/**
 * What the builders of one component share with the others: the model-wide settings, the options
 * of the component's children, and the resolver through which a resource finds the ones it refers
 * to by final name, whichever component built them.
 */
import type * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import type { InstanceModel, ProgramId } from "@pgb/broker-utils/instance";
import type { ServiceAccountRole } from "@pgb/broker-utils/naming";
import type { BrokerFile } from "../broker-file.js";
import type { Bundle } from "../packaging.js";

export type { BrokerFile } from "../broker-file.js";

/** A name → resource registry that fails loudly on a reference the model does not define. */
export class Registry<K, V> {
  private readonly items = new Map<K, V>();
  constructor(private readonly what: string) {}
  set(key: K, value: V): V {
    this.items.set(key, value);
    return value;
  }
  get(key: K): V {
    const value = this.items.get(key);
    if (value === undefined) {
      throw new Error(`instance model refers to unknown ${this.what} ${String(key)}`);
    }
    return value;
  }
  find(key: K): V | undefined {
    return this.items.get(key);
  }
}

/** Every resource the components built, by final name, for the ones that refer to them. */
export class Resolver {
  readonly accounts = new Registry<ServiceAccountRole, gcp.serviceaccount.Account>(
    "service account",
  );
  readonly customRoles = new Registry<string, gcp.projects.IAMCustomRole>("custom role");
  readonly topics = new Registry<string, gcp.pubsub.Topic>("topic");
  readonly subscriptions = new Registry<string, gcp.pubsub.Subscription>("subscription");
  readonly buckets = new Registry<string, gcp.storage.Bucket>("bucket");
  readonly datasets = new Registry<string, gcp.bigquery.Dataset>("dataset");
  readonly tables = new Registry<string, gcp.bigquery.Table>("table");
  readonly secrets = new Registry<string, gcp.secretmanager.Secret>("secret");
  readonly code = new Registry<ProgramId, gcp.storage.BucketObject>("code bundle");
  readonly functions = new Registry<string, gcp.cloudfunctionsv2.Function>("function");
  readonly vms = new Registry<string, gcp.compute.Instance>("VM");
  readonly logMetrics: gcp.logging.Metric[] = [];
  /** The Cloud Storage agent's member, looked up once. */
  storageAgent: pulumi.Output<string> | undefined;
}

/** What the program passes to the components besides the model. */
export interface DeployInputs {
  /** The packaged code of every program of `model.code`. */
  bundles: ReadonlyMap<ProgramId, Bundle>;
  /** Content of every object of `model.brokerFiles`, by object name. */
  files: ReadonlyMap<string, BrokerFile>;
  kafkaCredentials?: pulumi.Input<string> | undefined;
  buildServiceAccount?: string | undefined;
}

export interface BuildContext {
  model: InstanceModel;
  project: string;
  labels: Record<string, string>;
  deploy: DeployInputs;
  resolve: Resolver;
  /** Options of a child of the component being built (it depends on the enabled APIs). */
  opts: (extra?: pulumi.CustomResourceOptions) => pulumi.CustomResourceOptions;
}

export const seconds = (s: number) => `${s}s`;
export const protection = (protect: boolean) => ({ protect, retainOnDelete: protect });
