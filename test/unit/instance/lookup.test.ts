import { describe, expect, it } from "vitest";
import {
  idColumnsOnlySchemas,
  instanceModel,
  modelBucket,
  modelFunction,
  modelTable,
  modelTopic,
  modelVm,
} from "@pgb/broker-utils/instance";
import { BUCKET, FUNCTION, TABLE, TOPIC, VM, type TopicStub } from "@pgb/broker-utils/naming";

const model = instanceModel({
  survey: "ztf",
  testid: "mytestid",
  project: "my-proj",
  region: "us-central1",
  tableSchemas: idColumnsOnlySchemas,
});

describe("keyed lookups on the instance model", () => {
  it("find each kind of resource by its stub", () => {
    expect(modelTopic(model, TOPIC.alerts).name).toBe("ztf-alerts-mytestid");
    expect(modelBucket(model, BUCKET.sncosmo).name).toBe("my-proj-ztf-sncosmo-mytestid");
    expect(modelTable(model, TABLE.salt2).name).toBe("salt2");
    expect(modelFunction(model, FUNCTION.bqSink).name).toBe("ztf-bq-sink-mytestid");
    expect(modelVm(model, VM.consumer).name).toBe("ztf-consumer-mytestid");
  });

  it("name the instance and what it has when a stub is missing", () => {
    expect(() => modelTopic(model, "nope" as TopicStub)).toThrow(
      /instance ztf-mytestid has no topic nope \(it has .*alerts/,
    );
  });
});
