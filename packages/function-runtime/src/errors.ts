/**
 * How a handler says an input is bad. A `BadInputError` can never succeed on redelivery (corrupt
 * Avro, unknown schema, missing ids, a row BigQuery rejects), so the adapter dead-letters it at once
 * with the stage and the reason as attributes instead of letting Pub/Sub redeliver it five times.
 */
export class BadInputError extends Error {
  override name = "BadInputError";
  constructor(
    /** A short stable code for dashboards and the dead-letter attribute `pgb.reason`. */
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
