import { describe, expect, it } from "vitest";
import { httpStatus, isTransientError } from "@pgb/broker-utils/gcp";

describe("transient error classification", () => {
  it.each([
    [{ code: 429 }, true],
    [{ code: 503 }, true],
    [{ response: { status: 500 } }, true],
    [{ code: 14, details: "UNAVAILABLE" }, true],
    [{ code: 8 }, true],
    [{ code: "ECONNREFUSED" }, true],
    [{ message: "wrapped", cause: { code: "ECONNRESET" } }, true],
    [{ code: 400 }, false],
    [{ code: 412 }, false],
    [{ code: 3, details: "INVALID_ARGUMENT" }, false],
    [new Error("bad avro"), false],
    ["string", false],
    [null, false],
  ])("%j → %s", (err, transient) => {
    expect(isTransientError(err)).toBe(transient);
  });

  it("reads the HTTP status from code or response", () => {
    expect(httpStatus({ code: 412 })).toBe(412);
    expect(httpStatus({ response: { status: 404 } })).toBe(404);
    expect(httpStatus({ code: 14 })).toBeUndefined();
  });
});
