/**
 * The night conductor's run (docs/spec/broker.md §8), against ports so that the same code runs on Compute
 * Engine, in a local instance and in tests. It reads NIGHT (and KAFKA_TOPIC) from its own
 * metadata, exported as environment at boot:
 * - START: unless KAFKA_TOPIC=NONE, gives the consumer its topic, starts it and waits for RUNNING;
 * - END: clears the consumer's topic, stops it and waits for TERMINATED; waits for the processing
 *   subscriptions to drain; counts each data stream from its counter subscription into one
 *   `metadata` row; writes the night's summary to broker_files; resets the counters.
 * Then it clears its own NIGHT and KAFKA_TOPIC (a reboot must not replay the night) and returns;
 * the program exits and the VM powers off. A budget that runs out is an ERROR and the night goes
 * on with `complete=false`; an unexpected failure is CRITICAL (the alert policy notifies).
 */
import type { RowToInsert } from "@pgb/broker-utils/gcp";
import { ENV, RUNTIME_METADATA, type ProgramEnv } from "@pgb/broker-utils/instance";
import type { Logger } from "@pgb/broker-utils/log";
import {
  DrainTracker,
  KAFKA_TOPIC_NONE,
  NIGHT_DONE_CHANGES,
  StreamTally,
  consumerTopicChanges,
  endPlan,
  metadataInsertId,
  streamComplete,
  totalBacklog,
  type EndOutcome,
  type EndPlan,
  type MetadataRow,
  type NightSummary,
  type NightTimings,
} from "@pgb/night";
import {
  updateMetadata,
  waitForStatus,
  type BacklogPort,
  type BacklogReading,
  type Clock,
  type ComputePort,
} from "@pgb/compute";
import { countStream, type CounterSource } from "./counters.js";

export interface ConductorDeps {
  env: ProgramEnv<"night-conductor">;
  compute: ComputePort;
  backlog: BacklogPort;
  /** A pull handle on a counter subscription. */
  counter: (subscription: string) => CounterSource;
  insertRows: (dataset: string, table: string, rows: RowToInsert[]) => Promise<void>;
  /** Writes (or overwrites) a JSON object in a bucket. */
  writeJson: (bucket: string, object: string, value: unknown) => Promise<void>;
  /**
   * Empties a counter subscription up to now (Seek), or says the pull-and-ack already did
   * because Seek is unavailable (the emulator accepts Seek and ignores it).
   */
  resetCounter: (subscription: string) => Promise<"seeked" | "emptied-by-pull">;
  timings: NightTimings;
  clock: Clock;
  log: Logger;
}

export type NightResult =
  | { night: "START"; consumer: "started" | "not-started" | "off"; kafkaTopic: string | null }
  | { night: "END"; summary: NightSummary }
  | { night: null; reason: string };

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function runStart(deps: ConductorDeps): Promise<NightResult> {
  const { env, compute, log, timings, clock } = deps;
  const consumer = env[ENV.consumerVm];
  const topic = env[RUNTIME_METADATA.kafkaTopic];
  if (topic === KAFKA_TOPIC_NONE) {
    log.info("START with KAFKA_TOPIC=NONE: the consumer stays off", { consumer });
    return { night: "START", consumer: "off", kafkaTopic: topic };
  }
  if (topic === undefined) {
    log.warning(
      "START without KAFKA_TOPIC: the consumer chooses today's topic from its topic syntax",
      { consumer },
    );
  }
  const status = await compute.status(consumer);
  if (status !== "TERMINATED") {
    const current = (await compute.getMetadata(consumer)).items[RUNTIME_METADATA.kafkaTopic];
    if (status === "RUNNING" && current === topic) {
      log.info(`${consumer} already runs on ${topic ?? "its default topic"}`, { consumer });
      return { night: "START", consumer: "started", kafkaTopic: topic ?? null };
    }
    // the consumer reads its topic at boot: a running one must restart to switch topics
    log.notice(`${consumer} is ${status} on ${current ?? "its default topic"}; restarting it`, {
      consumer,
      from: current ?? null,
      to: topic ?? null,
    });
    await compute.stop(consumer);
    await waitForStatus(compute, consumer, ["TERMINATED"], {
      timeoutMs: timings.vmStateWaitMs,
      pollMs: timings.vmPollMs,
      clock,
    });
  }
  await updateMetadata(compute, consumer, consumerTopicChanges(topic), { clock });
  await compute.start(consumer);
  const waited = await waitForStatus(compute, consumer, ["RUNNING"], {
    timeoutMs: timings.vmStateWaitMs,
    pollMs: timings.vmPollMs,
    clock,
  });
  if (!waited.reached) {
    log.error(
      `START: ${consumer} is ${waited.status} after ${Math.round(waited.waitedMs / 1000)} s, expected RUNNING`,
      { consumer, status: waited.status },
    );
    return { night: "START", consumer: "not-started", kafkaTopic: topic ?? null };
  }
  log.info(`START: ${consumer} is RUNNING on ${topic ?? "its default topic"}`, { consumer });
  return { night: "START", consumer: "started", kafkaTopic: topic ?? null };
}

