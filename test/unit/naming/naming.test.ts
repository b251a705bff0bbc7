import { describe, expect, it } from "vitest";
import {
  InstanceNamer,
  OBJECT_PREFIX,
  alertAvroObject,
  checkName,
  checkStackConfig,
  codeObject,
  codeObjectPrefix,
  instanceNames,
  maxTestidFor,
  maxTestidLength,
  nightSummaryObject,
  parseStack,
  rejectedMessageCoordinates,
  rejectedMessageObject,
  salt2PlotObject,
  schemaMapObject,
  serviceAgentEmails,
  startupScriptObject,
  validateProject,
  validateTestid,
} from "@pgb/broker-utils/naming";

describe("stack names", () => {
  it("parses production and test stacks", () => {
    expect(parseStack("ztf")).toEqual({ survey: "ztf", testid: null });
    expect(parseStack("lsst-mytestid")).toEqual({ survey: "lsst", testid: "mytestid" });
  });

  it.each([
    ["ztf-False", /the production stack is `ztf`/],
    ["ztf-", /"" is not a testid; the production stack is `ztf`/],
    ["ztf-my-test", /expected "<survey>" \(production\) or "<survey>-<testid>".*got 3/],
    ["foo", /unknown survey "foo": must be one of ztf, lsst, decat, elasticc/],
    ["ztf-MyTest", /invalid testid "MyTest": must match \^\[a-z\]\[a-z0-9\]\*\$/],
    ["ztf-my_test", /invalid testid "my_test"/],
    ["", /invalid stack name ""/],
  ])("rejects %j", (stack, message) => {
    expect(() => parseStack(stack)).toThrow(message);
  });

  it("holds every spelling of production as null", () => {
    for (const t of [undefined, null, "", "False"]) expect(validateTestid(t)).toBeNull();
  });

  it("accepts config that repeats the stack and rejects config that contradicts it", () => {
    const parsed = parseStack("ztf-abc");
    expect(() =>
      checkStackConfig("ztf-abc", parsed, { survey: "ztf", testid: "abc" }),
    ).not.toThrow();
    expect(() => checkStackConfig("ztf-abc", parsed, { survey: "lsst" })).toThrow(
      /broker:survey is "lsst"/,
    );
    expect(() => checkStackConfig("ztf", parseStack("ztf"), { testid: "False" })).not.toThrow();
  });
});

describe("project ids", () => {
  it.each(["my-proj", "ardent-cycling-243415", "a".repeat(30)])("accepts %s", (p) => {
    expect(validateProject(p)).toBe(p);
  });
  it.each([
    ["short", /is 5 characters, not 6–30/],
    ["my-google-proj", /contains "google"/],
    ["My-proj", /does not match/],
    ["my-proj-", /does not match/],
    ["a".repeat(31), /is 31 characters/],
  ])("rejects %s", (p, message) => {
    expect(() => validateProject(p)).toThrow(message);
  });
});

describe("derived names (docs/spec/broker.md §2 with S=ztf, T=mytestid, P=my-proj)", () => {
  const n = new InstanceNamer({ survey: "ztf", testid: "mytestid", project: "my-proj" });
  const p = new InstanceNamer({ survey: "ztf", testid: null, project: "my-proj" });

  it("spells every kind as the spec does", () => {
    expect(n.topic("alert_avros")).toBe("ztf-alert_avros-mytestid");
    expect(n.processingSubscription("bq-sink")).toBe("ztf-alert_avros-bq-sink-mytestid");
    expect(n.processingSubscription("check_cue_response")).toBe(
      "ztf-cue_night_conductor-check-cue-response-mytestid",
    );
    expect(n.counterSubscription("alerts")).toBe("ztf-alerts-counter-mytestid");
    expect(n.reservoirSubscription()).toBe("ztf-alerts-reservoir-mytestid");
    expect(n.deadLetterTopic("bq-sink")).toBe("ztf-bq-sink-deadletter-mytestid");
    expect(n.deadLetterReservoir("bq-sink")).toBe("ztf-bq-sink-deadletter-reservoir-mytestid");
    expect(n.bucket("broker_files")).toBe("my-proj-ztf-broker_files-mytestid");
    expect(n.dataset()).toBe("ztf_alerts_mytestid");
    expect(n.table("DIASource")).toBe("DIASource");
    expect(n.function("upload_bytes_to_bucket")).toBe("ztf-upload-bytes-to-bucket-mytestid");
    expect(n.vm("night-conductor")).toBe("ztf-night-conductor-mytestid");
    expect(n.schedulerJob("cue_night_conductor_START")).toBe(
      "ztf-cue_night_conductor_START-mytestid",
    );
    expect(n.serviceAccount("push")).toBe("ztf-push-mytestid");
    expect(n.serviceAccountEmail("up")).toBe("ztf-up-mytestid@my-proj.iam.gserviceaccount.com");
    expect(n.secret("kafka-credentials")).toBe("ztf-kafka-credentials-mytestid");
    expect(n.alertPolicy("cue-critical")).toBe("ztf-cue-critical-mytestid");
    expect(n.kafkaGroupId("pfx-")).toBe("pfx-ztf-consumer-mytestid");
  });

  it("drops the testid in production", () => {
    expect(p.dataset()).toBe("ztf_alerts");
    expect(p.bucket("sncosmo")).toBe("my-proj-ztf-sncosmo");
    expect(p.processingSubscription("value-added")).toBe("ztf-alert_avros-value-added");
    expect(p.serviceAccount("up")).toBe("ztf-up");
  });

  it("derives the service agents from the project number", () => {
    expect(serviceAgentEmails("123456789012")).toEqual({
      pubsub: "service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com",
      cloudScheduler: "service-123456789012@gcp-sa-cloudscheduler.iam.gserviceaccount.com",
    });
    expect(() => serviceAgentEmails("my-proj")).toThrow(/invalid project number "my-proj"/);
  });
});

