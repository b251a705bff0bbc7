import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fixZtfSchema } from "@pgb/broker-utils/avro";
import type { UploadOptions, UploadResult } from "@pgb/broker-utils/gcp";
import { createUploadHandler } from "../../../functions/upload-bytes-to-bucket/src/handler.js";
import { reencodedAlert } from "../../fixtures/alerts/reencoded.js";
import { readData } from "@pgb/test-data";
import { KAFKA, serve, type Harness } from "./harness.js";

const V33_AS_WRITTEN = "ztf/alerts/v3.3/472263571115115000.avro";
const V402 = "ztf/alerts/v4.02/2695378462115010012.avro";
const SPARK =
  "ztf/alerts/fink_spark_v4.02/part-00000-0b960f60-420c-4175-b2cc-ff6b135bfece-c000.avro";
const LSST_WIRE = "lsst/alerts/confluent_wire_v9.0/7912941781254298.avro";

interface Stored {
  bytes: Buffer;
  options: UploadOptions;
}

/** A fake bucket with Cloud Storage's ifGenerationMatch=0 semantics, and a switch for outages. */
function fakeBucket() {
  const objects = new Map<string, Stored>();
  const state = { failWith: undefined as unknown };
  const upload = async (name: string, bytes: Buffer, options: UploadOptions) => {
    if (state.failWith !== undefined) throw state.failWith;
    if (objects.has(name)) return { status: "duplicate", generation: undefined } as UploadResult;
    objects.set(name, { bytes, options });
    return { status: "written", generation: "1" } as UploadResult;
  };
  return { objects, state, upload };
}

const ztf = fakeBucket();
const lsst = fakeBucket();
let ztfFn: Harness;
let lsstFn: Harness;

beforeAll(async () => {
  ztfFn = await serve(
    "uploadZtf",
    "upload_bytes_to_bucket",
    createUploadHandler({ survey: "ztf", upload: ztf.upload }),
  );
  lsstFn = await serve(
    "uploadLsst",
    "upload_bytes_to_bucket",
    createUploadHandler({ survey: "lsst", upload: lsst.upload }),
  );
});

afterAll(async () => {
  await ztfFn.close();
  await lsstFn.close();
});

beforeEach(() => {
  for (const b of [ztf, lsst]) {
    b.objects.clear();
    b.state.failWith = undefined;
  }
  ztfFn.reset();
  lsstFn.reset();
});

const ok = (status: number) => expect(status >= 200 && status < 300, `HTTP ${status}`).toBe(true);

