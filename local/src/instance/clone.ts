/**
 * Distinct copies of real alerts for load and fault runs: an alert re-encoded with a new object id
 * and source id, everything else (light curve, cutouts, schema) unchanged, in the alert's own format
 * (an Avro container with its writer schema text, or Confluent wire format with its schema id), so
 * the broker treats each copy as a new detection of a new object.
 *
 * Ids stay valid for their type: a source id (ZTF candid, LSST diaSourceId) and an integer object id
 * (LSST diaObjectId) become 64-bit integers in a range real ids do not reach here
 * (8·10¹⁸ + seed·10⁶ + index, 7·10¹⁸ + … for object ids; below 2⁶³ − 1); a ZTF objectId keeps its
 * `ZTF<yy>` prefix and gets seven letters from the seed and index. The seed (≤ 10¹² − 1) separates
 * runs, the index (< 10⁶) the copies of one run.
 */
import {
  encodeContainer,
  encodeWireMessage,
  isContainer,
  readContainerHeader,
  wireSchemaId,
} from "@pgb/broker-utils/avro";
import { Alert } from "@pgb/broker-utils/alerts";
import type { Survey } from "@pgb/broker-utils/schema-maps";

export const MAX_CLONE_INDEX = 1_000_000;
export const MAX_CLONE_SEED = 1_000_000_000_000;
const SOURCE_ID_BASE = 8_000_000_000_000_000_000n;
const OBJECT_ID_BASE = 7_000_000_000_000_000_000n;
const LETTERS = 26 ** 7;

export interface ClonedAlert {
  bytes: Buffer;
  objectId: string;
  sourceId: string;
}

/** A field of the decoded record that holds one of the alert's ids. */
interface Slot {
  parent: Record<string, unknown>;
  key: string;
}

function leaf(path: readonly string[]): string {
  const last = path[path.length - 1];
  if (last === undefined) throw new Error("empty id path in the schema map");
  return last;
}

/**
 * Every field named `name` whose value is `value`, at any depth: ZTF repeats the candid in
 * `candidate`, LSST the diaSourceId at the top and the diaObjectId in every source of the object.
 */
function findSlots(node: unknown, name: string, value: unknown, out: Slot[]): Slot[] {
  if (Array.isArray(node)) {
    for (const item of node) findSlots(item, name, value, out);
  } else if (typeof node === "object" && node !== null && !Buffer.isBuffer(node)) {
    const record = node as Record<string, unknown>;
    for (const [key, child] of Object.entries(record)) {
      if (key === name && child === value) out.push({ parent: record, key });
      else findSlots(child, name, value, out);
    }
  }
  return out;
}

function checkNumber(what: string, value: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value >= max) {
    throw new RangeError(`clone ${what} ${value} must be a whole number from 0 to ${max - 1}`);
  }
}

/** `ZTF<yy>` + seven lowercase letters, ZTF's object-name pattern. */
function ztfObjectId(original: string, n: number): string {
  const year = /^ZTF(\d\d)/.exec(original)?.[1] ?? "99";
  let rest = n % LETTERS;
  let letters = "";
  for (let i = 0; i < 7; i += 1) {
    letters = String.fromCharCode(97 + (rest % 26)) + letters;
    rest = Math.floor(rest / 26);
  }
  return `ZTF${year}${letters}`;
}

/**
 * Decodes one alert once; `clone(index)` writes the new ids into the decoded record and encodes it,
 * so a burst of copies costs one encode each.
 */
export class AlertCloner {
  private readonly alert: Alert;
  private readonly encode: (record: unknown) => Buffer;
  private readonly objectSlots: Slot[];
  private readonly sourceSlots: Slot[];
  private readonly objectIdIsInteger: boolean;

  constructor(
    bytes: Buffer,
    readonly survey: Survey,
    input = "alert",
  ) {
    this.alert = Alert.fromBytes(bytes, { survey, input });
    const { record, schema, schemaMap } = this.alert;
    if (isContainer(bytes)) {
      const { schemaText } = readContainerHeader(bytes, input);
      // the writer schema text is kept verbatim (ZTF's header version lives in it)
      this.encode = (r) => encodeContainer(schemaText, schema, [r]);
    } else {
      const schemaId = wireSchemaId(bytes, input);
      this.encode = (r) => encodeWireMessage(r, schema, schemaId);
    }
    const fields = schemaMap.fields;
    const objectId = schemaMap.objectId(record);
    // an LSST solar-system alert has no diaObject: its object id is the ssObjectId
    const objectPath = schemaMap.objectIdPathOf(record);
    this.objectSlots = findSlots(record, leaf(objectPath), objectId, []);
    this.sourceSlots = findSlots(record, leaf(fields.sourceIdPath), schemaMap.sourceId(record), []);
    this.objectIdIsInteger = typeof objectId === "bigint";
    if (this.objectSlots.length === 0 || this.sourceSlots.length === 0) {
      throw new Error(`${input}: no object or source id field to rewrite`);
    }
  }

  get objectId(): string {
    return this.alert.objectId;
  }

  get sourceId(): string {
    return this.alert.sourceId;
  }

  clone(index: number, seed: number): ClonedAlert {
    checkNumber("index", index, MAX_CLONE_INDEX);
    checkNumber("seed", seed, MAX_CLONE_SEED);
    const serial = BigInt(seed) * BigInt(MAX_CLONE_INDEX) + BigInt(index);
    const sourceId = SOURCE_ID_BASE + serial;
    const objectId: string | bigint = this.objectIdIsInteger
      ? OBJECT_ID_BASE + serial
      : ztfObjectId(this.alert.objectId, (seed % LETTERS) + index);
    for (const slot of this.sourceSlots) slot.parent[slot.key] = sourceId;
    for (const slot of this.objectSlots) slot.parent[slot.key] = objectId;
    return {
      bytes: this.encode(this.alert.record),
      objectId: String(objectId),
      sourceId: sourceId.toString(),
    };
  }
}
