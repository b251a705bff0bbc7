/**
 * The alert-table schemas come from the alerts module's Avro-derived generator. It is loaded by a
 * variable specifier so the program type-checks while that module is being written; once it is
 * in, this file becomes a static import.
 */
import type { TableSchemaProvider } from "@pgb/broker-utils/instance";

export async function alertTableSchemas(): Promise<TableSchemaProvider> {
  const specifier = "@pgb/broker-utils/alerts";
  const alerts = (await import(specifier)) as { bigQueryTableSchema?: TableSchemaProvider };
  if (typeof alerts.bigQueryTableSchema !== "function") {
    throw new Error(
      `${specifier} does not export bigQueryTableSchema(survey, table, schemaVersion?)`,
    );
  }
  return alerts.bigQueryTableSchema;
}
