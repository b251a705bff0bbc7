/**
 * Avro's zig-zag variable-length integers (Avro spec, "Binary encoding"): 7 bits per byte, low
 * group first, high bit = more bytes follow; zig-zag maps signed to unsigned (0, -1, 1, -2 → 0, 1,
 * 2, 3). Block counts and header lengths are read as numbers; `long` values as bigints.
 */

/** A read position in a buffer, advanced by the readers. */
export interface Cursor {
  readonly bytes: Uint8Array;
  pos: number;
}

/**
 * Reads a long that must fit a JS number exactly (counts, sizes, lengths). Returns undefined when
 * the bytes end first; throws RangeError beyond 2^53.
 */
export function readSafeLong(cursor: Cursor): number | undefined {
  const { bytes } = cursor;
  let unsigned = 0;
  let scale = 1;
  for (let pos = cursor.pos; pos < bytes.length; pos++) {
    const byte = bytes[pos]!;
    unsigned += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      cursor.pos = pos + 1;
      return unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2;
    }
    scale *= 128;
    if (scale > 2 ** 53) throw new RangeError("Avro long exceeds 2^53 where a count was expected");
  }
  return undefined;
}

export function encodeSafeLong(value: number): Buffer {
  return encodeBigIntLong(BigInt(value));
}

/** Decodes the varint bytes of one long (exactly the bytes of that long). */
export function decodeBigIntLong(varint: Uint8Array): bigint {
  // The first 7 bytes carry 49 bits, exact in a double; only the rest needs bigint arithmetic.
  let low = 0;
  let high = 0;
  let scale = 1;
  for (let i = 0; i < varint.length; i++) {
    if (i === 7) scale = 1;
    const group = (varint[i]! & 0x7f) * scale;
    if (i < 7) low += group;
    else high += group;
    scale *= 128;
  }
  if (varint.length <= 7) return BigInt(low % 2 === 0 ? low / 2 : -(low + 1) / 2);
  const unsigned = BigInt.asUintN(64, (BigInt(high) << 49n) | BigInt(low));
  return (unsigned >> 1n) ^ -(unsigned & 1n);
}

export function encodeBigIntLong(value: bigint): Buffer {
  let unsigned = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const out: number[] = [];
  while (unsigned >= 0x80n) {
    out.push(Number(unsigned & 0x7fn) | 0x80);
    unsigned >>= 7n;
  }
  out.push(Number(unsigned));
  return Buffer.from(out);
}
