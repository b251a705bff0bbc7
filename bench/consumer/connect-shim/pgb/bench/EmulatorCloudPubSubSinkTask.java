package pgb.bench;

import com.google.api.gax.batching.BatchingSettings;
import com.google.api.gax.batching.FlowControlSettings;
import com.google.api.gax.batching.FlowController;
import com.google.api.gax.core.FixedExecutorProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.pubsub.kafka.common.ConnectorUtils;
import com.google.pubsub.kafka.sink.CloudPubSubSinkTask;
import com.google.pubsub.v1.ProjectTopicName;
import io.grpc.ManagedChannelBuilder;
import org.threeten.bp.Duration;

/**
 * CloudPubSubSinkTask with the publisher its createPublisher() would build from the connector's
 * defaults (batches of 100 messages / 9.5 MB / 100 ms, the same retry settings), on a plaintext
 * channel to PUBSUB_EMULATOR_HOST without credentials. The task is made without its properties,
 * so project, topic and the flow-control limits (the consumer's: 1000 messages, 100 MB) come from
 * the environment.
 */
public class EmulatorCloudPubSubSinkTask extends CloudPubSubSinkTask {
  public EmulatorCloudPubSubSinkTask() {
    super(publisher());
  }

  private static String env(String name) {
    String value = System.getenv(name);
    if (value == null || value.isEmpty()) {
      throw new IllegalStateException(name + " is not set (the benchmark sets it)");
    }
    return value;
  }

  private static Publisher publisher() {
    try {
      BatchingSettings batching =
          BatchingSettings.newBuilder()
              .setDelayThreshold(Duration.ofMillis(100))
              .setElementCountThreshold(100L)
              .setRequestByteThreshold(9_500_000L)
              .setFlowControlSettings(
                  FlowControlSettings.newBuilder()
                      .setMaxOutstandingElementCount(Long.parseLong(env("BENCH_MAX_OUTSTANDING_MESSAGES")))
                      .setMaxOutstandingRequestBytes(Long.parseLong(env("BENCH_MAX_OUTSTANDING_BYTES")))
                      .setLimitExceededBehavior(FlowController.LimitExceededBehavior.Block)
                      .build())
              .build();
      RetrySettings retry =
          RetrySettings.newBuilder()
              .setTotalTimeout(Duration.ofMillis(60_000))
              .setMaxRpcTimeout(Duration.ofMillis(10_000))
              .setInitialRetryDelay(Duration.ofMillis(5))
              .setRetryDelayMultiplier(2)
              .setMaxRetryDelay(Duration.ofMillis(Long.MAX_VALUE))
              .setInitialRpcTimeout(Duration.ofSeconds(10))
              .setRpcTimeoutMultiplier(2)
              .build();
      return Publisher.newBuilder(ProjectTopicName.of(env("BENCH_CPS_PROJECT"), env("BENCH_CPS_TOPIC")))
          .setChannelProvider(
              FixedTransportChannelProvider.create(
                  GrpcTransportChannel.create(
                      ManagedChannelBuilder.forTarget(env("PUBSUB_EMULATOR_HOST")).usePlaintext().build())))
          .setCredentialsProvider(NoCredentialsProvider.create())
          .setBatchingSettings(batching)
          .setRetrySettings(retry)
          .setExecutorProvider(FixedExecutorProvider.create(ConnectorUtils.getSystemExecutor()))
          .build();
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot build the emulator publisher", e);
    }
  }
}
