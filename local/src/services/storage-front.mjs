// The Cloud Storage emulator's front: a loopback reverse proxy that puts the JSON API prefix back.
//
// @google-cloud/storage (v7) uses STORAGE_EMULATOR_HOST verbatim as the JSON API base URL, so it
// sends `/b/<bucket>/o/...` where fake-gcs-server (like the real service) serves
// `/storage/v1/b/<bucket>/o/...`; uploads already carry their own `/upload/storage/v1` prefix.
// Every other client (Python, Go, gsutil) appends `/storage/v1` itself. With this front in place
// STORAGE_EMULATOR_HOST=http://127.0.0.1:<port> works for all of them.
//
// Plain JavaScript (no build step) because it runs as its own process from either src/ or dist/.
// Usage: node storage-front.mjs --listen <port> --target <port>
import { createServer, request } from "node:http";

/** @param {string} flag */
function portArg(flag) {
  const i = process.argv.indexOf(flag);
  const value = Number(i >= 0 ? process.argv[i + 1] : NaN);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    process.stderr.write(`storage-front: ${flag} <port> is required (1-65535)\n`);
    process.exit(2);
  }
  return value;
}

const listenPort = portArg("--listen");
const targetPort = portArg("--target");

/** Paths the emulator serves as they are; everything else is a JSON API path without its prefix. */
const PASS_THROUGH = /^\/(storage\/v1(\/|$|\?)|upload\/|download\/|batch\/|_internal\/)/;

/** @param {string} url */
function rewrite(url) {
  return PASS_THROUGH.test(url) ? url : `/storage/v1${url.startsWith("/") ? "" : "/"}${url}`;
}

const server = createServer((req, res) => {
  const upstream = request(
    {
      host: "127.0.0.1",
      port: targetPort,
      method: req.method,
      path: rewrite(req.url ?? "/"),
      headers: { ...req.headers, host: `127.0.0.1:${targetPort}` },
    },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  upstream.on("error", (err) => {
    if (!res.headersSent) {
      res.writeHead(502, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: { code: 502, message: `storage emulator unreachable: ${err.message}` },
        }),
      );
    } else {
      res.destroy(err);
    }
  });
  req.pipe(upstream);
});

server.listen(listenPort, "127.0.0.1", () => {
  process.stdout.write(`storage-front listening on 127.0.0.1:${listenPort} -> ${targetPort}\n`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    // open keep-alive connections would hold close() forever
    server.closeAllConnections();
  });
}
