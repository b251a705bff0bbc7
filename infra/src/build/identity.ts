import * as gcp from "@pulumi/gcp";
import type { CustomRoleSpec, ServiceAccountSpec } from "@pgb/broker-utils/instance";
import type { BuildContext } from "./context.js";

export function buildServiceAccounts(
  accounts: readonly ServiceAccountSpec[],
  c: BuildContext,
): void {
  for (const a of accounts) {
    c.resolve.accounts.set(
      a.role,
      new gcp.serviceaccount.Account(
        a.accountId,
        {
          project: c.project,
          accountId: a.accountId,
          displayName: a.displayName,
          description: a.description,
        },
        c.opts(),
      ),
    );
  }
}

/** The instance's custom roles, by the name grants use (`projects/P/roles/ID`). */
export function buildCustomRoles(roles: readonly CustomRoleSpec[], c: BuildContext): void {
  for (const r of roles) {
    c.resolve.customRoles.set(
      r.name,
      new gcp.projects.IAMCustomRole(
        r.roleId,
        {
          project: c.project,
          roleId: r.roleId,
          title: r.title,
          description: r.description,
          permissions: r.permissions,
          stage: "GA",
        },
        c.opts(),
      ),
    );
  }
}
