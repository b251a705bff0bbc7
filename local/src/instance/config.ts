/**
 * What a local instance is: the instance model the Pulumi program would deploy for the same survey
 * and testid (one `instanceModel` call, with the local Kafka as the survey's broker), where its
 * files live on disk, and the timings that let a night run in seconds instead of hours.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { bigQueryTableSchema } from "@pgb/broker-utils/alerts";
import { instanceModel, type InstanceModel } from "@pgb/broker-utils/instance";
import { startTopic } from "@pgb/night";
import { bundledSchemaMap, isSurvey, SURVEYS, type Survey } from "@pgb/broker-utils/schema-maps";
import { REPO_ROOT } from "../functions/index.js";

/** The emulators accept any project id; this one is also the BigQuery emulator's default. */
export const LOCAL_PROJECT = "pgb-local";
/** Region of the model: names do not depend on it, only the zone string the cue functions read. */
export const LOCAL_REGION = "us-central1";
export const DEFAULT_SURVEY: Survey = "ztf";
export const DEFAULT_TESTID = "local";

/**
 * Kafka topic syntax of surveys whose schema map has none. LSST's production topic is configured
 * per instance (`broker:kafkaTopicSyntax`); the local LSST instance configures this one, so a START
 * cue without attributes works as Cloud Scheduler sends it.
 */
export const LOCAL_TOPIC_SYNTAX: Partial<Record<Survey, string>> = {
  lsst: "lsst-alerts-local",
  elasticc: "elasticc-alerts-local",
};

/**
 * Waits and budgets of the night (docs/night-conductor.md, Configuration) shortened for one
 * machine: VMs start in a second, nothing lags like Cloud Monitoring, and a user waits for the
 * summary. The consumer polls for tonight's topic every second (the replay creates it).
 */
export const LOCAL_TIMINGS: Readonly<Record<string, string>> = {
  PGB_VM_POLL_SECONDS: "0.5",
  PGB_CUE_TERMINATED_WAIT_SECONDS: "60",
  // a local START run ends within about two seconds (docs/night-conductor.md, Local gaps)
  PGB_CHECK_NIGHT_CONDUCTOR_AFTER_SECONDS: "1",
  PGB_CHECK_CONSUMER_AFTER_SECONDS: "15",
  PGB_VM_STATE_WAIT_SECONDS: "60",
  PGB_DRAIN_POLL_SECONDS: "1",
  PGB_DRAIN_MIN_AFTER_STOP_SECONDS: "2",
  PGB_COUNTER_IDLE_SECONDS: "3",
  PGB_LOCAL_STOP_GRACE_SECONDS: "30",
  CONSUMER_TOPIC_POLL_SECONDS: "1",
  CONSUMER_STATS_SECONDS: "10",
};

/** `<repo>/local/.run/instances` (git-ignored): one folder per local instance. */
export const DEFAULT_RUN_DIR = join(REPO_ROOT, "local", ".run", "instances");
/** The sample alerts shipped with the repository (`local/samples/<survey>`, see its README). */
export const SAMPLES_DIR = join(REPO_ROOT, "local", "samples");

export class LocalInstanceError extends Error {
  override name = "LocalInstanceError";
}

export function checkSurvey(survey: string): Survey {
  if (!isSurvey(survey)) {
    throw new LocalInstanceError(`unknown survey "${survey}": use one of ${SURVEYS.join(", ")}`);
  }
  return survey;
}

/**
 * The instance model of a local instance: the Pulumi program's, with the local Kafka; `schemaVersion`
 * null = the schema map's default (LSST: `all`, tables that take every bundled version).
 */
export function localModel(
  survey: Survey,
  testid: string,
  kafkaBootstrap: string,
  schemaVersion: string | null = null,
): InstanceModel {
  const topicSyntax = LOCAL_TOPIC_SYNTAX[survey];
  return instanceModel({
    survey,
    testid,
    project: LOCAL_PROJECT,
    region: LOCAL_REGION,
    tableSchemas: bigQueryTableSchema,
    ...(schemaVersion === null ? {} : { schemaVersion }),
    kafka: {
      bootstrapServers: kafkaBootstrap,
      ...(topicSyntax === undefined ? {} : { topicSyntax }),
    },
  });
}

/**
 * Tonight's Kafka topic by the START rule of the cue function (docs/spec/broker.md §8) for a cue without
 * attributes: the instance's topic syntax with today's UTC date.
 */
export function nightTopic(survey: Survey, now: Date): string {
  const syntax = LOCAL_TOPIC_SYNTAX[survey] ?? bundledSchemaMap(survey).fields.topicSyntax;
  const result = startTopic(
    { action: "START", kafkaTopic: undefined, topicDate: undefined },
    syntax,
    now,
  );
  if (!result.ok) throw new LocalInstanceError(result.reason);
  return result.topic;
}

/** The shipped sample alerts of a survey; an error naming `--alerts` when there are none. */
export function sampleAlerts(survey: Survey): string {
  const dir = join(SAMPLES_DIR, survey);
  if (!existsSync(dir)) {
    throw new LocalInstanceError(
      `no sample alerts for ${survey} in ${SAMPLES_DIR}; give a folder of ${survey} alerts with --alerts`,
    );
  }
  return dir;
}

/** Where one instance keeps its record, logs, compute state and downloaded outputs. */
export interface InstancePaths {
  root: string;
  record: string;
  /** PGB_LOCAL_STATE_DIR of the cue functions and the VMs (launch spec, VM state and logs). */
  compute: string;
  logs: string;
  /** The push front's per-function delivery logs (`<function stub>.jsonl`). */
  deliveries: string;
  /** Downloaded outputs: SALT2 plots, the night summary. */
  outputs: string;
}

export function instancePaths(runDir: string, stack: string): InstancePaths {
  const root = join(runDir, stack);
  return {
    root,
    record: join(root, "instance.json"),
    compute: join(root, "compute"),
    logs: join(root, "logs"),
    deliveries: join(root, "deliveries"),
    outputs: join(root, "outputs"),
  };
}
