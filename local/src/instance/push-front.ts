/**
 * The push front of a local instance: one process on 127.0.0.1 between the Pub/Sub emulator's push
 * subscriptions and the function processes, as Cloud Run's front end sits before a service. Each
 * processing subscription pushes to `<front>/<function stub>/projects/P/topics/T`; the front
 * forwards the request unchanged to the function's process and its answer back, and
 * - records the push activity of each subscription (`PushActivityRecorder`, local/src/compute), which
 *   the night conductor's local backlog port reads while it drains (docs/night-conductor.md);
 * - appends one line per answered push to `<deliveries>/<function stub>.jsonl` (answer time, status,
 *   the alert's ids and Kafka timestamp: from the message's attributes, or for a bucket
 *   notification from the stored object's metadata), from which the local instance measures each
 *   stage's latency and counts failed deliveries;
 * - holds a push while the function's process is not listening (restarting after a crash) for up
 *   to 15 s, as Cloud Run holds requests during a cold start, then answers 503; a push whose
 *   connection breaks mid-request (the process killed) fails with 503. Pub/Sub retries both.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import {
  Agent,
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { join } from "node:path";
import { PushActivityRecorder } from "../compute/index.js";
import { idsFromAttributes } from "@pgb/broker-utils/alerts";
import { alertAttributesOf } from "@pgb/broker-utils/gcp";

export const FRONT_HEALTH_PATH = "/__pgb/front/health";
/** How long a push waits for a function process that is not listening (a restart in progress). */
const COLD_START_MS = 15_000;

export interface FrontRoute {
  /** Function stub: the first path segment of its push endpoint. */
  stub: string;
  /** The function process, `http://127.0.0.1:PORT`. */
  target: string;
  /** The processing subscription pushing to it (the activity record's name). */
  subscription: string;
}

export interface FrontConfig {
  port: number;
  /** PGB_LOCAL_STATE_DIR: activity records go to `<stateDir>/activity/`. */
  stateDir: string;
  deliveriesDir: string;
  routes: FrontRoute[];
}

/** One answered push, as written to the delivery log. */
export interface Delivery {
  /** When the function answered (ISO time). */
  at: string;
  /** Time the function took, ms. */
  ms: number;
  /** The function's HTTP status; 503 when its process was not reachable. */
  status: number;
  messageId: string | null;
  objectId: string | null;
  sourceId: string | null;
  /** `kafka.timestamp` of the message (ms since epoch, as the consumer set it). */
  kafkaTimestamp: string | null;
  /** `kafka.topic`, `kafka.partition`, `kafka.offset`: which survey message this is, across redeliveries. */
  kafkaTopic: string | null;
  kafkaPartition: string | null;
  kafkaOffset: string | null;
}

interface PushBody {
  message?: { messageId?: unknown; attributes?: Record<string, unknown>; data?: unknown };
}

function describe(body: Buffer): Omit<Delivery, "at" | "ms" | "status"> {
  let parsed: PushBody = {};
  try {
    parsed = JSON.parse(body.toString("utf8")) as PushBody;
  } catch {
    // not a push envelope: forwarded all the same, the function answers it
  }
  const text = (v: unknown): string | null => (typeof v === "string" ? v : null);
  const own = Object.fromEntries(
    Object.entries(parsed.message?.attributes ?? {}).filter(
      (e): e is [string, string] => typeof e[1] === "string",
    ),
  );
  const data = text(parsed.message?.data);
  const attributes = alertAttributesOf(own, Buffer.from(data ?? "", "base64"));
  const ids = idsFromAttributes(attributes);
  return {
    messageId: text(parsed.message?.messageId),
    objectId: ids.objectId ?? null,
    sourceId: ids.sourceId ?? null,
    kafkaTimestamp: text(attributes["kafka.timestamp"]),
    kafkaTopic: text(attributes["kafka.topic"]),
    kafkaPartition: text(attributes["kafka.partition"]),
    kafkaOffset: text(attributes["kafka.offset"]),
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

/**
 * Starts the front's server; resolves once it listens. Long on purpose: the forwarding rules and the
 * server that applies them share the routes and the agent, and read best in one place.
 */
export async function runPushFront(config: FrontConfig): Promise<Server> {
  await mkdir(config.deliveriesDir, { recursive: true });
  // a connection per push: a killed process then fails only the pushes it was processing, and
  // later ones wait for its restart (a kept-alive connection of a dead process would fail them)
  const agent = new Agent({ keepAlive: false });
  const routes = new Map(
    config.routes.map((r) => [
      r.stub,
      {
        ...r,
        recorder: new PushActivityRecorder(config.stateDir, r.subscription),
        log: createWriteStream(join(config.deliveriesDir, `${r.stub}.jsonl`), { flags: "a" }),
      },
    ]),
  );

  const forward = async (
    route: FrontRoute & { recorder: PushActivityRecorder; log: WriteStream },
    path: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> => {
    const answered = route.recorder.received();
    const started = Date.now();
    const body = await readBody(req);
    const done = (status: number): void => {
      answered();
      const delivery: Delivery = {
        at: new Date().toISOString(),
        ms: Date.now() - started,
        status,
        ...describe(body),
      };
      route.log.write(`${JSON.stringify(delivery)}\n`);
    };
    const deadline = started + COLD_START_MS;
    const attempt = (): void => {
      const upstream = request(
        `${route.target}${path}`,
        {
          method: req.method,
          headers: { ...req.headers, host: new URL(route.target).host },
          agent,
        },
        (answer) => {
          const status = answer.statusCode ?? 502;
          res.writeHead(status, answer.headers);
          answer.pipe(res);
          answer.once("end", () => done(status));
          answer.once("error", () => done(502));
        },
      );
      upstream.once("error", (err: NodeJS.ErrnoException) => {
        // no process listens (killed, restarting): wait for it as Cloud Run holds a request
        // during a cold start; a connection that broke mid-request fails it, as a crash does
        if (err.code === "ECONNREFUSED" && Date.now() < deadline) {
          setTimeout(attempt, 100);
          return;
        }
        if (!res.headersSent) {
          res.writeHead(503, { "content-type": "text/plain" });
          res.end(`function ${route.stub} unreachable: ${err.code ?? err.message}\n`);
        } else {
          res.destroy();
        }
        done(503);
      });
      upstream.end(body);
    };
    attempt();
  };

  const server = createServer((req, res) => {
    const url = req.url ?? "/";
    if (req.method === "GET" && url === FRONT_HEALTH_PATH) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ pid: process.pid, routes: config.routes.map((r) => r.stub) }));
      return;
    }
    const slash = url.indexOf("/", 1);
    const stub = slash < 0 ? url.slice(1) : url.slice(1, slash);
    const route = routes.get(stub);
    if (route === undefined) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end(`no function ${stub} behind this front\n`);
      return;
    }
    forward(route, slash < 0 ? "/" : url.slice(slash), req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  // a push lasts as long as the function takes (value-added up to its 300 s timeout); the emulator's
  // own deadline decides, not Node's default request timeout
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, "127.0.0.1", resolve);
  });
  server.once("close", () => {
    for (const route of routes.values()) route.log.end();
  });
  return server;
}

/** Push endpoint base of a function behind the front (what `provisionInstance` takes). */
export function frontUrl(frontBase: string, stub: string): string {
  return `${frontBase}/${stub}`;
}
