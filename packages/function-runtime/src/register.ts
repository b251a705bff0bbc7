/**
 * The lifecycle every broker function shares: registered with the functions framework under the
 * instance model's entry point; built at the first event (so importing the module — the framework
 * loading it, a test — needs no environment); its environment read through the model's contract;
 * bad input dead-lettered to its own topic. A function supplies only its handler's ports.
 */
import type { PubSub } from "@google-cloud/pubsub";
import { createPublisher, pubsubClient } from "@pgb/broker-utils/gcp";
import { ENV, FUNCTION_ENTRY_POINT, readEnv, type ProgramEnv } from "@pgb/broker-utils/instance";
import { createLogger } from "@pgb/broker-utils/log";
import type { FunctionStub } from "@pgb/broker-utils/naming";
import { isSurvey, type Survey } from "@pgb/broker-utils/schema-maps";
import { createCloudEventHandler, type Handler } from "./adapter.js";
import type { PubSubCloudEvent } from "./message.js";

export interface BrokerFunctionContext<P extends FunctionStub> {
  env: ProgramEnv<P>;
  project: string;
  /** The instance's survey (one with a schema map). */
  survey: Survey;
  /** The Pub/Sub client of the function (its dead letters use it too). */
  pubsub: PubSub;
}

/** `ff.cloudEvent` of @google-cloud/functions-framework, which this package does not depend on. */
export type CloudEventRegistrar = (
  name: string,
  fn: (event: PubSubCloudEvent) => Promise<void>,
) => void;

export function registerBrokerFunction<P extends FunctionStub>(
  register: CloudEventRegistrar,
  stub: P,
  makeHandler: (context: BrokerFunctionContext<P>) => Handler,
): void {
  const log = createLogger();
  const build = () => {
    const env = readEnv(stub);
    // every program's env has these two (PROGRAM_ENV); a generic P cannot show it to the compiler
    const common = env as Record<string, string>;
    const project = common[ENV.project] ?? "";
    const survey = common[ENV.survey] ?? "";
    if (!isSurvey(survey)) {
      throw new Error(
        `${ENV.survey}=${survey} has no schema map; the instance model sets a known survey`,
      );
    }
    const pubsub = pubsubClient(project);
    const deadLetter = createPublisher(pubsub, common[ENV.deadLetterTopic] ?? "");
    return createCloudEventHandler(makeHandler({ env, project, survey, pubsub }), {
      stage: stub,
      log,
      deadLetter: (data, attributes) => deadLetter.publish(data, attributes),
    });
  };
  let adapter: ReturnType<typeof build> | undefined;
  register(FUNCTION_ENTRY_POINT[stub], async (event) => {
    try {
      adapter ??= build();
    } catch (err) {
      // a misconfigured deployment: every delivery fails (and is retried) until it is fixed
      log.error(`${stub} cannot start: ${(err as Error).message}`, { stage: stub });
      throw err;
    }
    await adapter(event);
  });
}
