import type { ServiceAccountRole } from "../../naming/catalogue.js";
import type { ComponentId, ServiceAccountSpec } from "../types.js";
import type { PlanContext } from "./context.js";

/** A runtime service account of the instance, described for the console. */
export function serviceAccount(
  ctx: PlanContext,
  role: ServiceAccountRole,
  component: ComponentId,
  description: string,
): ServiceAccountSpec {
  const { n, stack } = ctx;
  return {
    role,
    accountId: n.serviceAccount(role),
    email: n.serviceAccountEmail(role),
    displayName: `${stack} ${role}`,
    description: `Broker ${stack}: ${description}`,
    component,
  };
}
