import { describe, expect, it } from "vitest";
import {
  alertAttributesOf,
  isStorageNotification,
  notificationMetadata,
} from "@pgb/broker-utils/gcp";
import { notificationMessage } from "@pgb/local";

const METADATA = { objectId: "ZTF18a", sourceId: "2695378462115010012", "kafka.offset": "7" };

describe("Cloud Storage notifications", () => {
  it("tells a notification from an alert message by its eventType and objectId attributes", () => {
    const m = notificationMessage("b", "t/o/1.avro", { metadata: METADATA });
    expect(isStorageNotification(m.attributes)).toBe(true);
    expect(isStorageNotification({ objectId: "ZTF18a", candid: "1" })).toBe(false);
    expect(isStorageNotification({ eventType: "OBJECT_FINALIZE" })).toBe(false);
  });

  it("reads the object's metadata from a JSON_API_V1 payload, {} when it has none", () => {
    const m = notificationMessage("b", "t/o/1.avro", { metadata: METADATA });
    expect(notificationMetadata(m.data)).toEqual(METADATA);
    expect(notificationMetadata(notificationMessage("b", "t/o/2.avro").data)).toEqual({});
    expect(notificationMetadata(Buffer.from("not json"))).toBeUndefined();
    expect(notificationMetadata(Buffer.from("[1]"))).toBeUndefined();
  });

  it("gives the alert's attributes: a message's own, or the metadata of the notified object", () => {
    const m = notificationMessage("b", "t/o/1.avro", { metadata: METADATA });
    // the notification's objectId attribute is the object name, never the alert's id
    expect(alertAttributesOf(m.attributes, m.data)).toEqual(METADATA);
    const own = { objectId: "ZTF18a", candid: "2695378462115010012" };
    expect(alertAttributesOf(own, Buffer.from("avro bytes"))).toEqual(own);
  });
});
