import { describe, expect, it } from "vitest";
import { BadInputError, decodeAlertMessage } from "@pgb/broker-utils/runtime";
import { readData } from "../../support/test-data.js";

const message = (data: Buffer) => ({
  data,
  attributes: {},
  messageId: "42",
  publishTime: undefined,
});

describe("decodeAlertMessage", () => {
  it("decodes one alert of the instance's survey", () => {
    const alert = decodeAlertMessage(
      message(readData("ztf/alerts/v4.02/2695378462115010012.avro")),
      "ztf",
    );
    expect([alert.objectId, alert.sourceId]).toEqual(["ZTF18abudxnw", "2695378462115010012"]);
  });

  it.each([
    ["empty", Buffer.alloc(0), /message 42 has no data/],
    ["unknown-format", Buffer.from("not an alert"), /./],
  ])("turns %s input into bad input with the decoder's reason", (reason, data, text) => {
    let error: unknown;
    try {
      decodeAlertMessage(message(data), "ztf");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as BadInputError).reason).toBe(reason);
    expect((error as BadInputError).message).toMatch(text);
  });
});
