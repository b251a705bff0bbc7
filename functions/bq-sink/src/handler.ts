/**
 * bq-sink (docs/spec/broker.md §5): fed the bucket notification of each stored alert (§4.6), it reads
 * the Avro file and writes one row per alert in `alerts` (the alert without cutouts, nested) and
 * one in `DIASource` (flat), both with insertId = sourceId; INTEGERs travel as decimal strings, so
 * 64-bit ids stay exact, and NaN/±Infinity become null.
 *
 * Every row is checked against its table's schema (fetched once per process) before anything is
 * inserted: BigQuery rejects a bad row with a per-row error, but the local emulator answers it with
 * HTTP 500 for the whole request or stores it silently, so without the check the same alert would
 * be retried locally and dead-lettered in the cloud. A row that does not fit, or that BigQuery
 * rejects, is bad input: dead-lettered at once with the field paths. Outages and quota errors are
 * rethrown and retried by Pub/Sub.
 */
import { bigQueryRow, type AlertTable } from "@pgb/broker-utils/alerts";
import { formatViolations, validateRow, type SchemaField } from "@pgb/broker-utils/bigquery";
import { RowInsertError, type RowToInsert } from "@pgb/broker-utils/gcp";
import {
  BadInputError,
  storedAlertHandler,
  type Handler,
  type Ignored,
  type StoredAlertSource,
} from "@pgb/function-runtime";
import type { Survey } from "@pgb/broker-utils/schema-maps";

export interface BqSinkDeps {
  survey: Survey;
  /** The alerts bucket, where the notification's object is read. */
  alerts: StoredAlertSource;
  /** Table names, for messages. */
  tables: Readonly<Record<AlertTable, string>>;
  /** The table's schema as BigQuery returns it (TableMetadataCache: once per process and table). */
  schema(table: AlertTable): Promise<readonly SchemaField[]>;
  /** Streams one row (insertRows); rejects with RowInsertError when BigQuery rejects it. */
  insert(table: AlertTable, row: RowToInsert): Promise<void>;
}

export interface BqSinkOutcome {
  sourceId: string;
  tables: AlertTable[];
}

const TABLES: readonly AlertTable[] = ["alerts", "DIASource"];

export function createBqSinkHandler(deps: BqSinkDeps): Handler<BqSinkOutcome | Ignored> {
  return storedAlertHandler(deps.survey, deps.alerts, async ({ alert, object }, message) => {
    const what = `${deps.survey} alert ${alert.objectId}/${alert.sourceId} (${object}, message ${message.messageId}, schema version ${alert.schemaVersion ?? "unknown"})`;
    const schemas = await Promise.all(TABLES.map((table) => deps.schema(table)));
    const rows = TABLES.map((table, i) => {
      const json = bigQueryRow(alert, table);
      const violations = validateRow(json, schemas[i]!);
      if (violations.length > 0) {
        throw new BadInputError(
          "row-invalid",
          `${what}: its ${deps.tables[table]} row does not fit the table: ` +
            `${formatViolations(violations)}. The table is generated from one schema version; ` +
            "alerts of another version must be converted or go to an instance of that version",
        );
      }
      return { insertId: alert.sourceId, json };
    });
    const results = await Promise.allSettled(
      TABLES.map((table, i) => deps.insert(table, rows[i]!)),
    );
    const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    // a rejected row can never succeed; it wins over a transient failure of the other table (the
    // dead letter keeps the whole alert, and a replay's duplicate row is removed by the dedup views)
    const rejected = failures.find((err): err is RowInsertError => err instanceof RowInsertError);
    if (rejected) {
      throw new BadInputError("row-rejected", `${what}: ${rejected.message}`, { cause: rejected });
    }
    if (failures.length > 0) throw failures[0];
    return { sourceId: alert.sourceId, tables: [...TABLES] };
  });
}
