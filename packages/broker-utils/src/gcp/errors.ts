/**
 * Classification of Google API failures. A transient failure (quota, overload, server error, lost
 * connection) is retried by Pub/Sub redelivery and logged as WARNING; anything else is a permanent
 * failure of that input and, after the subscription's delivery attempts, ends in its dead-letter topic.
 */

/** gRPC status codes that mean "try again later". */
const TRANSIENT_GRPC = new Set([
  4, // DEADLINE_EXCEEDED
  8, // RESOURCE_EXHAUSTED
  10, // ABORTED
  13, // INTERNAL
  14, // UNAVAILABLE
]);

const TRANSIENT_NET = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

function numericCode(err: Record<string, unknown>): number | undefined {
  for (const key of ["status", "code", "statusCode"]) {
    const v = err[key];
    if (typeof v === "number") return v;
    if (typeof v === "string" && /^\d+$/.test(v)) return Number(v);
  }
  return undefined;
}

/** HTTP status of a Google API error (storage/bigquery REST clients), if any. */
export function httpStatus(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as Record<string, unknown>;
  const code = numericCode(e);
  if (code !== undefined && code >= 100) return code;
  const response = e["response"] as Record<string, unknown> | undefined;
  const rs = response?.["status"];
  return typeof rs === "number" ? rs : undefined;
}

export function isTransientError(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as Record<string, unknown>;
  const status = httpStatus(err);
  if (status !== undefined) return status === 408 || status === 429 || status >= 500;
  const code = numericCode(e);
  if (code !== undefined && TRANSIENT_GRPC.has(code)) return true;
  const sysCode = e["code"];
  if (typeof sysCode === "string" && TRANSIENT_NET.has(sysCode)) return true;
  const cause = e["cause"];
  return cause !== undefined && cause !== err ? isTransientError(cause) : false;
}
