import * as gcp from "@pulumi/gcp";
import type { SubscriptionSpec, TopicSpec } from "@pgb/broker-utils/instance";
import { protection, seconds, type BuildContext } from "./context.js";
import { serviceUri } from "./functions.js";

export function buildTopics(topics: readonly TopicSpec[], c: BuildContext): void {
  for (const t of topics) {
    c.resolve.topics.set(
      t.name,
      new gcp.pubsub.Topic(
        t.name,
        { project: c.project, name: t.name, labels: c.labels },
        c.opts(),
      ),
    );
  }
}

/** Push, dead-letter and retry settings of a subscription, as the provider spells them. */
function delivery(s: SubscriptionSpec, c: BuildContext): Partial<gcp.pubsub.SubscriptionArgs> {
  const { resolve } = c;
  return {
    ...(s.push === undefined
      ? {}
      : {
          pushConfig: {
            pushEndpoint: serviceUri(resolve.functions.get(s.push.function)),
            oidcToken: {
              serviceAccountEmail: resolve.accounts.get(s.push.oidcServiceAccount).email,
            },
          },
        }),
    ...(s.deadLetter === undefined
      ? {}
      : {
          deadLetterPolicy: {
            deadLetterTopic: resolve.topics.get(s.deadLetter.topic).id,
            maxDeliveryAttempts: s.deadLetter.maxDeliveryAttempts,
          },
        }),
    ...(s.retry === undefined
      ? {}
      : {
          retryPolicy: {
            minimumBackoff: seconds(s.retry.minimumBackoffSeconds),
            maximumBackoff: seconds(s.retry.maximumBackoffSeconds),
          },
        }),
  };
}

export function buildSubscriptions(subs: readonly SubscriptionSpec[], c: BuildContext): void {
  for (const s of subs) {
    c.resolve.subscriptions.set(
      s.name,
      new gcp.pubsub.Subscription(
        s.name,
        {
          project: c.project,
          name: s.name,
          topic: c.resolve.topics.get(s.topic).id,
          labels: c.labels,
          ackDeadlineSeconds: s.ackDeadlineSeconds,
          messageRetentionDuration: seconds(s.messageRetentionSeconds),
          retainAckedMessages: s.retainAckedMessages,
          // An empty ttl = never expire (the default is 31 days without activity).
          expirationPolicy: { ttl: "" },
          ...delivery(s, c),
        },
        c.opts(protection(s.protect)),
      ),
    );
  }
}
