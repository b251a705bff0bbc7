/**
 * A deploy must not drop the run-time metadata keys (NIGHT, KAFKA_TOPIC) the cue function and the
 * night conductor write: Pulumi's update of a VM's metadata replaces the whole map, so the program
 * sets only metadata that never changes, and a changed config or program changes the startup
 * script object instead.
 */
import { describe, expect, it } from "vitest";
import { named, runStack, startupScriptOf, T } from "./harness.js";

describe("VM metadata across deploys", () => {
  it("stays the same when the config changes; the startup script carries the change", async () => {
    const before = await runStack("ztf-mytestid");
    const after = await runStack("ztf-mytestid", {
      "broker:logLevel": "DEBUG",
      "broker:kafkaBootstrapServers": "kafka.example.org:9092",
      "broker:nodeVersion": "22.13.0",
    });
    for (const vm of ["consumer", "night-conductor"]) {
      const name = `ztf-${vm}-mytestid`;
      expect(named(after, T.vm, name).inputs["metadata"]).toEqual(
        named(before, T.vm, name).inputs["metadata"],
      );
      expect(await startupScriptOf(after, vm)).not.toEqual(await startupScriptOf(before, vm));
    }
    expect(await startupScriptOf(after, "consumer")).toContain(
      "'--setenv=KAFKA_BOOTSTRAP_SERVERS=kafka.example.org:9092'",
    );
  }, 120_000);
});
