/**
 * One component of a broker instance as a Pulumi ComponentResource that builds only its slice of
 * the instance model (`componentSlice`), in two steps: its resources when constructed, and, once
 * every component has built its resources, its wiring (`connect`: IAM grants, whose members and
 * targets may belong to other components, then what needs a grant first).
 */
import * as pulumi from "@pulumi/pulumi";
import type { ModelSlice } from "@pgb/broker-utils/instance";
import { buildDataset, buildTables, buildViews } from "./build/bigquery.js";
import { buildVms } from "./build/compute.js";
import type { BuildContext } from "./build/context.js";
import { buildFunctions } from "./build/functions.js";
import { buildGrant } from "./build/iam.js";
import { buildCustomRoles, buildServiceAccounts } from "./build/identity.js";
import { buildAlertPolicies, buildDashboards, buildLogMetrics } from "./build/monitoring.js";
import { buildSubscriptions, buildTopics } from "./build/pubsub.js";
import { buildSchedulerJobs } from "./build/scheduler.js";
import { buildSecrets } from "./build/secrets.js";
import {
  buildBrokerFiles,
  buildBuckets,
  buildCodeObjects,
  buildNotifications,
} from "./build/storage.js";

/** A slice's own resources, each after those it refers to within the slice. */
export function buildSlice(s: ModelSlice, c: BuildContext): void {
  buildServiceAccounts(s.serviceAccounts ?? [], c);
  buildCustomRoles(s.customRoles ?? [], c);
  buildTopics(s.topics ?? [], c);
  buildBuckets(s.buckets ?? [], c);
  if (s.dataset !== undefined) buildDataset(s.dataset, c);
  buildTables(s.tables ?? [], c);
  buildViews(s.views ?? [], c);
  buildSecrets(s.secrets ?? [], c);
  buildCodeObjects(s.code ?? [], c);
  buildBrokerFiles(s.brokerFiles ?? [], c);
  buildFunctions(s.functions ?? [], c);
  buildSubscriptions(s.subscriptions ?? [], c);
  buildVms(s.vms ?? [], c);
  buildSchedulerJobs(s.schedulerJobs ?? [], c);
  buildLogMetrics(s.logMetrics ?? [], c);
  buildAlertPolicies(s.alertPolicies ?? [], c);
}

/**
 * A slice's grants, then its bucket notifications (each after the Cloud Storage agent's grant on
 * its topic) and dashboards (after every component's log-based metrics).
 */
export function connectSlice(s: ModelSlice, c: BuildContext): void {
  const grants = (s.iam ?? []).map((grant) => ({ grant, resource: buildGrant(grant, c) }));
  const storageAgentGrants = (topic: string) =>
    grants
      .filter(
        ({ grant: g }) =>
          g.member.kind === "storageAgent" && g.target.kind === "topic" && g.target.name === topic,
      )
      .map((g) => g.resource);
  buildNotifications(s.notifications ?? [], storageAgentGrants, c);
  buildDashboards(s.dashboards ?? [], c);
}

export class BrokerComponent extends pulumi.ComponentResource {
  private readonly context: BuildContext;

  constructor(
    type: string,
    name: string,
    private readonly slice: ModelSlice,
    context: Omit<BuildContext, "opts">,
    dependsOn: pulumi.Resource[],
    opts: pulumi.ComponentResourceOptions,
  ) {
    super(type, name, {}, opts);
    this.context = {
      ...context,
      opts: (extra = {}) => ({
        ...extra,
        parent: this,
        dependsOn: [...dependsOn, ...((extra.dependsOn as pulumi.Resource[] | undefined) ?? [])],
      }),
    };
    buildSlice(slice, this.context);
  }

  connect(): void {
    connectSlice(this.slice, this.context);
    this.registerOutputs({});
  }
}