/** Step 1: the consumer's topic cleared and the consumer stopped. */
async function stopConsumer(deps: ConductorDeps, plan: EndPlan, errors: string[]) {
  const { compute, log, timings, clock } = deps;
  const vm = plan.consumerVm;
  const topic = (await compute.getMetadata(vm)).items[RUNTIME_METADATA.kafkaTopic];
  await updateMetadata(compute, vm, consumerTopicChanges(undefined), { clock });
  await compute.stop(vm);
  const waited = await waitForStatus(compute, vm, ["TERMINATED"], {
    timeoutMs: timings.vmStateWaitMs,
    pollMs: timings.vmPollMs,
    clock,
  });
  if (!waited.reached) {
    const message = `END: ${vm} is ${waited.status} after ${Math.round(waited.waitedMs / 1000)} s, expected TERMINATED; counts may be short`;
    log.error(message, { consumer: vm, status: waited.status });
    errors.push(message);
  } else {
    log.info(`END: ${vm} is TERMINATED`, { consumer: vm });
  }
  return {
    kafkaTopic: topic === undefined || topic === KAFKA_TOPIC_NONE ? null : topic,
    stopped: waited.reached,
    status: waited.status,
  };
}

/** Step 2: wait for the processing subscriptions to drain. */
async function drain(deps: ConductorDeps, plan: EndPlan, stoppedAt: number, errors: string[]) {
  const { backlog, log, timings, clock } = deps;
  const subscriptions = plan.processingSubscriptions;
  const tracker = new DrainTracker(
    stoppedAt + timings.drainMinAfterStopMs,
    stoppedAt + timings.drainTimeoutMs,
  );
  let last: BacklogReading = new Map(subscriptions.map((s) => [s, null]));
  const unknownReported = new Set<string>();
  for (;;) {
    let reading: BacklogReading;
    try {
      reading = await backlog.read(subscriptions);
      last = reading;
    } catch (err) {
      log.warning(`cannot read the backlog, counted as not drained: ${describe(err)}`);
      // a failed read is never evidence of an empty backlog
      reading = new Map(subscriptions.map((s) => [s, Number.POSITIVE_INFINITY]));
    }
    for (const [subscription, value] of reading) {
      if (value === null && !unknownReported.has(subscription)) {
        unknownReported.add(subscription);
        log.warning(
          `backlog of ${subscription} is unknown (no metric data, or no push-activity record in a ` +
            "local instance); it does not hold the drain back",
          { subscription },
        );
      }
    }
    const verdict = tracker.observe(clock.now(), reading);
    log.debug("drain: backlog read", { backlog: Object.fromEntries(reading), verdict });
    const waitedSeconds = Math.round((clock.now() - stoppedAt) / 1000);
    if (verdict === "drained") {
      log.info(`END: processing subscriptions drained ${waitedSeconds} s after the stop`);
      return { drained: true, waitedSeconds, last };
    }
    if (verdict === "timeout") {
      const message =
        `END: processing subscriptions not drained after ${waitedSeconds} s ` +
        `(backlog ${totalBacklog(last)}); counting anyway, derived streams marked incomplete`;
      log.error(message, { backlog: Object.fromEntries(last) });
      errors.push(message);
      return { drained: false, waitedSeconds, last };
    }
    await clock.sleep(timings.drainPollMs);
  }
}

interface StreamCount {
  subscription: string;
  tally: StreamTally;
  pulled: number;
  pulledAll: boolean;
  backlog: number | null;
}

/** Step 3: count every stream, all at once, within the shared budget. */
async function countStreams(deps: ConductorDeps, plan: EndPlan, errors: string[]) {
  const { log, timings, clock } = deps;
  const deadlineMs = clock.now() + timings.counterBudgetMs;
  return Promise.all(
    plan.counters.map(async ({ stream, subscription }): Promise<StreamCount> => {
      const tally = new StreamTally(stream);
      const { pulled, pulledAll } = await countStream(deps.counter(subscription), tally, {
        idleMs: timings.counterIdleMs,
        deadlineMs,
        clock,
      });
      let backlog: number | null = 0;
      if (!pulledAll) {
        backlog = await deps.backlog
          .read([subscription])
          .then((r) => r.get(subscription) ?? null)
          .catch((err: unknown) => {
            log.warning(`cannot read the backlog of ${subscription}: ${describe(err)}`);
            return null;
          });
        const message =
          `END: counting ${stream} ran out of its ${timings.counterBudgetMs / 1000} s budget after ` +
          `${tally.count} messages; backlog ${backlog ?? "unknown"} added to the count`;
        log.error(message, { stream, subscription, pulled, backlog });
        errors.push(message);
      }
      log.info(`END: ${stream}: ${tally.count} messages`, {
        stream,
        subscription,
        pulled,
        duplicates: tally.duplicates,
        withoutKafkaTimestamp: tally.withoutKafkaTimestamp,
      });
      return { subscription, tally, pulled, pulledAll, backlog };
    }),
  );
}

