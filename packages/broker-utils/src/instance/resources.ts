import { DATASET } from "../naming/catalogue.js";
import type { NameKind } from "../naming/rules.js";
import type { ComponentId, InstanceModel } from "./types.js";

/** One named resource of the model, as `pgb names` prints it. */
export interface ModelResource {
  kind: NameKind | "view" | "notification";
  stub: string;
  name: string;
  component: ComponentId;
}

/**
 * Every named resource of the model, in the order of docs/spec/broker.md §2: one entry per kind, a
 * flat list that reads as the table `pgb names` prints (hence its length).
 */
export function listResources(model: InstanceModel): ModelResource[] {
  return [
    ...model.topics.map((t) => ({
      kind: t.deadLetterOf === undefined ? ("topic" as const) : ("deadLetterTopic" as const),
      stub: t.stub,
      name: t.name,
      component: t.component,
    })),
    ...model.subscriptions.map((s) => ({
      kind: "subscription" as const,
      stub: s.stub,
      name: s.name,
      component: s.component,
    })),
    ...model.buckets.map((b) => ({
      kind: "bucket" as const,
      stub: b.stub,
      name: b.name,
      component: b.component,
    })),
    ...model.notifications.map((x) => ({
      kind: "notification" as const,
      stub: "-",
      name: `${x.bucket} → ${x.topic}`,
      component: x.component,
    })),
    {
      kind: "dataset" as const,
      stub: DATASET,
      name: model.dataset.name,
      component: model.dataset.component,
    },
    ...model.tables.map((t) => ({
      kind: "table" as const,
      stub: t.stub,
      name: t.name,
      component: t.component,
    })),
    ...model.views.map((v) => ({
      kind: "view" as const,
      stub: v.name,
      name: v.name,
      component: v.component,
    })),
    ...model.functions.map((f) => ({
      kind: "function" as const,
      stub: f.stub,
      name: f.name,
      component: f.component,
    })),
    ...model.vms.map((v) => ({
      kind: "vm" as const,
      stub: v.stub,
      name: v.name,
      component: v.component,
    })),
    ...model.schedulerJobs.map((j) => ({
      kind: "schedulerJob" as const,
      stub: j.stub,
      name: j.name,
      component: j.component,
    })),
    ...model.serviceAccounts.map((a) => ({
      kind: "serviceAccount" as const,
      stub: a.role,
      name: a.accountId,
      component: a.component,
    })),
    ...model.customRoles.map((r) => ({
      kind: "customRole" as const,
      stub: r.stub,
      name: r.roleId,
      component: r.component,
    })),
    ...model.secrets.map((s) => ({
      kind: "secret" as const,
      stub: s.stub,
      name: s.name,
      component: s.component,
    })),
    ...model.alertPolicies.map((p) => ({
      kind: "alertPolicy" as const,
      stub: p.stub,
      name: p.displayName,
      component: p.component,
    })),
    ...model.logMetrics.map((m) => ({
      kind: "logMetric" as const,
      stub: m.stub,
      name: m.name,
      component: m.component,
    })),
    ...model.dashboards.map((d) => ({
      kind: "dashboard" as const,
      stub: d.stub,
      name: d.displayName,
      component: d.component,
    })),
  ];
}
