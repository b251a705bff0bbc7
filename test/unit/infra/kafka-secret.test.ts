/** With Kafka credentials in the (secret) stack config, they reach Secret Manager and nothing else. */
import { beforeAll, describe, expect, it } from "vitest";
import { ofType, runStack, startupScriptOf, T, type Run } from "./harness.js";

const PASSWORD = "pw-only-in-the-secret";
const CREDENTIALS = JSON.stringify({ username: "broker", password: PASSWORD });

describe("Kafka credentials set in the stack config", () => {
  let run: Run;
  beforeAll(async () => {
    run = await runStack(
      "ztf-mytestid",
      {
        "broker:kafkaCredentials": CREDENTIALS,
        "broker:kafkaSecurityProtocol": "SASL_SSL",
        "broker:kafkaSaslMechanism": "SCRAM-SHA-512",
      },
      ["broker:kafkaCredentials"],
    );
  }, 120_000);

  it("stores them, as a Pulumi secret, in a version of the instance's secret", () => {
    const [version, ...more] = ofType(run, "gcp:secretmanager/secretVersion:SecretVersion");
    expect(more).toEqual([]);
    expect(version?.inputs).toMatchObject({
      secret: "projects/my-proj/secrets/ztf-kafka-credentials-mytestid",
      // wrapped as a Pulumi secret (the engine's secret signature): encrypted in the state
      secretData: {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        value: CREDENTIALS,
      },
    });
  });

  it("puts the password in no other resource: VM metadata, startup scripts, function env", async () => {
    const others = run.resources.filter(
      (r) => r.type !== "gcp:secretmanager/secretVersion:SecretVersion" && r.type !== T.object,
    );
    expect(JSON.stringify(others.map((r) => r.inputs))).not.toContain(PASSWORD);
    for (const vm of ["consumer", "night-conductor"]) {
      expect(await startupScriptOf(run, vm)).not.toContain(PASSWORD);
    }
    // the consumer is told to use SASL and where the secret is, not what it holds
    expect(await startupScriptOf(run, "consumer")).toContain(
      "'--setenv=KAFKA_CREDENTIALS_SECRET=ztf-kafka-credentials-mytestid'",
    );
  });
});
