/**
 * BigQuery helpers over @google-cloud/bigquery: streaming inserts with insertIds whose row errors are
 * surfaced (never swallowed), and a per-process cache of table metadata (the reference broker fetched
 * it on every insert and hit the 100 requests/s metadata quota).
 */
import type { BigQuery } from "@google-cloud/bigquery";

export interface RowToInsert {
  /** De-duplication key (best effort, about a minute): the source id. */
  insertId: string;
  json: Record<string, unknown>;
}

export interface RowError {
  insertId: string;
  reason: string;
  location: string | undefined;
  message: string;
}

/** Some rows were rejected by BigQuery; the others were inserted. */
export class RowInsertError extends Error {
  override name = "RowInsertError";
  constructor(
    readonly table: string,
    readonly rowErrors: RowError[],
  ) {
    const first = rowErrors[0];
    super(
      `BigQuery rejected ${rowErrors.length} row(s) of ${table}` +
        (first
          ? `: ${first.reason}${first.location ? ` at ${first.location}` : ""}: ${first.message}`
          : ""),
    );
  }
}

interface PartialFailure {
  name: string;
  errors?: {
    row?: { insertId?: string };
    errors?: { reason?: string; location?: string; message?: string }[];
  }[];
}

function isPartialFailure(err: unknown): err is PartialFailure {
  return (
    typeof err === "object" &&
    err !== null &&
    (err as { name?: unknown }).name === "PartialFailureError"
  );
}

/** Inserts rows (`raw`: the JSON is sent as is, INTEGERs as decimal strings); throws RowInsertError. */
export async function insertRows(
  bigquery: BigQuery,
  dataset: string,
  table: string,
  rows: readonly RowToInsert[],
): Promise<void> {
  if (rows.length === 0) return;
  try {
    await bigquery
      .dataset(dataset)
      .table(table)
      .insert(
        rows.map((r) => ({ insertId: r.insertId, json: r.json })),
        { raw: true },
      );
  } catch (err) {
    if (!isPartialFailure(err)) throw err;
    const rowErrors: RowError[] = [];
    for (const failed of err.errors ?? []) {
      for (const e of failed.errors ?? []) {
        // BigQuery reports "stopped" for valid rows rejected only because another row was invalid
        if (e.reason === "stopped") continue;
        rowErrors.push({
          insertId: failed.row?.insertId ?? "",
          reason: e.reason ?? "unknown",
          location: e.location || undefined,
          message: e.message ?? "",
        });
      }
    }
    throw new RowInsertError(`${dataset}.${table}`, rowErrors);
  }
}

export interface TableMetadata {
  id: string;
  schema: { fields: unknown[] };
  [key: string]: unknown;
}

/** Table metadata fetched once per table per process (refreshed after `ttlMs`, default 10 min). */
export class TableMetadataCache {
  private readonly entries = new Map<string, { at: number; value: Promise<TableMetadata> }>();

  constructor(
    private readonly bigquery: BigQuery,
    private readonly ttlMs = 10 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  get(dataset: string, table: string): Promise<TableMetadata> {
    const key = `${dataset}.${table}`;
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    const value = this.bigquery
      .dataset(dataset)
      .table(table)
      .getMetadata()
      .then(([metadata]) => metadata as TableMetadata);
    // a failed fetch is not cached, so the next call retries
    value.catch(() => this.entries.delete(key));
    this.entries.set(key, { at: this.now(), value });
    return value;
  }
}
