// Runs one broker Cloud Function as a local process: imports the function's module (its deployment
// bundle, or its TypeScript source under tsx), which registers its CloudEvent function with the
// functions framework, and serves it with the framework's own server on 127.0.0.1 only. The
// framework's CLI is not used because it listens on every interface.
//
// The framework answers every request it cannot convert into an event (a GET, a health probe) with
// HTTP 500 and a stack trace, so GET /__pgb/health is answered here, before the framework.
//
// Plain JavaScript (no build step) because it runs as its own process from either src/ or dist/.
// Usage: node runner.mjs --port <n> --name <function name> --module <file> --target <entry point>
//        [--parent-pid <pid>]
import { pathToFileURL } from "node:url";
import { getTestServer } from "@google-cloud/functions-framework/testing";

/** @param {string} flag */
function arg(flag) {
  const i = process.argv.indexOf(flag);
  const value = i >= 0 ? process.argv[i + 1] : undefined;
  if (value === undefined || value.startsWith("--")) {
    process.stderr.write(`runner: ${flag} is required\n`);
    process.exit(2);
  }
  return value;
}

/** @param {string} severity @param {string} message @param {Record<string, unknown>} [fields] */
function log(severity, message, fields = {}) {
  const line = JSON.stringify({ severity, message, time: new Date().toISOString(), ...fields });
  (severity === "INFO" ? process.stdout : process.stderr).write(`${line}\n`);
}

const port = Number(arg("--port"));
const name = arg("--name");
const modulePath = arg("--module");
const target = arg("--target");
const parentPid = process.argv.includes("--parent-pid") ? Number(arg("--parent-pid")) : undefined;
const HEALTH_PATH = "/__pgb/health";
/** In-flight deliveries get this long to finish after SIGTERM (Cloud Run gives 10 s). */
const GRACE_MS = 10_000;

await import(pathToFileURL(modulePath).href);
const server = getTestServer(target);
const [framework] = server.listeners("request");
server.removeAllListeners("request");
server.on("request", (req, res) => {
  if (req.method === "GET" && req.url === HEALTH_PATH) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ name, target, pid: process.pid }));
    return;
  }
  framework.call(server, req, res);
});

await new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(port, "127.0.0.1", () => resolve(undefined));
});
log("INFO", `function ${name} (${target}) listening on http://127.0.0.1:${port}`, {
  pid: process.pid,
  module: modulePath,
});

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  log("INFO", `${signal}: stopping function ${name}`);
  // stop accepting; deliveries in flight finish (Pub/Sub redelivers any that do not)
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), GRACE_MS).unref();
}
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));

// A test or CLI that started this process and died leaves no function behind.
if (parentPid !== undefined) {
  setInterval(() => {
    try {
      process.kill(parentPid, 0);
    } catch {
      stop(`parent ${parentPid} exited`);
    }
  }, 2000).unref();
}
