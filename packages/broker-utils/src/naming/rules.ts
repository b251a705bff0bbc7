/**
 * GCP's naming rules, one per kind of resource the broker names (docs/spec/broker.md §1). Validation runs
 * when a name is derived, i.e. at program time, before anything is created: under Pulumi mocks and
 * in `pulumi preview` this is the only guard against names GCP would reject.
 */
import { NamingError } from "./errors.js";

export type NameKind =
  | "topic"
  | "subscription"
  | "deadLetterTopic"
  | "bucket"
  | "dataset"
  | "table"
  | "vm"
  | "function"
  | "schedulerJob"
  | "serviceAccount"
  | "customRole"
  | "secret"
  | "alertPolicy"
  | "dashboard"
  | "logMetric";

export interface NameRule {
  /** Human name of the kind, for messages. */
  label: string;
  min: number;
  max: number;
  pattern: RegExp;
  /** The rule as written in GCP's documentation, quoted in messages. */
  text: string;
  /** Joins the testid: `-` everywhere but BigQuery datasets, which only allow `_`. */
  separator: "-" | "_";
  /** Extra checks (reserved words); returns the violated rule or undefined. */
  reserved?: (name: string) => string | undefined;
}

const notGoogPrefix = (name: string): string | undefined =>
  name.startsWith("goog") ? `must not start with "goog"` : undefined;

const pubsub = (label: string): NameRule => ({
  label,
  min: 3,
  max: 255,
  pattern: /^[A-Za-z][A-Za-z0-9._~+%-]*$/,
  text: `3–255 characters, a letter first, then letters, digits and . _ ~ + % -; not "goog…"`,
  separator: "-",
  reserved: notGoogPrefix,
});

export const NAME_RULES: Readonly<Record<NameKind, NameRule>> = {
  topic: pubsub("Pub/Sub topic"),
  subscription: pubsub("Pub/Sub subscription"),
  deadLetterTopic: pubsub("dead-letter topic"),
  bucket: {
    label: "bucket",
    min: 3,
    max: 63,
    pattern: /^[a-z0-9][a-z0-9_.-]*[a-z0-9]$/,
    text: `3–63 characters of a-z 0-9 _ . -, alphanumeric at both ends, no "google", not "goog…"`,
    separator: "-",
    reserved: (name) =>
      name.includes("google") ? `must not contain "google"` : notGoogPrefix(name),
  },
  dataset: {
    label: "BigQuery dataset",
    min: 1,
    max: 1024,
    pattern: /^[A-Za-z0-9_]+$/,
    text: "1–1024 letters, digits and _",
    separator: "_",
  },
  table: {
    label: "BigQuery table",
    min: 1,
    max: 1024,
    pattern: /^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]+$/u,
    text: "1–1024 letters, marks, digits, _, - and spaces",
    separator: "-",
  },
  vm: {
    label: "VM",
    min: 1,
    max: 63,
    pattern: /^[a-z]([-a-z0-9]*[a-z0-9])?$/,
    text: "1–63 characters matching ^[a-z]([-a-z0-9]*[a-z0-9])?$",
    separator: "-",
  },
  function: {
    label: "Cloud Function (gen2)",
    min: 4,
    // GCP accepts 63, but the function's Cloud Run service must be named in fewer than 50.
    max: 49,
    pattern: /^[a-z]([a-z0-9-]*[a-z0-9])?$/,
    text: "4–49 characters of a-z 0-9 -, a letter first (GCP allows 63; its Cloud Run service < 50)",
    separator: "-",
  },
  schedulerJob: {
    label: "Cloud Scheduler job",
    min: 1,
    max: 500,
    pattern: /^[A-Za-z0-9_-]+$/,
    text: "1–500 characters of A-Z a-z 0-9 _ -",
    separator: "-",
  },
  serviceAccount: {
    label: "service account id",
    min: 6,
    max: 30,
    pattern: /^[a-z]([-a-z0-9]*[a-z0-9])$/,
    text: "6–30 characters matching ^[a-z]([-a-z0-9]*[a-z0-9])$",
    separator: "-",
  },
  customRole: {
    label: "custom IAM role id",
    min: 3,
    max: 64,
    pattern: /^[A-Za-z0-9_.]+$/,
    text: "3–64 characters of A-Z a-z 0-9 _ .",
    separator: "_",
  },
  secret: {
    label: "secret",
    min: 1,
    max: 255,
    pattern: /^[A-Za-z0-9_-]+$/,
    text: "1–255 characters of A-Z a-z 0-9 _ -",
    separator: "-",
  },
  alertPolicy: {
    label: "alert policy display name",
    min: 1,
    max: 512,
    pattern: /^[^\p{Cc}]+$/u,
    text: "1–512 characters without control characters",
    separator: "-",
  },
  dashboard: {
    label: "dashboard display name",
    min: 1,
    max: 512,
    pattern: /^[^\p{Cc}]+$/u,
    text: "1–512 characters without control characters",
    separator: "-",
  },
  logMetric: {
    label: "log-based metric",
    min: 1,
    max: 100,
    pattern: /^[A-Za-z0-9_.,+!*'()%\\-]+$/,
    text: "1–100 characters of letters, digits and _ - . , + ! * ' ( ) %",
    separator: "-",
  },
};

/**
 * The longest testid with which `name` would fit its length limit: `limit − (len(name) − len(T))`,
 * or in production (no testid in the name) `limit − len(name) − 1` for the separator.
 */
export function maxTestidFor(kind: NameKind, name: string, testid: string | null): number {
  const { max } = NAME_RULES[kind];
  return testid === null ? max - name.length - 1 : max - (name.length - testid.length);
}

/** Throws a NamingError naming kind, stub, full name and rule if `name` breaks its kind's rule. */
export function checkName(kind: NameKind, stub: string, name: string, testid: string | null): void {
  const rule = NAME_RULES[kind];
  const what = `${rule.label} name "${name}" (stub "${stub}")`;
  if (name.length > rule.max) {
    const maxT = maxTestidFor(kind, name, testid);
    const fix =
      maxT < 1
        ? "survey or project too long: no testid fits"
        : `the longest testid that fits is ${maxT} characters`;
    throw new NamingError(
      `${what} is ${name.length} characters, over the limit of ${rule.max} (${rule.text}); ${fix}`,
    );
  }
  if (name.length < rule.min) {
    throw new NamingError(
      `${what} is ${name.length} characters, under the minimum of ${rule.min} (${rule.text})`,
    );
  }
  if (!rule.pattern.test(name)) {
    throw new NamingError(`${what} breaks the rule: ${rule.text}`);
  }
  const reserved = rule.reserved?.(name);
  if (reserved !== undefined) {
    throw new NamingError(`${what} breaks the rule: ${reserved} (${rule.text})`);
  }
}
