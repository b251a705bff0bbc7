/**
 * A replay's wait gives up, naming the command that starts the consumer, once the consumer has been
 * down for a few seconds with alerts left in Kafka; a kill and restart within the grace is waited out.
 */
import { describe, expect, it } from "vitest";
import {
  CONSUMER_DOWN_MS,
  ConsumerWatch,
  consumerDownMessage,
  nightStartCommand,
} from "../../../local/src/instance/consumer-watch.js";

describe("ConsumerWatch", () => {
  it("gives up once the consumer has been TERMINATED for the grace with alerts left in Kafka", () => {
    const watch = new ConsumerWatch();
    expect(watch.gaveUp("TERMINATED", 32, 0)).toBe(false);
    expect(watch.gaveUp("TERMINATED", 32, CONSUMER_DOWN_MS - 1)).toBe(false);
    expect(watch.gaveUp("TERMINATED", 32, CONSUMER_DOWN_MS)).toBe(true);
  });

  it("waits out a restart shorter than the grace (kill -9, then started again)", () => {
    const watch = new ConsumerWatch(1000);
    expect(watch.gaveUp("TERMINATED", 5, 0)).toBe(false);
    expect(watch.gaveUp("RUNNING", 5, 800)).toBe(false);
    expect(watch.gaveUp("TERMINATED", 5, 900)).toBe(false);
    expect(watch.gaveUp("STAGING", 5, 1800)).toBe(false);
    expect(watch.gaveUp("STAGING", 5, 1900)).toBe(true);
  });

  it("never gives up when nothing is left in Kafka (the consumer stopped after committing all)", () => {
    const watch = new ConsumerWatch(1000);
    for (let t = 0; t <= 10_000; t += 500) expect(watch.gaveUp("TERMINATED", 0, t)).toBe(false);
  });
});

describe("the message", () => {
  it("names the VM, its state, the topic and the command, with the flags of a non-default instance", () => {
    expect(nightStartCommand("ztf", "local")).toBe("npx pgb local night start");
    expect(nightStartCommand("lsst", "night2")).toBe(
      "npx pgb local night start --survey lsst --testid night2",
    );
    expect(
      consumerDownMessage(
        "ztf-consumer-local",
        "TERMINATED",
        "ztf_20261128_programid1",
        nightStartCommand("ztf", "local"),
      ),
    ).toBe(
      "ztf-consumer-local is TERMINATED, so nothing reads Kafka topic ztf_20261128_programid1 " +
        "(the night ended, or has not started): start it with `npx pgb local night start`, " +
        "which cues START as the scheduler does",
    );
  });
});
