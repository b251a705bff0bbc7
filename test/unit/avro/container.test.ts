import { deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  AvroDecodeError,
  BIGINT_LONG,
  decodeContainer,
  decodeSingleRecordContainer,
  encodeContainer,
  parseAvroSchema,
  readContainerHeader,
} from "@pgb/broker-utils/avro";
import { readData } from "@pgb/test-data";

const ZTF = "ztf/alerts/v4.02/2695378462115010012.avro";
const TEXT = JSON.stringify({
  type: "record",
  name: "pair",
  fields: [
    { name: "id", type: "long" },
    { name: "label", type: ["null", "string"] },
  ],
});
const SCHEMA = parseAvroSchema(JSON.parse(TEXT));

function decodeError(run: () => unknown): AvroDecodeError {
  try {
    run();
  } catch (err) {
    if (err instanceof AvroDecodeError) return err;
    throw err;
  }
  throw new Error("expected an AvroDecodeError");
}

/** The records in one deflate block (as other writers may produce), after encodeContainer's header. */
function deflateContainer(records: { id: bigint; label: string | null }[]): Buffer {
  const plain = encodeContainer(TEXT, SCHEMA, records);
  const header = readContainerHeader(plain, "plain");
  const compressed = deflateRawSync(Buffer.concat(records.map((r) => SCHEMA.type.toBuffer(r))));
  return Buffer.concat([
    rewriteCodec(plain.subarray(0, header.end), "deflate"),
    BIGINT_LONG.toBuffer(BigInt(records.length)),
    BIGINT_LONG.toBuffer(BigInt(compressed.length)),
    compressed,
    header.sync,
  ]);
}

/** A container header with avro.codec set to `codec` (encodeContainer always writes null). */
function rewriteCodec(header: Buffer, codec: string): Buffer {
  const marker = Buffer.from("\x14avro.codec\x08null", "latin1");
  const at = header.indexOf(marker);
  const value = Buffer.concat([Buffer.from([codec.length * 2]), Buffer.from(codec)]);
  return Buffer.concat([header.subarray(0, at + 11), value, header.subarray(at + marker.length)]);
}

describe("Object Container Files", () => {
  it("round-trips records through encodeContainer, with deterministic bytes", () => {
    const records = [
      { id: 1642404680815015001n, label: "a" },
      { id: -5n, label: null },
    ];
    const bytes = encodeContainer(TEXT, SCHEMA, records);
    expect(encodeContainer(TEXT, SCHEMA, records).equals(bytes)).toBe(true);
    const decoded = decodeContainer(bytes, "pair.avro");
    expect(decoded.records).toEqual(records);
    expect(decoded.header.schemaText).toBe(TEXT);
    expect(decoded.header.codec).toBe("null");
  });

  it("reads deflate blocks", () => {
    const records = [{ id: 7n, label: "deflated" }];
    const bytes = deflateContainer(records);
    expect(readContainerHeader(bytes, "d.avro").codec).toBe("deflate");
    expect(decodeContainer(bytes, "d.avro").records).toEqual(records);
  });

  it("names the input and the reason for bytes that are not a container", () => {
    const err = decodeError(() => decodeContainer(Buffer.from("hello world"), "msg-17"));
    expect(err.reason).toBe("not-a-container");
    expect(err.message).toMatch(/^msg-17: not an Avro Object Container File/);
  });

  it("reports truncation in the header and in a block", () => {
    const bytes = readData(ZTF);
    expect(decodeError(() => decodeContainer(bytes.subarray(0, 100), ZTF)).reason).toBe(
      "truncated",
    );
    const cut = decodeError(() => decodeContainer(bytes.subarray(0, bytes.length - 20), ZTF));
    expect(cut.reason).toBe("truncated");
    expect(cut.message).toContain(ZTF);
  });

  it("reports a count beyond 2^53 as corrupt", () => {
    const plain = encodeContainer(TEXT, SCHEMA, [{ id: 1n, label: null }]);
    const header = readContainerHeader(plain, "x");
    const huge = Buffer.concat([
      plain.subarray(0, header.end),
      Buffer.alloc(10, 0xff),
      Buffer.from([1]),
    ]);
    expect(decodeError(() => decodeContainer(huge, "huge.avro"))).toMatchObject({
      reason: "corrupt",
      message: "huge.avro: block 1: Avro long exceeds 2^53 where a count was expected",
    });
  });

  it("reports a block that does not end with the sync marker as corrupt", () => {
    const bytes = Buffer.from(readData(ZTF));
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    expect(decodeError(() => decodeContainer(bytes, ZTF))).toMatchObject({ reason: "corrupt" });
  });

  it("reports a codec it cannot read and a container with no record", () => {
    const plain = encodeContainer(TEXT, SCHEMA, [{ id: 1n, label: null }]);
    const header = readContainerHeader(plain, "x");
    const snappy = Buffer.concat([
      rewriteCodec(plain.subarray(0, header.end), "snappy"),
      plain.subarray(header.end),
    ]);
    expect(decodeError(() => decodeContainer(snappy, "s.avro"))).toMatchObject({
      reason: "unsupported-codec",
      message: expect.stringMatching(/^s\.avro: container codec snappy is not supported/) as string,
    });
    const empty = encodeContainer(TEXT, SCHEMA, []);
    expect(decodeContainer(empty, "e.avro").records).toEqual([]);
    expect(decodeError(() => decodeSingleRecordContainer(empty, "e.avro"))).toMatchObject({
      reason: "record-count",
      message: expect.stringMatching(/^e\.avro: container holds 0 records/) as string,
    });
  });

  it("reports an embedded schema that is not Avro", () => {
    const bogus = JSON.stringify({
      type: "record",
      name: "x",
      fields: [{ name: "a", type: "nope" }],
    });
    const bytes = Buffer.from(
      encodeContainer(TEXT, SCHEMA, []).toString("latin1").replace(TEXT, bogus.padEnd(TEXT.length)),
      "latin1",
    );
    expect(decodeError(() => decodeContainer(bytes, "bad.avro"))).toMatchObject({
      reason: "invalid-schema",
    });
  });
});
