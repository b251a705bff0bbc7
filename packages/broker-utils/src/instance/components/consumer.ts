/**
 * The consumer component: the VM that reads the survey's Kafka stream and publishes each alert to
 * the `alerts` topic, the topic with its reservoir, and the Kafka credentials' secret.
 */
import { SECRET, TOPIC, VM } from "../../naming/catalogue.js";
import { ENV } from "../env.js";
import { accountMember, granter, on } from "../iam.js";
import { kafkaLagMetric } from "../monitoring.js";
import { DAY, DEFAULTS, type PlanContext } from "./context.js";
import { mergeSlices, type ModelSlice } from "./slice.js";
import { planVm } from "./vm.js";

function consumerEnv(ctx: PlanContext): Record<string, string> {
  const { n, kafka } = ctx;
  return {
    [ENV.alertsTopic]: n.topic(TOPIC.alerts),
    [ENV.kafkaSecurityProtocol]: kafka.securityProtocol ?? DEFAULTS.kafkaSecurityProtocol,
    // Unset rather than empty: the consumer then refuses to start, naming the missing variable.
    ...(kafka.bootstrapServers ? { [ENV.kafkaBootstrapServers]: kafka.bootstrapServers } : {}),
    ...(kafka.saslMechanism ? { [ENV.kafkaSaslMechanism]: kafka.saslMechanism } : {}),
    [ENV.kafkaCredentialsSecret]: n.secret(SECRET.kafka),
    [ENV.kafkaGroupId]: n.kafkaGroupId(kafka.groupIdPrefix),
    ...(kafka.topicSyntax ? { [ENV.kafkaTopicSyntax]: kafka.topicSyntax } : {}),
    ...(kafka.client ? { [ENV.kafkaClient]: kafka.client } : {}),
  };
}

export function planConsumer(ctx: PlanContext): ModelSlice {
  const { n, production } = ctx;
  const alerts = n.topic(TOPIC.alerts);
  const secret = n.secret(SECRET.kafka);
  const grant = granter("consumer");
  const cons = accountMember(n, "cons");
  return mergeSlices(planVm(ctx, VM.consumer, consumerEnv(ctx)), {
    topics: [{ stub: TOPIC.alerts, name: alerts, component: "consumer" }],
    subscriptions: [
      {
        stub: `${TOPIC.alerts}-reservoir`,
        name: n.reservoirSubscription(),
        component: "consumer",
        purpose: "reservoir",
        topic: alerts,
        ackDeadlineSeconds: 60,
        messageRetentionSeconds: 7 * DAY,
        retainAckedMessages: false,
        neverExpires: true,
        protect: production,
      },
    ],
    secrets: [{ stub: SECRET.kafka, name: secret, component: "consumer", protect: production }],
    logMetrics: [kafkaLagMetric(n)],
    iam: [
      grant(cons, "roles/pubsub.publisher", on.topic(alerts), "publishes the survey's alerts"),
      grant(
        cons,
        "roles/secretmanager.secretAccessor",
        on.secret(secret),
        "reads the Kafka credentials",
      ),
    ],
  });
}
