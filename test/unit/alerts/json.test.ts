import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toJsonSafe, toJsonString } from "@pgb/broker-utils/alerts";

describe("toJsonSafe (derived messages, spec §7)", () => {
  it("writes longs as decimal strings, keeps ints and floats as numbers", () => {
    expect(toJsonSafe({ candid: 1642404680815015001n, fid: 1, magpsf: 18.5 })).toEqual({
      candid: "1642404680815015001",
      fid: 1,
      magpsf: 18.5,
    });
  });

  it("writes NaN and ±Infinity as null, bytes as base64, and recurses", () => {
    expect(
      toJsonSafe({
        a: [Number.NaN, Infinity, -Infinity, { b: Buffer.from("stamp") }],
        c: new Uint8Array([1, 2, 3]),
        d: null,
        e: undefined,
      }),
    ).toEqual({ a: [null, null, null, { b: "c3RhbXA=" }], c: "AQID", d: null });
  });

  it("round-trips any int64 through JSON text exactly", () => {
    fc.assert(
      fc.property(fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n), (id) => {
        const parsed = JSON.parse(toJsonString({ id })) as { id: string };
        expect(BigInt(parsed.id)).toBe(id);
      }),
    );
  });
});
