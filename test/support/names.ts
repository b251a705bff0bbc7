/**
 * Unique resource names for tests that share one set of local servers (test files run in
 * parallel, and a server may be reused across runs). One spelling is valid everywhere a test names
 * something: Pub/Sub topics and subscriptions, Cloud Storage buckets, BigQuery datasets and
 * tables, Kafka topics. That is lowercase letters, digits and underscores, starting with a letter,
 * at most 63 characters (the bucket limit).
 */
import { randomBytes } from "node:crypto";

const MAX_LENGTH = 63;

/** `uniqueName("alerts")` → `alerts_m3x9k2a1_4f9c2e`: the prefix, a time stamp, random hex. */
export function uniqueName(prefix: string): string {
  let base = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!/^[a-z]/.test(base)) base = `t${base}`;
  const suffix = `_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  return `${base.slice(0, MAX_LENGTH - suffix.length)}${suffix}`;
}
