import avro from "avsc";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BIGINT_LONG,
  decodeSingleRecordContainer,
  encodeContainer,
  parseAvroSchema,
} from "@pgb/broker-utils/avro";

const INT64 = fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n);

const ids = parseAvroSchema({
  type: "record",
  name: "ids",
  fields: [
    { name: "candid", type: "long" },
    { name: "maybe", type: ["null", "long"] },
    { name: "stamp", type: { type: "long", logicalType: "timestamp-micros" } },
    { name: "many", type: { type: "array", items: "long" } },
    { name: "small", type: "int" },
  ],
});

describe("Avro long as bigint", () => {
  it("decodes every long to the exact bigint and encodes it back (whole int64 range)", () => {
    fc.assert(
      fc.property(
        INT64,
        fc.option(INT64),
        INT64,
        fc.array(INT64, { maxLength: 4 }),
        (candid, maybe, stamp, many) => {
          const record = { candid, maybe, stamp, many, small: 7 };
          const bytes = ids.type.toBuffer(record);
          expect(ids.type.fromBuffer(bytes)).toEqual(record);
        },
      ),
    );
  });

  it("writes the Avro spec's zig-zag varints", () => {
    const vectors: [bigint, string][] = [
      [0n, "00"],
      [-1n, "01"],
      [1n, "02"],
      [-64n, "7f"],
      [64n, "8001"],
      [2n ** 63n - 1n, "feffffffffffffffff01"],
      [-(2n ** 63n), "ffffffffffffffffff01"],
    ];
    for (const [value, hex] of vectors) {
      expect(BIGINT_LONG.toBuffer(value).toString("hex")).toBe(hex);
      expect(BIGINT_LONG.fromBuffer(Buffer.from(hex, "hex"))).toBe(value);
    }
  });

  it("writes the same bytes as avsc's number long where that one is exact (|n| < 2^52)", () => {
    // avsc doubles n before encoding, which rounds beyond 2^52: one more reason for bigints
    const plain = avro.Type.forSchema("long");
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 52) + 1, max: 2 ** 52 - 1 }), (n) => {
        const ours = BIGINT_LONG.toBuffer(BigInt(n));
        expect(ours.equals(plain.toBuffer(n))).toBe(true);
        expect(BIGINT_LONG.fromBuffer(ours)).toBe(BigInt(n));
      }),
    );
  });

  it("keeps ZTF candids beyond 2^53 exact through a container (1642404680815015001)", () => {
    const candid = 1642404680815015001n;
    expect(BigInt(Number(candid))).not.toBe(candid); // a JS number cannot hold it
    const text = JSON.stringify({
      type: "record",
      name: "a",
      fields: [{ name: "candid", type: "long" }],
    });
    const schema = parseAvroSchema(JSON.parse(text));
    const { record } = decodeSingleRecordContainer(encodeContainer(text, schema, [{ candid }]));
    expect((record as { candid: bigint }).candid).toBe(candid);
  });

  it("keeps int as a JS number and rejects a number where a long belongs", () => {
    expect(
      ids.type.fromBuffer(
        ids.type.toBuffer({ candid: 1n, maybe: null, stamp: 2n, many: [], small: 3 }),
      ),
    ).toMatchObject({ small: 3 });
    expect(() =>
      ids.type.toBuffer({ candid: 1, maybe: null, stamp: 2n, many: [], small: 3 }),
    ).toThrow(/invalid/);
  });
});
