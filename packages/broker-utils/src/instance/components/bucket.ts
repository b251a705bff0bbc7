import type { BucketStub } from "../../naming/catalogue.js";
import type { BucketSpec, ComponentId } from "../types.js";
import type { PlanContext } from "./context.js";

/** A private bucket in the instance's data location, protected in production. */
export function dataBucket(ctx: PlanContext, stub: BucketStub, component: ComponentId): BucketSpec {
  return {
    stub,
    name: ctx.n.bucket(stub),
    component,
    location: ctx.dataLocation,
    uniformBucketLevelAccess: true,
    publicAccessPrevention: "enforced",
    protect: ctx.production,
  };
}
