/**
 * Entry point of the push front process (push-front.ts):
 *   node push-front-main.js --config <front.json> [--parent-pid <pid>]
 * Runs until SIGTERM; with --parent-pid it also stops when that process is gone (tests).
 */
import { readFile } from "node:fs/promises";
import { runPushFront, type FrontConfig } from "./push-front.js";

function arg(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const configFile = arg("--config");
if (configFile === undefined) {
  process.stderr.write("push front: --config <file> is required\n");
  process.exit(2);
}
const config = JSON.parse(await readFile(configFile, "utf8")) as FrontConfig;
const server = await runPushFront(config);
const log = (message: string): void => {
  process.stdout.write(
    `${JSON.stringify({ severity: "INFO", message, time: new Date().toISOString() })}\n`,
  );
};
log(
  `push front listening on http://127.0.0.1:${config.port} for ${config.routes.length} functions`,
);

const stop = (why: string): void => {
  log(`${why}: stopping the push front`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5000).unref();
};
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
const parent = arg("--parent-pid");
if (parent !== undefined) {
  setInterval(() => {
    try {
      process.kill(Number(parent), 0);
    } catch {
      stop(`parent ${parent} exited`);
    }
  }, 2000).unref();
}
