import { describe, expect, it } from "vitest";
import { BadInputError, readStoredAlert, type StoredAlert } from "@pgb/function-runtime";
import { memoryBucket, notificationMessage } from "@pgb/local";
import { readData } from "@pgb/test-data";

const V402 = "ztf/alerts/v4.02/2695378462115010012.avro";
const METADATA = {
  objectId: "ZTF18abudxnw",
  sourceId: "2695378462115010012",
  "kafka.topic": "ztf_20231012_programid1",
  "kafka.timestamp": "1697148000123",
};

async function badInput(promise: Promise<unknown>): Promise<BadInputError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(BadInputError);
  return error as BadInputError;
}

describe("readStoredAlert", () => {
  it("reads the object of the notification's generation; its metadata become the alert's attributes", async () => {
    const bucket = memoryBucket();
    const m = bucket.store(
      "ztf_20231012_programid1/ZTF18abudxnw/2695378462115010012.avro",
      readData(V402),
      METADATA,
    );
    const stored = (await readStoredAlert(m, "ztf", bucket)) as StoredAlert;
    expect(bucket.reads).toEqual([
      `${m.attributes["objectId"]}#${m.attributes["objectGeneration"]}`,
    ]);
    expect(stored.object).toBe(m.attributes["objectId"]);
    // 64-bit ids exact
    expect([stored.alert.objectId, stored.alert.sourceId]).toEqual([
      "ZTF18abudxnw",
      "2695378462115010012",
    ]);
    expect(stored.alert.sourceIdBigInt).toBe(2695378462115010012n);
    expect(stored.alert.derivedAttributes()).toMatchObject({
      "kafka.topic": "ztf_20231012_programid1",
      "kafka.timestamp": "1697148000123",
      candid: "2695378462115010012",
    });
  });

  it.each(["OBJECT_METADATA_UPDATE", "OBJECT_DELETE", "OBJECT_ARCHIVE"])(
    "ignores %s, reading nothing",
    async (eventType) => {
      const bucket = memoryBucket();
      const m = notificationMessage(bucket.bucket, "t/o/1.avro", { eventType });
      expect(await readStoredAlert(m, "ztf", bucket)).toEqual({
        ignored: `${eventType} of gs://${bucket.bucket}/t/o/1.avro`,
      });
      expect(bucket.reads).toEqual([]);
    },
  );

  it("refuses a message that is no notification: an alert pushed as before", async () => {
    const bucket = memoryBucket();
    const m = {
      data: readData(V402),
      attributes: METADATA,
      messageId: "7",
      publishTime: undefined,
    };
    const err = await badInput(readStoredAlert(m, "ztf", bucket));
    expect(err.reason).toBe("not-a-notification");
    expect(err.message).toMatch(
      /^message 7 is not a Cloud Storage notification .* the alerts topic/,
    );
  });

  it("refuses a notification of another bucket, and one whose data is not JSON", async () => {
    const bucket = memoryBucket();
    const other = notificationMessage("someone-elses", "t/o/1.avro");
    const wrong = await badInput(readStoredAlert(other, "ztf", bucket));
    expect(wrong.reason).toBe("wrong-bucket");
    expect(wrong.message).toContain(
      `announces gs://someone-elses/t/o/1.avro, not an object of ${bucket.bucket}`,
    );
    const m = { ...notificationMessage(bucket.bucket, "t/o/1.avro"), data: Buffer.from("none") };
    expect((await badInput(readStoredAlert(m, "ztf", bucket))).reason).toBe("invalid-notification");
    expect(bucket.reads).toEqual([]);
  });

  it("dead-letters a notification whose object is gone (or of another generation)", async () => {
    const bucket = memoryBucket();
    const gone = notificationMessage(bucket.bucket, "t/o/gone.avro", { generation: "12" });
    const err = await badInput(readStoredAlert(gone, "ztf", bucket));
    expect(err.reason).toBe("object-missing");
    expect(err.message).toContain(
      `announces gs://${bucket.bucket}/t/o/gone.avro#12, which does not exist`,
    );
    const m = bucket.store("t/o/2.avro", readData(V402));
    const stale = { ...m, attributes: { ...m.attributes, objectGeneration: "1" } };
    expect((await badInput(readStoredAlert(stale, "ztf", bucket))).reason).toBe("object-missing");
  });

  it("gives a stored file that is not one alert the decoder's reason, naming the object", async () => {
    const bucket = memoryBucket();
    const empty = await badInput(
      readStoredAlert(bucket.store("t/o/e.avro", Buffer.alloc(0)), "ztf", bucket),
    );
    expect(empty.reason).toBe("empty");
    expect(empty.message).toMatch(
      new RegExp(`^gs://${bucket.bucket}/t/o/e\\.avro#\\d+ \\(message n\\d+\\) has no data`),
    );
    const corrupt = bucket.store("t/o/c.avro", readData(V402).subarray(0, 5000));
    expect((await badInput(readStoredAlert(corrupt, "ztf", bucket))).reason).toBe("truncated");
  });

  it("rethrows a failing read, for Pub/Sub to retry", async () => {
    const bucket = memoryBucket();
    const outage = Object.assign(new Error("backend error"), { code: 503 });
    const failing = { ...bucket, download: () => Promise.reject(outage) };
    await expect(
      readStoredAlert(bucket.store("t/o/1.avro", readData(V402)), "ztf", failing),
    ).rejects.toBe(outage);
  });
});
