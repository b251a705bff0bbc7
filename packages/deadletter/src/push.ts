/**
 * Delivery of replayed dead letters to one function over HTTP, as Pub/Sub push does: a POST of the
 * push envelope. A local function process (loopback http) takes it as is; a deployed function
 * (https) requires an OIDC ID token whose audience is the function's URL, from a caller allowed
 * to invoke it (the instance's `push` service account, e.g. through impersonation).
 */
import type { Deliver } from "./reservoir.js";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

export function isLoopbackUrl(url: string): boolean {
  return LOOPBACK.has(new URL(url).hostname);
}

export class ReplayTargetError extends Error {
  override name = "ReplayTargetError";
}

/** Throws unless `url` is https, or http on this machine (a local function process). */
export function checkReplayUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ReplayTargetError(`--url ${url} is not a URL`);
  }
  if (parsed.protocol === "https:") return;
  if (parsed.protocol === "http:" && isLoopbackUrl(url)) return;
  throw new ReplayTargetError(
    `--url ${url}: dead letters are sent only over https, or over http to a local function ` +
      "process on 127.0.0.1",
  );
}

export interface HttpDeliverOptions {
  /** Headers of each request, e.g. `Authorization: Bearer <ID token>` (refreshed by the caller). */
  headers?: () => Promise<Headers | Record<string, string>>;
  /** Per request (default 90 s: a storage function's 60 s timeout and some margin). */
  timeoutMs?: number;
}

export function httpDeliver(url: string, options: HttpDeliverOptions = {}): Deliver {
  checkReplayUrl(url);
  return async (envelope) => {
    const headers = new Headers(options.headers ? await options.headers() : {});
    headers.set("content-type", "application/json");
    const response = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify(envelope),
      signal: AbortSignal.timeout(options.timeoutMs ?? 90_000),
    });
    // the body is not needed, but must be read for the connection to be reused
    await response.arrayBuffer();
    return response.status;
  };
}
