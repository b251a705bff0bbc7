/**
 * Avro Object Container Files (Avro spec, "Object Container Files"), read synchronously: a ZTF
 * Kafka value is a whole container holding one alert, and avsc's streaming BlockDecoder re-parses
 * the embedded schema per message (~10× slower, notes-toolchain §5). Codecs: null and deflate.
 */
import { createHash } from "node:crypto";
import { inflateRawSync } from "node:zlib";
import { AvroDecodeError } from "./errors.js";
import { asBuffer, cachedSchema, type AvroSchema } from "./schema.js";
import { encodeSafeLong, readSafeLong, type Cursor } from "./varint.js";

const MAGIC = Buffer.from("Obj\x01", "latin1");
const SYNC_SIZE = 16;

export interface ContainerHeader {
  /** The writer schema's text, as embedded. */
  readonly schemaText: string;
  readonly codec: string;
  /** Every metadata entry (avro.schema, avro.codec and any others, e.g. Spark's version). */
  readonly meta: ReadonlyMap<string, Buffer>;
  readonly sync: Buffer;
  /** Offset of the first block. */
  readonly end: number;
}

export interface DecodedContainer {
  readonly header: ContainerHeader;
  readonly schema: AvroSchema;
  readonly records: unknown[];
}

export function isContainer(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && asBuffer(bytes).subarray(0, MAGIC.length).equals(MAGIC);
}

/** A count, size or length of the container format. */
function readLong(cursor: Cursor, input: string, what: string): number {
  let value: number | undefined;
  try {
    value = readSafeLong(cursor);
  } catch (err) {
    throw new AvroDecodeError("corrupt", input, `${what}: ${(err as Error).message}`);
  }
  if (value === undefined)
    throw new AvroDecodeError("truncated", input, `bytes end inside ${what}`);
  return value;
}

function readLength(cursor: Cursor, input: string, what: string): number {
  const length = readLong(cursor, input, what);
  if (length < 0 || cursor.pos + length > cursor.bytes.length) {
    throw new AvroDecodeError("truncated", input, `bytes end inside ${what}`);
  }
  return length;
}

export function readContainerHeader(bytes: Uint8Array, input: string): ContainerHeader {
  const buf = asBuffer(bytes);
  if (!isContainer(buf)) {
    throw new AvroDecodeError(
      "not-a-container",
      input,
      "not an Avro Object Container File (does not start with Obj\\x01); " +
        "if it is a Confluent wire-format message or a bare datum, decode it as one",
    );
  }
  const cursor: Cursor = { bytes: buf, pos: MAGIC.length };
  const meta = new Map<string, Buffer>();
  for (;;) {
    let count = readLong(cursor, input, "the header metadata");
    if (count === 0) break;
    // A negative count is followed by the block's byte size (Avro spec, maps).
    if (count < 0) {
      count = -count;
      readLong(cursor, input, "the header metadata");
    }
    for (let i = 0; i < count; i++) {
      const keyLength = readLength(cursor, input, "a header metadata key");
      const key = buf.toString("utf8", cursor.pos, cursor.pos + keyLength);
      cursor.pos += keyLength;
      const valueLength = readLength(cursor, input, `header metadata ${key}`);
      meta.set(key, buf.subarray(cursor.pos, cursor.pos + valueLength));
      cursor.pos += valueLength;
    }
  }
  if (cursor.pos + SYNC_SIZE > buf.length) {
    throw new AvroDecodeError("truncated", input, "bytes end inside the header sync marker");
  }
  const schemaBytes = meta.get("avro.schema");
  if (!schemaBytes) {
    throw new AvroDecodeError("invalid-schema", input, "container header has no avro.schema");
  }
  return {
    schemaText: schemaBytes.toString("utf8"),
    codec: meta.get("avro.codec")?.toString("utf8") ?? "null",
    meta,
    sync: buf.subarray(cursor.pos, cursor.pos + SYNC_SIZE),
    end: cursor.pos + SYNC_SIZE,
  };
}

interface Block {
  readonly count: number;
  readonly data: Buffer;
}

