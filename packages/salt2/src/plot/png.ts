/**
 * PNG encoding of an 8-bit RGBA image, each row filtered with "Up" (the difference to the row
 * above, mostly zeros in a plot) and deflated with zlib: a third of the CPU of resvg's own encoder
 * for a two-band plot, and a smaller file.
 */
import { constants, crc32, deflateSync } from "node:zlib";

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const FILTER_UP = 2;
/** zlib level: 1 costs 15 % less than 3 for a file 4 % larger; 4 and above take twice the time. */
const LEVEL = 1;

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** `rgba` as 32-bit words (copied only when its offset is not a multiple of 4). */
function wordsOf(rgba: Uint8Array): Uint32Array {
  const aligned = rgba.byteOffset % 4 === 0 ? rgba : rgba.slice();
  return new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.length / 4);
}

/**
 * Working memory kept between calls: a plot's 5 MB of fresh pages cost more to fault in than the
 * filter costs to compute. (Encoding is synchronous, so one call uses it at a time.)
 */
let scratch = { diff: new Uint32Array(0), out: new Uint8Array(0) };

function scratchFor(words: number, bytes: number): typeof scratch {
  if (scratch.diff.length < words || scratch.out.length < bytes) {
    scratch = { diff: new Uint32Array(words), out: new Uint8Array(bytes) };
  }
  return scratch;
}

/**
 * The scanlines: a filter byte, then the row's RGBA bytes; the first row unfiltered, the others
 * minus the row above, byte by byte mod 256, four bytes per 32-bit operation (SWAR: the high bits
 * are set aside so that no borrow crosses a byte). Most pixels equal the one above.
 */
function scanlines(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const words = wordsOf(rgba);
  const rowBytes = width * 4;
  const { diff, out } = scratchFor(words.length, (rowBytes + 1) * height);
  diff.set(words.subarray(0, width));
  for (let i = width; i < words.length; i++) {
    const a = words[i]!;
    const b = words[i - width]!;
    diff[i] = a === b ? 0 : ((a | 0x80808080) - (b & 0x7f7f7f7f)) ^ ((a ^ ~b) & 0x80808080);
  }
  const bytes = new Uint8Array(diff.buffer);
  for (let y = 0; y < height; y++) {
    out[y * (rowBytes + 1)] = y === 0 ? 0 : FILTER_UP;
    out.set(bytes.subarray(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1);
  }
  return out.subarray(0, (rowBytes + 1) * height);
}

/** A PNG of `rgba` (width × height × 4 bytes, straight alpha). */
export function encodePng(rgba: Uint8Array, width: number, height: number): Uint8Array {
  if (rgba.length !== width * height * 4) {
    throw new Error(
      `encodePng: ${rgba.length} bytes is not ${width} × ${height} RGBA pixels; pass the renderer's pixels with its width and height`,
    );
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, adaptive filters, no interlace
  const data = deflateSync(scanlines(rgba, width, height), {
    level: LEVEL,
    strategy: constants.Z_DEFAULT_STRATEGY,
  });
  return Buffer.concat([
    SIGNATURE,
    chunk("IHDR", header),
    chunk("IDAT", data),
    chunk("IEND", new Uint8Array(0)),
  ]);
}
