/**
 * BigQuery table schemas as plain data, in the form the BigQuery API and Pulumi's `schema` JSON take
 * (`{name, type, mode, fields?, description?}`), so one value feeds the infrastructure, the local
 * instance and the row builders.
 */
export type BigQueryType =
  "STRING" | "INTEGER" | "FLOAT" | "BOOLEAN" | "BYTES" | "RECORD" | "TIMESTAMP" | "DATE";

export type BigQueryMode = "NULLABLE" | "REQUIRED" | "REPEATED";

export interface TableField {
  name: string;
  type: BigQueryType;
  mode: BigQueryMode;
  fields?: TableField[];
  description?: string;
}