function readBlocks(buf: Buffer, header: ContainerHeader, input: string): Block[] {
  if (header.codec !== "null" && header.codec !== "deflate") {
    throw new AvroDecodeError(
      "unsupported-codec",
      input,
      `container codec ${header.codec} is not supported (null, deflate are); re-encode it with one of them`,
    );
  }
  const blocks: Block[] = [];
  const cursor: Cursor = { bytes: buf, pos: header.end };
  while (cursor.pos < buf.length) {
    const count = readLong(cursor, input, `block ${blocks.length + 1}`);
    const size = readLength(cursor, input, `block ${blocks.length + 1}`);
    const raw = buf.subarray(cursor.pos, cursor.pos + size);
    cursor.pos += size;
    if (cursor.pos + SYNC_SIZE > buf.length) {
      throw new AvroDecodeError("truncated", input, `bytes end inside block ${blocks.length + 1}`);
    }
    if (!buf.subarray(cursor.pos, cursor.pos + SYNC_SIZE).equals(header.sync)) {
      throw new AvroDecodeError(
        "corrupt",
        input,
        `block ${blocks.length + 1} does not end with the header's sync marker`,
      );
    }
    cursor.pos += SYNC_SIZE;
    blocks.push({ count, data: header.codec === "deflate" ? inflateRawSync(raw) : raw });
  }
  return blocks;
}

/**
 * The one record's bytes of a container holding a single block of a single record, its framing
 * checked down to the final sync marker; undefined for any other container or a broken one.
 */
export function singleRecordData(bytes: Uint8Array, header: ContainerHeader): Buffer | undefined {
  try {
    const blocks = readBlocks(asBuffer(bytes), header, "container");
    return blocks.length === 1 && blocks[0]!.count === 1 ? blocks[0]!.data : undefined;
  } catch {
    return undefined;
  }
}

function writerSchema(header: ContainerHeader, input: string): AvroSchema {
  try {
    return cachedSchema(header.schemaText);
  } catch (err) {
    throw new AvroDecodeError(
      "invalid-schema",
      input,
      `embedded writer schema is not valid Avro: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

function decodeBlock(block: Block, schema: AvroSchema, input: string, into: unknown[]): void {
  let offset = 0;
  for (let i = 0; i < block.count; i++) {
    let decoded: { value: unknown; offset: number };
    try {
      decoded = schema.type.decode(block.data, offset);
    } catch (err) {
      throw new AvroDecodeError(
        "corrupt",
        input,
        `record ${into.length + 1} does not match the writer schema: ${(err as Error).message}`,
        { cause: err },
      );
    }
    if (decoded.offset < 0) {
      throw new AvroDecodeError("truncated", input, `bytes end inside record ${into.length + 1}`);
    }
    offset = decoded.offset;
    into.push(decoded.value);
  }
  if (offset !== block.data.length) {
    throw new AvroDecodeError(
      "corrupt",
      input,
      `a block holds ${block.data.length - offset} bytes more than its ${block.count} records`,
    );
  }
}

function decode(
  bytes: Uint8Array,
  input: string,
  checkCount: (count: number) => void,
): DecodedContainer {
  const buf = asBuffer(bytes);
  const header = readContainerHeader(buf, input);
  const blocks = readBlocks(buf, header, input);
  checkCount(blocks.reduce((sum, block) => sum + block.count, 0));
  const schema = writerSchema(header, input);
  const records: unknown[] = [];
  for (const block of blocks) decodeBlock(block, schema, input, records);
  return { header, schema, records };
}

/** Every record of a container (e.g. a multi-alert file for the simulator). */
export function decodeContainer(bytes: Uint8Array, input = "container"): DecodedContainer {
  return decode(bytes, input, () => {});
}

/**
 * The one record of a single-record container (a ZTF alert). 0 or several records is a
 * `record-count` error: a multi-alert file must be read with decodeContainer.
 */
export function decodeSingleRecordContainer(
  bytes: Uint8Array,
  input = "container",
): DecodedContainer & { record: unknown } {
  const decoded = decode(bytes, input, (count) => {
    if (count !== 1) {
      throw new AvroDecodeError(
        "record-count",
        input,
        `container holds ${count} records, expected exactly 1 alert; ` +
          "read a multi-record file with decodeContainer and handle each record",
      );
    }
  });
  return { ...decoded, record: decoded.records[0] };
}

function encodeBytes(value: Buffer): Buffer {
  return Buffer.concat([encodeSafeLong(value.length), value]);
}

/**
 * A container with the given schema text (written verbatim into the header) and records, codec
 * null, one block. The sync marker is derived from the content, so equal input gives equal bytes.
 */
export function encodeContainer(
  schemaText: string,
  schema: AvroSchema,
  records: readonly unknown[],
): Buffer {
  const data = Buffer.concat(records.map((record) => schema.type.toBuffer(record)));
  const sync = createHash("md5").update(schemaText).update(data).digest();
  return Buffer.concat([
    MAGIC,
    encodeSafeLong(2),
    encodeBytes(Buffer.from("avro.schema")),
    encodeBytes(Buffer.from(schemaText, "utf8")),
    encodeBytes(Buffer.from("avro.codec")),
    encodeBytes(Buffer.from("null")),
    encodeSafeLong(0),
    sync,
    encodeSafeLong(records.length),
    encodeSafeLong(data.length),
    data,
    sync,
  ]);
}