/**
 * The END of a night, its steps in the order they run (stop the consumer, drain, count, write the
 * rows, reset the counters, summarise): long because the order is the point, each step is a call.
 */
async function runEnd(deps: ConductorDeps): Promise<NightResult> {
  const { log, clock } = deps;
  const startedAt = clock.now();
  const plan = endPlan(deps.env, new Date(startedAt));
  const errors: string[] = [];
  log.info(`END of night ${plan.night}`, { night: plan.night });

  const consumer = await stopConsumer(deps, plan, errors);
  const drainResult = await drain(deps, plan, clock.now(), errors);
  const outcome: EndOutcome = { consumerStopped: consumer.stopped, drained: drainResult.drained };
  const counts = await countStreams(deps, plan, errors);

  const collectedAt = new Date(clock.now());
  const rows: MetadataRow[] = counts.map((c) =>
    c.tally.row({
      night: plan.night,
      collectedAt,
      complete: streamComplete(c.tally.stream, outcome, c.pulledAll),
      backlog: c.backlog ?? 0,
      fallbackKafkaTopic: consumer.kafkaTopic ?? undefined,
    }),
  );
  try {
    await deps.insertRows(
      plan.metadataTable.dataset,
      plan.metadataTable.table,
      rows.map((row) => ({
        insertId: metadataInsertId(plan.night, row.stream),
        json: row as unknown as Record<string, unknown>,
      })),
    );
    log.info(`END: ${rows.length} metadata rows inserted`, { table: plan.metadataTable });
  } catch (err) {
    const message = `END: cannot insert the metadata rows (they are in the night's summary): ${describe(err)}`;
    log.error(message, { rows });
    errors.push(message);
  }

  // The counters are reset after the rows are safe; a failed reset only leaves extra messages
  // for the next night's count, which the ERROR says.
  let counterReset: NightSummary["counterReset"] = "seeked";
  for (const c of counts) {
    try {
      if ((await deps.resetCounter(c.subscription)) === "emptied-by-pull") {
        counterReset = "emptied-by-pull";
        if (!c.pulledAll) {
          const message = `END: ${c.subscription} could not be reset (no Seek) and was not emptied; the next night's count includes its backlog`;
          log.error(message);
          errors.push(message);
        }
      }
    } catch (err) {
      counterReset = "failed";
      const message = `END: cannot reset ${c.subscription}: ${describe(err)}`;
      log.error(message);
      errors.push(message);
    }
  }

  const summary: NightSummary = {
    night: plan.night,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(clock.now()).toISOString(),
    consumer: {
      vm: plan.consumerVm,
      kafkaTopic: consumer.kafkaTopic,
      stopped: consumer.stopped,
      status: consumer.status,
    },
    drain: {
      subscriptions: plan.processingSubscriptions,
      drained: drainResult.drained,
      waitedSeconds: drainResult.waitedSeconds,
      lastBacklog: Object.fromEntries(drainResult.last),
    },
    streams: counts.map((c, i) => ({
      ...(rows[i] as MetadataRow),
      subscription: c.subscription,
      pulled: c.pulled,
      duplicates: c.tally.duplicates,
      withoutKafkaTimestamp: c.tally.withoutKafkaTimestamp,
      backlog: c.pulledAll ? 0 : c.backlog,
    })),
    counterReset,
    errors,
  };
  try {
    await deps.writeJson(plan.summary.bucket, plan.summary.object, summary);
    log.info(`END: summary written to gs://${plan.summary.bucket}/${plan.summary.object}`);
  } catch (err) {
    log.error(`END: cannot write the night's summary: ${describe(err)}`, { summary });
  }
  return { night: "END", summary };
}

/** Runs the night NIGHT asks for, then clears NIGHT and KAFKA_TOPIC on this VM. */
export async function runNightConductor(deps: ConductorDeps): Promise<NightResult> {
  const { env, compute, log, clock } = deps;
  const self = env[ENV.nightConductorVm];
  const night = env[RUNTIME_METADATA.night];
  let result: NightResult | undefined;
  let failure: unknown;
  try {
    if (night === "START") result = await runStart(deps);
    else if (night === "END") result = await runEnd(deps);
    else {
      const reason =
        night === undefined
          ? "NIGHT is not set: nothing to do (cue-night-conductor sets it before starting this VM)"
          : `NIGHT=${night} is neither START nor END: nothing done`;
      log.error(reason);
      result = { night: null, reason };
    }
  } catch (err) {
    failure = err;
  }
  // also after a failure: the VM powers off either way, and a stale NIGHT would replay the night
  // at the next boot
  try {
    await updateMetadata(compute, self, NIGHT_DONE_CHANGES, { clock });
  } catch (err) {
    log.critical(`cannot clear NIGHT and KAFKA_TOPIC of ${self}: ${describe(err)}`);
    failure ??= err;
  }
  if (failure !== undefined || result === undefined) throw failure;
  return result;
}
