/**
 * Shared pieces of the end-to-end tests: a local instance of their own (unique testid, run folder
 * and Kafka topic) on the servers the global setup provides, and reads of its outputs.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Survey } from "@pgb/broker-utils/schema-maps";
import type { ServiceEndpoints } from "@pgb/local";
import type { LocalInstance, LocalInstanceOptions } from "../../local/src/instance/index.js";
import { uniqueName } from "../support/names.js";

/** Options of a test instance: unique testid and run folder, processes tied to the test process. */
export async function testInstanceOptions(
  survey: Survey,
  endpoints: ServiceEndpoints,
  prefix: string,
): Promise<LocalInstanceOptions & { survey: Survey; testid: string; kafkaTopic: string }> {
  const suffix = uniqueName(prefix).replaceAll("_", "").slice(0, 18);
  return {
    survey,
    testid: suffix,
    endpoints,
    runDir: await mkdtemp(join(tmpdir(), `pgb-${prefix}-`)),
    exitWithParent: true,
    // the night's topic of its own: the shared Kafka serves other tests and instances
    kafkaTopic: `${survey}_${suffix}`,
  };
}

/** Rows of a query on the instance's dataset; INTEGER columns as exact decimal strings. */
export async function queryRows(
  instance: LocalInstance,
  sql: (table: (name: string) => string) => string,
): Promise<Record<string, unknown>[]> {
  const { project } = instance.model.keywords;
  const table = (name: string) => `\`${project}.${instance.model.dataset.name}.${name}\``;
  const [rows] = await instance.clients().bigquery.query({
    query: sql(table),
    useLegacySql: false,
    wrapIntegers: { integerTypeCastFunction: (v: string) => v },
  });
  return rows as Record<string, unknown>[];
}

/** True while a process with this PID exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
