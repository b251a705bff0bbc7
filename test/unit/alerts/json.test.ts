import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseJsonExact, toJsonString } from "@pgb/broker-utils/alerts";

describe("toJsonString (derived messages, docs/streams.md)", () => {
  it("writes longs as JSON integers with every digit, ints and floats as numbers", () => {
    expect(toJsonString({ candid: 1642404680815015001n, fid: 1, magpsf: 18.5 })).toBe(
      '{"candid":1642404680815015001,"fid":1,"magpsf":18.5}',
    );
  });

  it("writes NaN and ±Infinity as null, bytes as base64, drops undefined members, and recurses", () => {
    expect(
      toJsonString({
        a: [Number.NaN, Infinity, -Infinity, { b: Buffer.from("stamp") }],
        c: new Uint8Array([1, 2, 3]),
        d: null,
        e: undefined,
      }),
    ).toBe('{"a":[null,null,null,{"b":"c3RhbXA="}],"c":"AQID","d":null}');
  });

  it("indents as JSON.stringify does", () => {
    const value = { a: [1, { b: "x" }, []], c: {}, d: true };
    expect(toJsonString(value, 2)).toBe(JSON.stringify(value, null, 2));
  });

  it("writes what JSON.stringify writes for values without bigints", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(toJsonString(value)).toBe(JSON.stringify(value));
      }),
    );
  });
});

describe("parseJsonExact", () => {
  it("round-trips any int64 exactly, as a bigint beyond 2^53 and a number within", () => {
    fc.assert(
      fc.property(fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n), (id) => {
        const { id: parsed } = parseJsonExact(toJsonString({ id })) as { id: bigint | number };
        expect(BigInt(parsed)).toBe(id);
        expect(typeof parsed).toBe(Number.isSafeInteger(Number(id)) ? "number" : "bigint");
      }),
    );
  });

  it("reads everything else as JSON.parse does", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, indent) => {
        const text = JSON.stringify(value, null, indent ? 2 : undefined);
        fc.pre(!/\d{16}/.test(text)); // no integer a double cannot hold (those become bigints)
        expect(parseJsonExact(text)).toEqual(JSON.parse(text));
      }),
    );
  });

  it("keeps a __proto__ key as data", () => {
    const parsed = parseJsonExact('{"__proto__": {"x": 1}}') as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
  });

  it.each(["", "{", '"a\u0001b"', '{"a" 1}', "[1,]", "01", '"\\x"', "1 2", "nul"])(
    "refuses %j, naming the input and the offset",
    (text) => {
      expect(() => parseJsonExact(text, "message 7")).toThrow(/^message 7: not JSON at offset \d+/);
    },
  );
});
