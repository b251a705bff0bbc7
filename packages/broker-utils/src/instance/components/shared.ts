/**
 * What the components share, planned at the instance level: the APIs, the identity the push
 * subscriptions call the functions with, the custom roles, project-level grants, the VMs' boot
 * alert, and the dashboard over every component.
 */
import { accountMember, agentMember, granter, instanceCustomRoles, on } from "../iam.js";
import { instanceDashboard } from "../dashboard.js";
import { vmBootFailedPolicy } from "../monitoring.js";
import type { IamGrant } from "../types.js";
import { serviceAccount } from "./account.js";
import type { PlanContext } from "./context.js";
import type { ModelSlice } from "./slice.js";

/** APIs the instance uses. serviceusage and cloudresourcemanager must be enabled by hand first. */
export const APIS = [
  "artifactregistry.googleapis.com",
  "bigquery.googleapis.com",
  "bigquerystorage.googleapis.com",
  "cloudbuild.googleapis.com",
  "cloudfunctions.googleapis.com",
  "cloudscheduler.googleapis.com",
  "compute.googleapis.com",
  "iam.googleapis.com",
  "logging.googleapis.com",
  "monitoring.googleapis.com",
  "pubsub.googleapis.com",
  "run.googleapis.com",
  "secretmanager.googleapis.com",
  "storage.googleapis.com",
] as const;

function projectGrants(ctx: PlanContext): IamGrant[] {
  const { n } = ctx;
  const grant = granter("instance");
  const project = on.project(ctx.keywords.project);
  const grants = [
    ...(["cons", "nc"] as const).map((role) =>
      grant(
        accountMember(n, role),
        "roles/logging.logWriter",
        project,
        "a VM writes its program's logs",
      ),
    ),
    grant(
      accountMember(n, "nc"),
      "roles/monitoring.viewer",
      project,
      "reads the processing subscriptions' backlog",
    ),
  ];
  if (ctx.serviceAgents === null) return grants;
  return [
    ...grants,
    grant(
      agentMember(ctx.serviceAgents, "pubsub"),
      "roles/iam.serviceAccountTokenCreator",
      on.account("push"),
      "mints the push subscriptions' OIDC tokens",
    ),
  ];
}

export function planShared(ctx: PlanContext): ModelSlice {
  const { n, stack } = ctx;
  return {
    serviceAccounts: [
      serviceAccount(ctx, "push", "instance", "OIDC identity of the push subscriptions"),
    ],
    customRoles: instanceCustomRoles(n, stack),
    iam: projectGrants(ctx),
    alertPolicies: [vmBootFailedPolicy(n, stack, ctx.input.notificationChannels ?? [])],
    dashboards: [instanceDashboard(n)],
  };
}
