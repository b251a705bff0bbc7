/**
 * Entry point of the Pulumi program: one broker instance per stack (`<survey>` = production,
 * `<survey>-<testid>` = a test instance). Named exports are the stack outputs.
 */
import { fileURLToPath } from "node:url";
import { bigQueryTableSchema } from "@pgb/broker-utils/alerts";
import { bundledSchemaMapPath } from "@pgb/broker-utils/schema-maps";
import { cachedNodeRuntime, pgbCacheDir } from "./src/node-runtime.js";
import { esbuildPackager } from "./src/packaging.js";
import { brokerProgram } from "./src/program.js";
import { npmVmModules } from "./src/vm-modules.js";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const cacheDir = pgbCacheDir();

const { model, outputs } = await brokerProgram({
  packager: esbuildPackager(repoRoot, bundledSchemaMapPath, npmVmModules(repoRoot, cacheDir)),
  nodeRuntime: cachedNodeRuntime(cacheDir),
  tableSchemas: bigQueryTableSchema,
});

export const stack = model.stack;
export const topics = outputs.topics;
export const buckets = outputs.buckets;
export const datasetId = outputs.datasetId;
export const functions = outputs.functions;
export const functionUrls = outputs.functionUrls;
export const vms = outputs.vms;