describe("object names in the buckets (docs/spec/broker.md §3, §4, §6, §8)", () => {
  it("spells every kind as the spec does", () => {
    expect(alertAvroObject("ztf_20261128_programid1", "ZTF18abudxnw", "2695378462115010012")).toBe(
      "ztf_20261128_programid1/ZTF18abudxnw/2695378462115010012.avro",
    );
    expect(alertAvroObject("", "ZTF18abudxnw", "1")).toBe("no_topic/ZTF18abudxnw/1.avro");
    expect(salt2PlotObject("ZTF21abprzfg", "1704377621415015002")).toBe(
      "salt2/plot_lc/ZTF21abprzfg.1704377621415015002.png",
    );
    expect(rejectedMessageObject("t", 0, "18446744073709551615")).toBe(
      "rejected/consumer/t/0-18446744073709551615.bin",
    );
    expect(nightSummaryObject("2026-11-28")).toBe("nights/2026-11-28.json");
    expect(schemaMapObject("lsst")).toBe("schema_maps/lsst.yaml");
    expect(startupScriptObject("night-conductor")).toBe("vm/night-conductor/startup.sh");
    expect(codeObject(codeObjectPrefix("functions/bq-sink"), "ab12")).toBe(
      "functions/bq-sink/ab12.zip",
    );
  });

  it("puts each kind that an IAM condition limits under its prefix", () => {
    expect(rejectedMessageObject("t", 1, "2").startsWith(OBJECT_PREFIX.rejectedConsumer)).toBe(
      true,
    );
    expect(nightSummaryObject("2026-11-28").startsWith(OBJECT_PREFIX.nightSummaries)).toBe(true);
  });

  it("reads the Kafka coordinates back from a rejected message's name, for its topic only", () => {
    const name = rejectedMessageObject("ztf_20261128_programid1", 3, "41");
    expect(rejectedMessageCoordinates("ztf_20261128_programid1", name)).toEqual({
      partition: 3,
      offset: 41,
    });
    expect(rejectedMessageCoordinates("ztf_20261128", name)).toBeUndefined();
    expect(rejectedMessageCoordinates("t", "rejected/consumer/t/3-x.bin")).toBeUndefined();
    expect(rejectedMessageCoordinates("t", "rejected/consumer/t/sub/3-4.bin")).toBeUndefined();
  });
});

describe("length limits", () => {
  it("leaves 21 characters for ztf's testid in my-proj and 15 with a 30-character project", () => {
    expect(maxTestidLength("ztf", "my-proj")).toBe(21);
    expect(maxTestidLength("ztf", "a".repeat(30))).toBe(15);
  });

  it("accepts a testid of exactly the maximum and names the limit one past it", () => {
    expect(() =>
      instanceNames({ survey: "ztf", testid: "a".repeat(21), project: "my-proj" }),
    ).not.toThrow();
    expect(() =>
      instanceNames({ survey: "ztf", testid: "a".repeat(22), project: "my-proj" }),
    ).toThrow(
      'service account id name "ztf-cons-aaaaaaaaaaaaaaaaaaaaaa" (stub "cons") is 31 characters, over the ' +
        "limit of 30 (6–30 characters matching ^[a-z]([-a-z0-9]*[a-z0-9])$); the longest testid that fits is 21 characters",
    );
  });

  it("blames broker_files, the longest bucket, with a 30-character project", () => {
    expect(() =>
      instanceNames({ survey: "ztf", testid: "a".repeat(16), project: "b".repeat(30) }),
    ).toThrow(
      /bucket name "b{30}-ztf-broker_files-a{16}" \(stub "broker_files"\) is 64 characters.*longest testid that fits is 15/,
    );
  });

  it("says survey or project too long when no testid would fit", () => {
    expect(() =>
      checkName("bucket", "broker_files", `${"p".repeat(50)}-ztf-broker_files`, null),
    ).toThrow(
      /is 67 characters, over the limit of 63 .*; survey or project too long: no testid fits/,
    );
    expect(maxTestidFor("serviceAccount", "ztf-cons-abc", "abc")).toBe(21);
    expect(maxTestidFor("serviceAccount", "ztf-cons", null)).toBe(21);
  });

  it("rejects bucket names starting with goog", () => {
    expect(() =>
      new InstanceNamer({ survey: "ztf", project: "goog-proj" }).bucket("sncosmo"),
    ).toThrow(/must not start with "goog"/);
  });
});
