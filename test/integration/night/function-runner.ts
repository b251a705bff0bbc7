/**
 * Runs one Cloud Function of the broker as a local process, the way the Functions Framework serves
 * it, but on 127.0.0.1 only (the framework's CLI listens on every interface):
 *   node --conditions=source --import tsx function-runner.ts <source file> <entry point>
 * Prints `{"listening": <port>}` once it accepts requests; SIGTERM closes it.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { AddressInfo } from "node:net";
import { getTestServer } from "@google-cloud/functions-framework/testing";

const [source, target] = process.argv.slice(2);
if (source === undefined || target === undefined) {
  throw new Error("usage: function-runner.ts <source file> <entry point>");
}
await import(pathToFileURL(resolve(source)).href);
const server = getTestServer(target);
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(
    JSON.stringify({ listening: (server.address() as AddressInfo).port }) + "\n",
  );
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