describe("upload-bytes-to-bucket through the functions framework", () => {
  it("stores a ZTF 3.3 alert re-encoded with the schema fix, under topic/objectId/candid.avro", async () => {
    const bytes = readData(V33_AS_WRITTEN);
    ok(await ztfFn.push(bytes));
    const name = "ztf_20231012_programid1/ZTF17aaajnnn/472263571115115000.avro";
    expect([...ztf.objects.keys()]).toEqual([name]);
    const stored = ztf.objects.get(name)!;
    const fixed = fixZtfSchema(bytes);
    expect(fixed.outcome).toBe("reencoded");
    expect(stored.bytes.equals(fixed.bytes)).toBe(true);
    expect(stored.bytes.equals(bytes)).toBe(false);
    expect(stored.options.contentType).toBe("application/avro");
    expect(stored.options.metadata).toEqual({
      objectId: "ZTF17aaajnnn",
      sourceId: "472263571115115000",
      schemaVersion: "3.3",
      ra: expect.stringMatching(/^\d+\.\d+$/),
      dec: expect.stringMatching(/^-?\d+\.\d+$/),
      ...KAFKA,
    });
    expect(ztfFn.deadLetters).toEqual([]);
  });

  it("stores a 4.02 alert byte for byte, with an exact 64-bit sourceId", async () => {
    const bytes = readData(V402);
    ok(await ztfFn.push(bytes));
    const stored = ztf.objects.get(
      "ztf_20231012_programid1/ZTF18abudxnw/2695378462115010012.avro",
    )!;
    expect(stored.bytes.equals(bytes)).toBe(true);
    expect(stored.options.metadata).toMatchObject({
      sourceId: "2695378462115010012",
      schemaVersion: "4.02",
    });
  });

  it("keeps an alert of unknown ZTF schema version as it is, with the spec's WARNING", async () => {
    const bytes = readData(SPARK);
    ok(await ztfFn.push(bytes));
    const [stored] = [...ztf.objects.values()];
    expect(stored!.bytes.equals(bytes)).toBe(true);
    expect(ztfFn.logs).toContainEqual(
      expect.objectContaining({
        severity: "WARNING",
        message: "unknown ZTF schema version (none): original schema retained",
      }),
    );
  });

  it("acknowledges a redelivered alert as a duplicate (INFO, counted), never overwriting it", async () => {
    const bytes = readData(V402);
    ok(await ztfFn.push(bytes));
    const first = ztf.objects.get("ztf_20231012_programid1/ZTF18abudxnw/2695378462115010012.avro");
    ok(await ztfFn.push(bytes));
    ok(await ztfFn.push(bytes));
    expect(ztf.objects.size).toBe(1);
    expect(ztf.objects.get("ztf_20231012_programid1/ZTF18abudxnw/2695378462115010012.avro")).toBe(
      first,
    );
    const duplicates = ztfFn.logs.filter((l) => l["outcome"] === "duplicate");
    expect(duplicates.map((l) => [l["severity"], l["message"], l["duplicates"]])).toEqual([
      ["INFO", "duplicate ztf_20231012_programid1/ZTF18abudxnw/2695378462115010012.avro", 1],
      ["INFO", "duplicate ztf_20231012_programid1/ZTF18abudxnw/2695378462115010012.avro", 2],
    ]);
    expect(ztfFn.deadLetters).toEqual([]);
  });

  it("uses no_topic when the message has no kafka.topic", async () => {
    ok(await ztfFn.push(readData(V402), {}));
    expect([...ztf.objects.keys()]).toEqual(["no_topic/ZTF18abudxnw/2695378462115010012.avro"]);
    expect(
      ztf.objects.get("no_topic/ZTF18abudxnw/2695378462115010012.avro")!.options.metadata,
    ).not.toHaveProperty("kafka.topic");
  });

  it("stores an LSST wire-format alert unchanged, with its wire schema version", async () => {
    const bytes = readData(LSST_WIRE);
    ok(await lsstFn.push(bytes, { "kafka.topic": "lsst-alerts-v9" }));
    const [[name, stored]] = [...lsst.objects.entries()] as [[string, Stored]];
    expect(name).toBe("lsst-alerts-v9/7912941781254298/7912941781254298.avro");
    expect(stored.bytes.equals(bytes)).toBe(true);
    expect(stored.options.metadata).toMatchObject({ schemaVersion: "v9_0" });
  });

  it("dead-letters bytes that are not an alert, naming the reason, and acknowledges them", async () => {
    ok(await ztfFn.push(Buffer.from("not avro at all"), KAFKA, "77"));
    expect(ztf.objects.size).toBe(0);
    expect(ztfFn.deadLetters).toHaveLength(1);
    expect(ztfFn.deadLetters[0]!.data.toString()).toBe("not avro at all");
    expect(ztfFn.deadLetters[0]!.attributes).toMatchObject({
      ...KAFKA,
      "pgb.stage": "upload_bytes_to_bucket",
      "pgb.reason": "unknown-format",
      "pgb.messageId": "77",
      "pgb.error": expect.stringContaining("message 77: not an Avro container file"),
    });
  });

  it("dead-letters an objectId that would break the object layout", async () => {
    const bytes = reencodedAlert(V402, (record) => {
      record["objectId"] = "ZTF18/../x";
    });
    ok(await ztfFn.push(bytes));
    expect(ztf.objects.size).toBe(0);
    expect(ztfFn.deadLetters[0]!.attributes["pgb.reason"]).toBe("invalid-object-name");
  });

  it("fails the delivery on a Cloud Storage outage, so Pub/Sub retries it", async () => {
    ztf.state.failWith = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    expect(await ztfFn.push(readData(V402))).toBe(500);
    expect(ztfFn.deadLetters).toEqual([]);
    expect(ztfFn.logs.map((l) => l["severity"])).toEqual(["WARNING"]);
    ztf.state.failWith = undefined;
    ok(await ztfFn.push(readData(V402)));
    expect(ztf.objects.size).toBe(1);
  });
});
