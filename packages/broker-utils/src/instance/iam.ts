/**
 * The vocabulary of an instance's IAM (docs/spec/broker.md §2 "IAM"): additive member grants only,
 * because instances share projects. Each component planner grants its runtime accounts what they
 * write or read, through a custom role where every predefined role is broader, and Google's service
 * agents what `gsutil`/`gcloud` granted silently in the reference broker.
 */
import { CUSTOM_ROLE, type CustomRoleStub, type ServiceAccountRole } from "../naming/catalogue.js";
import type { InstanceNamer, ServiceAgents } from "../naming/names.js";
import type { ComponentId, CustomRoleSpec, IamGrant, IamMember, IamTarget } from "./types.js";

/** What each custom role allows, and the predefined role it replaces. */
const CUSTOM_ROLES: Readonly<
  Record<CustomRoleStub, { title: string; description: string; permissions: string[] }>
> = {
  [CUSTOM_ROLE.vmOperator]: {
    title: "VM operator",
    description: "Read a VM, set its metadata, start and stop it (instanceAdmin.v1 also deletes)",
    permissions: [
      "compute.instances.get",
      "compute.instances.setMetadata",
      "compute.instances.start",
      "compute.instances.stop",
    ],
  },
  [CUSTOM_ROLE.vmReader]: {
    title: "VM reader",
    description: "Read a VM's state and metadata",
    permissions: ["compute.instances.get"],
  },
  [CUSTOM_ROLE.rowWriter]: {
    title: "Row writer",
    description: "Stream rows into a table (dataEditor also deletes and alters tables)",
    permissions: ["bigquery.tables.get", "bigquery.tables.getData", "bigquery.tables.updateData"],
  },
};

export function instanceCustomRoles(n: InstanceNamer, stack: string): CustomRoleSpec[] {
  return Object.values(CUSTOM_ROLE).map((stub) => ({
    stub,
    roleId: n.customRole(stub),
    name: n.customRoleName(stub),
    title: `${stack} ${CUSTOM_ROLES[stub].title}`,
    description: `Broker ${stack}: ${CUSTOM_ROLES[stub].description}`,
    permissions: [...CUSTOM_ROLES[stub].permissions],
    component: "instance",
  }));
}

/** A service account of the instance as a grant's member. */
export function accountMember(n: InstanceNamer, role: ServiceAccountRole): IamMember {
  return { kind: "serviceAccount", role, email: n.serviceAccountEmail(role) };
}

/** One of Google's service agents as a grant's member. */
export function agentMember(agents: ServiceAgents, agent: keyof ServiceAgents): IamMember {
  return { kind: "serviceAgent", agent, email: agents[agent] };
}

/** Grant targets by kind. */
export const on = {
  project: (project: string): IamTarget => ({ kind: "project", project }),
  topic: (name: string): IamTarget => ({ kind: "topic", name }),
  subscription: (name: string): IamTarget => ({ kind: "subscription", name }),
  bucket: (name: string): IamTarget => ({ kind: "bucket", name }),
  table: (dataset: string, name: string): IamTarget => ({ kind: "table", dataset, name }),
  account: (role: ServiceAccountRole): IamTarget => ({ kind: "serviceAccount", role }),
  secret: (name: string): IamTarget => ({ kind: "secret", name }),
  vm: (name: string, zone: string): IamTarget => ({ kind: "vm", name, zone }),
  function: (name: string, region: string): IamTarget => ({ kind: "function", name, region }),
};

/** Makes the grants of one component. */
export function granter(component: ComponentId) {
  return (
    member: IamMember,
    role: string,
    target: IamTarget,
    reason: string,
    condition?: IamGrant["condition"],
  ): IamGrant => ({ member, role, target, component, reason, ...(condition ? { condition } : {}) });
}

/** A condition limiting an object grant on `bucket` to the objects under `prefix`. */
export function objectPrefixCondition(
  title: string,
  bucket: string,
  prefix: string,
): NonNullable<IamGrant["condition"]> {
  return {
    title,
    expression: `resource.name.startsWith("projects/_/buckets/${bucket}/objects/${prefix}")`,
  };
}
