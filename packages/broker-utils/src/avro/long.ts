import avro from "avsc";
import { decodeBigIntLong, encodeBigIntLong } from "./varint.js";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function isInt64(value: unknown): value is bigint {
  return typeof value === "bigint" && value >= INT64_MIN && value <= INT64_MAX;
}

/** Accepts what a schema default or a JSON document may hold for a long: integer, digit string, bigint. */
function bigIntFromJson(value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if ((typeof value === "number" && Number.isSafeInteger(value)) || typeof value === "string") {
    return BigInt(value);
  }
  throw new TypeError(`not an Avro long: ${String(value)}`);
}

/**
 * The Avro `long` as a JS bigint. avsc's default long is a number and throws beyond 2^53, and ZTF
 * candids (~1.6e18) are beyond it. `noUnpack` hands over the raw varint bytes, which decode to a
 * bigint without the 8-byte buffer avsc would otherwise build per value.
 */
export const BIGINT_LONG = avro.types.LongType.__with(
  {
    fromBuffer: (varint: Buffer) => decodeBigIntLong(varint),
    toBuffer: (value: bigint) => encodeBigIntLong(value),
    fromJSON: bigIntFromJson,
    // A string, so that avsc's clone (fromJSON(toJSON(v))) stays exact.
    toJSON: (value: bigint) => value.toString(),
    isValid: isInt64,
    compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
  },
  true,
);
