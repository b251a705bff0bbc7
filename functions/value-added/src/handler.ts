/**
 * value-added (docs/spec/broker.md §6, §7): fed the bucket notification of each stored alert (§4.6),
 * it reads and decodes the alert, strips its cutouts and runs the purity and
 * extragalactic-transient filters independently. A pure alert goes to `alerts_pure`, an
 * extragalactic one to `exgalac_trans` and, when its light curve passes the quality cuts, gets the
 * product's SALT2 fit: a row in `salt2` (insertId = sourceId) with the fit's quality verdict, the
 * plot in the sncosmo bucket (written only if absent) and, for a good fit only, a message on `salt2`
 * (a poor fit is kept in the table and the bucket for whoever wants to look at it, but a stream
 * reader gets only fits that describe a supernova).
 *
 * Every output of an alert is computed before any is written, so a failure while computing (a bug
 * in the fit, the renderer) writes nothing. Writes are idempotent or tolerated on redelivery:
 * derived topics are at-least-once (consumers de-duplicate on sourceId), BigQuery de-duplicates
 * on insertId, the plot is not overwritten. The `salt2` message is published only after its row
 * and plot are stored, so a reader of the stream always finds them.
 *
 * A survey without filters (elasticc) publishes nothing. SALT2 data-quality skips are logged at
 * INFO with `event: "salt2-skipped"` (the log-based metric filters on it) and acknowledged.
 * Undecodable input, a light curve the fitter refuses and a row BigQuery rejects are bad input
 * (dead-lettered at once); everything else is rethrown, so Pub/Sub retries it and then
 * dead-letters it.
 */
import { toJsonString, type Alert } from "@pgb/broker-utils/alerts";
import { runFilters } from "@pgb/broker-utils/filters";
import {
  RowInsertError,
  type RowToInsert,
  type UploadOptions,
  type UploadResult,
} from "@pgb/broker-utils/gcp";
import { LOG_EVENT } from "@pgb/broker-utils/instance";
import type { Logger } from "@pgb/broker-utils/log";
import { TOPIC } from "@pgb/broker-utils/naming";
import {
  BadInputError,
  storedAlertHandler,
  type Handler,
  type Ignored,
  type StoredAlertSource,
} from "@pgb/function-runtime";
import { SALT2_QUALITY_ATTRIBUTE, type Salt2Row } from "@pgb/salt2";
import type { Survey } from "@pgb/broker-utils/schema-maps";
import {
  computeSalt2,
  type Salt2Compute,
  type Salt2Outcome,
  type Salt2SkipReason,
} from "./salt2.js";

export type DerivedStream =
  typeof TOPIC.alertsPure | typeof TOPIC.exgalacTrans | typeof TOPIC.salt2;

export interface ValueAddedDeps extends Salt2Compute {
  survey: Survey;
  /** The alerts bucket, where the notification's object is read. */
  alerts: StoredAlertSource;
  /** Publishes one message on the stream's topic; resolves once Pub/Sub acknowledged it. */
  publish(
    stream: DerivedStream,
    data: Buffer,
    attributes: Record<string, string>,
  ): Promise<unknown>;
  /** Streams the salt2 row (insertRows); rejects with RowInsertError when BigQuery rejects it. */
  insertSalt2Row(row: RowToInsert): Promise<void>;
  /** Writes the plot unless an object of that name exists (uploadIfAbsent on SNCOSMO_BUCKET). */
  uploadPlot(name: string, png: Buffer, options: UploadOptions): Promise<UploadResult>;
}

export interface ValueAddedOutcome {
  objectId: string;
  sourceId: string;
  /** Streams published to, in the order of the spec. */
  published: DerivedStream[];
  /** What SALT2 did: fitted, skipped (why), or not run (not extragalactic; no filters for the survey). */
  salt2: "fit" | Salt2SkipReason | "not-extragalactic" | "not-applicable";
  /** The fit's quality verdict (only good fits are published to `salt2`). */
  quality?: Salt2Row["quality"];
  /** Whether the plot was written now or existed already (a redelivery). */
  plot?: UploadResult["status"];
}

/** Waits for every write; then throws the failure that decides the outcome, if any. */
async function settle(writes: readonly Promise<unknown>[], what: string): Promise<void> {
  const results = await Promise.allSettled(writes);
  const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  // a rejected row can never succeed: it wins over a transient failure elsewhere (the dead letter
  // keeps the alert; a replay's duplicate messages are removed by consumers, its plot is kept)
  const rejected = failures.find((err): err is RowInsertError => err instanceof RowInsertError);
  if (rejected) {
    throw new BadInputError("salt2-row-rejected", `${what}: ${rejected.message}`, {
      cause: rejected,
    });
  }
  if (failures.length > 0) throw failures[0];
}

