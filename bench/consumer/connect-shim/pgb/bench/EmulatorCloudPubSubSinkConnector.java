package pgb.bench;

import com.google.pubsub.kafka.sink.CloudPubSubSinkConnector;
import org.apache.kafka.connect.connector.Task;

/**
 * Google's CloudPubSubSinkConnector, unchanged except that its tasks reach the Pub/Sub emulator:
 * the connector has no plaintext option (cps.endpoint always gets TLS and Google credentials), so
 * the benchmark hands each task a publisher on a plaintext channel through the task's own
 * test constructor. Everything the task does with records (put, flush, futures) is Google's code.
 */
public class EmulatorCloudPubSubSinkConnector extends CloudPubSubSinkConnector {
  @Override
  public Class<? extends Task> taskClass() {
    return EmulatorCloudPubSubSinkTask.class;
  }
}
