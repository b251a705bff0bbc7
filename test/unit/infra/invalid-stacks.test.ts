import { describe, expect, it } from "vitest";
import { runStack } from "./harness.js";

/** Each stack fails in config parsing, before any resource is registered. */
describe("invalid stacks fail before anything is created", () => {
  it.each([
    [
      "ztf-abcdefghijklmnopqrstuv",
      /service account id name "ztf-cons-abcdefghijklmnopqrstuv".*longest testid that fits is 21/,
    ],
    ["ztf-my-test", /invalid stack name "ztf-my-test".*got 3/],
    ["foo-mytestid", /unknown survey "foo": must be one of ztf, lsst, decat, elasticc/],
    ["ztf-False", /the production stack is `ztf`/],
    ["ztf-MyTest", /invalid testid "MyTest"/],
  ])(
    "%s",
    async (stack, message) => {
      await expect(runStack(stack)).rejects.toThrow(message);
    },
    60_000,
  );

  it("rejects config that contradicts the stack name", async () => {
    await expect(runStack("ztf-mytestid", { "broker:testid": "other" })).rejects.toThrow(
      /broker:testid is "other" but stack "ztf-mytestid" has testid "mytestid"/,
    );
  });

  it("requires the project number instead of looking it up", async () => {
    await expect(runStack("ztf-mytestid", { "broker:projectNumber": "my-proj" })).rejects.toThrow(
      /invalid project number "my-proj"/,
    );
  });
});