function logSkip(log: Logger, alert: Alert, salt2: Extract<Salt2Outcome, { kind: "skipped" }>) {
  log.info(
    `salt2 skipped objectId=${alert.objectId} sourceId=${alert.sourceId} reason=${salt2.reason}`,
    {
      // the instance's log-based metric counts these lines
      event: LOG_EVENT.salt2Skipped,
      reason: salt2.reason,
      objectId: alert.objectId,
      sourceId: alert.sourceId,
      detail: salt2.detail,
      maxSnr: Number.isFinite(salt2.cuts.maxSnr) ? salt2.cuts.maxSnr : null,
      detections: salt2.cuts.detections,
    },
  );
}

/** One DEBUG line per processed alert, with its outcome (and the fit's numbers and timings). */
function logged(
  log: Logger,
  outcome: ValueAddedOutcome,
  fit?: Record<string, unknown>,
): ValueAddedOutcome {
  log.debug(
    `value-added objectId=${outcome.objectId} sourceId=${outcome.sourceId} ` +
      `published=${outcome.published.join(",") || "none"} salt2=${outcome.salt2}`,
    { ...outcome, ...fit },
  );
  return outcome;
}

export function createValueAddedHandler(
  deps: ValueAddedDeps,
): Handler<ValueAddedOutcome | Ignored> {
  return storedAlertHandler(
    deps.survey,
    deps.alerts,
    async ({ alert, object }, message, { log }) => {
      const ids = { objectId: alert.objectId, sourceId: alert.sourceId };
      const what = `${deps.survey} alert ${alert.objectId}/${alert.sourceId} (${object}, message ${message.messageId})`;
      const { pure, extragalacticTransient: exgal } = runFilters(alert);
      if (!pure.applicable && !exgal.applicable) {
        log.debug(`value-added: no filters for ${deps.survey} alerts; nothing published`, ids);
        return { ...ids, published: [], salt2: "not-applicable" };
      }
      // most alerts pass neither filter: nothing to serialise or fit
      if (!pure.pass && !exgal.pass) {
        return logged(log, { ...ids, published: [], salt2: "not-extragalactic" });
      }

      // --- compute every output
      const attributes = alert.derivedAttributes();
      // serialised once: the same text is the alerts_pure and exgalac_trans message and the `alert`
      // of the salt2 message
      const alertJson = toJsonString(alert.dict());
      const salt2 = exgal.pass ? await computeSalt2(alert, deps, what) : undefined;
      const fitted =
        salt2?.kind === "fit"
          ? {
              ...salt2,
              good: salt2.row.quality === "good",
              message: Buffer.from(
                // the row's candid is a decimal string for BigQuery; in JSON it is an integer
                `{"alert":${alertJson},"salt2Fit":${toJsonString({ ...salt2.row, candid: alert.sourceIdBigInt ?? alert.sourceId })}}`,
                "utf8",
              ),
            }
          : undefined;

      // --- write them
      const writes: Promise<unknown>[] = [];
      const publish = (stream: DerivedStream, data: Buffer) =>
        deps.publish(stream, data, attributes);
      if (pure.pass) writes.push(publish(TOPIC.alertsPure, Buffer.from(alertJson, "utf8")));
      if (exgal.pass) writes.push(publish(TOPIC.exgalacTrans, Buffer.from(alertJson, "utf8")));
      let plot: UploadResult["status"] | undefined;
      if (fitted) {
        writes.push(
          (async () => {
            // both settle before the outcome is decided, so nothing is still writing when it is
            const [row, upload] = await Promise.allSettled([
              deps.insertSalt2Row({ insertId: alert.sourceId, json: fitted.row }),
              deps.uploadPlot(fitted.plotName, fitted.png, {
                contentType: "image/png",
                metadata: { ...ids },
              }),
            ]);
            if (row.status === "rejected") throw row.reason;
            if (upload.status === "rejected") throw upload.reason;
            plot = upload.value.status;
            if (plot === "duplicate") {
              log.info(`plot ${fitted.plotName} exists (a redelivery); kept`, {
                object: fitted.plotName,
                outcome: "duplicate",
              });
            }
            if (fitted.good) {
              await deps.publish(TOPIC.salt2, fitted.message, {
                ...attributes,
                [SALT2_QUALITY_ATTRIBUTE]: fitted.row.quality,
              });
            }
          })(),
        );
      }
      await settle(writes, what);

      if (salt2?.kind === "skipped") logSkip(log, alert, salt2);
      const outcome: ValueAddedOutcome = {
        ...ids,
        published: [
          ...(pure.pass ? [TOPIC.alertsPure] : []),
          ...(exgal.pass ? [TOPIC.exgalacTrans] : []),
          ...(fitted?.good ? [TOPIC.salt2] : []),
        ],
        salt2:
          salt2 === undefined ? "not-extragalactic" : salt2.kind === "fit" ? "fit" : salt2.reason,
        ...(plot === undefined ? {} : { plot }),
        ...(fitted ? { quality: fitted.row.quality } : {}),
      };
      return logged(
        log,
        outcome,
        fitted && {
          success: fitted.fit.success,
          chisq: fitted.row.chisq,
          ndof: fitted.fit.ndof,
          qualityReasons: fitted.row.quality_reasons,
          fitMs: Math.round(fitted.fitMs),
          plotMs: Math.round(fitted.plotMs),
        },
      );
    },
  );
}
