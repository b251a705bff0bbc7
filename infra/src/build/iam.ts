import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import type { IamGrant, IamMember } from "@pgb/broker-utils/instance";
import type { BuildContext } from "./context.js";

/**
 * The Cloud Storage service agent's member. Google creates the agent on first use, so on a new
 * project its derived address does not exist yet and a grant to it fails; the lookup creates it.
 */
function storageAgentMember(c: BuildContext): pulumi.Output<string> {
  const o = c.opts();
  c.resolve.storageAgent ??= gcp.storage.getProjectServiceAccountOutput(
    { project: c.project },
    { parent: o.parent, dependsOn: o.dependsOn },
  ).member;
  return c.resolve.storageAgent;
}

function memberOf(m: IamMember, c: BuildContext): pulumi.Input<string> {
  switch (m.kind) {
    case "serviceAccount":
      return c.resolve.accounts.get(m.role).member;
    case "serviceAgent":
      return `serviceAccount:${m.email}`;
    case "storageAgent":
      return storageAgentMember(c);
  }
}

function memberLabel(m: IamMember): string {
  switch (m.kind) {
    case "serviceAccount":
      return m.role;
    case "serviceAgent":
      return `${m.agent}-agent`;
    case "storageAgent":
      return "storage-agent";
  }
}

/** `cons-pubsub.publisher-on-ztf-alerts`: a role `roles/x.y` → `x.y`, `projects/P/roles/ID` → `ID`. */
function grantName(g: IamGrant): string {
  const t = g.target;
  const on = t.kind === "serviceAccount" ? t.role : t.kind === "project" ? "project" : t.name;
  return `${memberLabel(g.member)}-${g.role.split("/").pop() ?? g.role}-on-${on}`;
}

/** The IAM member resource of one grant, on its target's kind. */
export function buildGrant(g: IamGrant, c: BuildContext): pulumi.CustomResource {
  const { project, resolve } = c;
  const member = memberOf(g.member, c);
  const { role, target: t } = g;
  const name = grantName(g);
  const customRole = resolve.customRoles.find(role);
  const o = c.opts(customRole === undefined ? {} : { dependsOn: [customRole] });
  const condition = g.condition === undefined ? {} : { condition: g.condition };
  switch (t.kind) {
    case "project":
      return new gcp.projects.IAMMember(
        name,
        { project: t.project, role, member, ...condition },
        o,
      );
    case "topic":
      return new gcp.pubsub.TopicIAMMember(
        name,
        { project, topic: resolve.topics.get(t.name).name, role, member },
        o,
      );
    case "subscription":
      return new gcp.pubsub.SubscriptionIAMMember(
        name,
        { project, subscription: resolve.subscriptions.get(t.name).name, role, member },
        o,
      );
    case "bucket":
      return new gcp.storage.BucketIAMMember(
        name,
        { bucket: resolve.buckets.get(t.name).name, role, member, ...condition },
        o,
      );
    case "table": {
      const table = resolve.tables.get(t.name);
      return new gcp.bigquery.IamMember(
        name,
        { project, datasetId: table.datasetId, tableId: table.tableId, role, member },
        o,
      );
    }
    case "serviceAccount":
      return new gcp.serviceaccount.IAMMember(
        name,
        { serviceAccountId: resolve.accounts.get(t.role).name, role, member },
        o,
      );
    case "secret":
      return new gcp.secretmanager.SecretIamMember(
        name,
        { project, secretId: resolve.secrets.get(t.name).secretId, role, member },
        o,
      );
    case "vm":
      return new gcp.compute.InstanceIAMMember(
        name,
        { project, zone: t.zone, instanceName: resolve.vms.get(t.name).name, role, member },
        o,
      );
    case "function":
      // A gen2 function is served by the Cloud Run service of the same name: invoking it is
      // run.invoker on that service.
      return new gcp.cloudrunv2.ServiceIamMember(
        name,
        { project, location: t.region, name: resolve.functions.get(t.name).name, role, member },
        o,
      );
  }
}
