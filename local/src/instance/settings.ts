/**
 * What another command needs to reach a local instance without `pgb local env` loaded: its stack,
 * its project and the environment of its servers, read from the record `pgb local up` writes (and
 * `pgb local down` removes), so a record means the instance is up. `pgb deadletter` uses it when it
 * is given no --stack or --project.
 */
import { parseStack } from "@pgb/broker-utils/naming";
import { serviceEnv } from "../services/index.js";
import { LocalInstance } from "./instance.js";

export interface LocalInstanceSettings {
  stack: string;
  project: string;
  /** PUBSUB_EMULATOR_HOST and the other servers' variables, METADATA_SERVER_DETECTION=none. */
  env: Record<string, string>;
}

/** The settings of the local instance `stack` (default: the default one); undefined when it is not up. */
export async function localInstanceSettings(
  stack?: string,
  runDir?: string,
): Promise<LocalInstanceSettings | undefined> {
  const which = stack === undefined ? undefined : parseStack(stack);
  // a production stack (no testid) is never a local instance
  if (which?.testid === null) return undefined;
  const record = await LocalInstance.readRecord({
    ...(which === undefined ? {} : { survey: which.survey, testid: which.testid }),
    ...(runDir === undefined ? {} : { runDir }),
  });
  if (record === undefined) return undefined;
  return { stack: record.stack, project: record.project, env: serviceEnv(record.endpoints) };
}
