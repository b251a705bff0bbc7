import { describe, expect, it } from "vitest";
import { BadInputError, decodeAlertMessage } from "@pgb/function-runtime";
import { readData } from "@pgb/test-data";

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

  it("turns an LSST packet whose schema id is not bundled into bad input naming id and version", () => {
    const data = Buffer.from(readData("lsst/alerts/confluent_wire_v9.0/7912941781254298.avro"));
    data.writeUInt32BE(1102, 1);
    expect(() => decodeAlertMessage(message(data), "lsst")).toThrowError(
      expect.objectContaining({
        name: "BadInputError",
        reason: "unknown-schema-version",
        message: expect.stringMatching(
          /^message 42: schema id 1102 is lsst v11_2 .*bundled: v7_0 \(700\), .*v11_1 \(1101\)/,
        ) as string,
      }) as Error,
    );
  });
});
