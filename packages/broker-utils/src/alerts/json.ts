/**
 * JSON of derived messages (docs/streams.md, docs/spec/broker.md §7) and CLI output. Every Avro `long` (a bigint in memory:
 * candid, diaSourceId, objectidps1…) is written as a JSON **integer with every digit**, as
 * Pitt-Google's JSON streams carry them and Python's `json` reads them exactly; ints and floats stay
 * numbers, NaN and ±Infinity become null, bytes become base64. `parseJsonExact` reads such text back
 * without loss: JSON.parse would round an integer beyond 2^53 to the nearest double.
 */

function writeList(items: string[], open: string, close: string, pad: string, indent: string) {
  if (items.length === 0) return open + close;
  if (indent === "") return open + items.join(",") + close;
  const inner = pad + indent;
  return `${open}\n${inner}${items.join(`,\n${inner}`)}\n${pad}${close}`;
}

function write(value: unknown, indent: string, pad: string): string {
  switch (typeof value) {
    case "bigint":
      return value.toString();
    case "number":
      return Number.isFinite(value) ? JSON.stringify(value) : "null";
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      if (value instanceof Uint8Array) {
        const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
        return JSON.stringify(bytes.toString("base64"));
      }
      const deeper = pad + indent;
      if (Array.isArray(value)) {
        return writeList(
          value.map((item) => write(item, indent, deeper)),
          "[",
          "]",
          pad,
          indent,
        );
      }
      const colon = indent === "" ? ":" : ": ";
      const members = Object.entries(value)
        .filter(([, item]) => item !== undefined)
        .map(([key, item]) => JSON.stringify(key) + colon + write(item, indent, deeper));
      return writeList(members, "{", "}", pad, indent);
    }
    default:
      return "null";
  }
}

/** JSON text of `value`: bigints as integers with every digit; `indent` spaces per level. */
export function toJsonString(value: unknown, indent?: number): string {
  return write(value, " ".repeat(indent ?? 0), "");
}

/** Thrown for text that is not JSON; the message names the input and the offset. */
export class JsonParseError extends Error {
  override name = "JsonParseError";
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
// the token only; JSON.parse then checks its escapes and control characters
const STRING = /"(?:[^"\\]|\\.)*"/y;
const LITERAL = /true|false|null/y;
const SPACE = /[ \t\n\r]*/y;

/** A recursive-descent reader; numbers are the only thing JSON.parse would get wrong. */
class ExactReader {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly input: string,
  ) {}

  document(): unknown {
    const value = this.value();
    this.space();
    if (this.pos !== this.text.length) this.fail("text after the JSON value");
    return value;
  }

  private fail(what: string): never {
    throw new JsonParseError(`${this.input}: not JSON at offset ${this.pos}: ${what}`);
  }

  private space(): void {
    SPACE.lastIndex = this.pos;
    SPACE.test(this.text);
    this.pos = SPACE.lastIndex;
  }

  private match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.pos;
    const found = pattern.exec(this.text);
    if (found === null) return undefined;
    this.pos = pattern.lastIndex;
    return found[0];
  }

  private value(): unknown {
    this.space();
    const c = this.text[this.pos];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    const literal = this.match(LITERAL);
    if (literal !== undefined) return literal === "null" ? null : literal === "true";
    const number = this.match(NUMBER) ?? this.fail("expected a value");
    const asNumber = Number(number);
    // an integer a double cannot hold exactly stays exact as a bigint
    return /^-?\d+$/.test(number) && !Number.isSafeInteger(asNumber) ? BigInt(number) : asNumber;
  }

  private string(): string {
    const at = this.pos;
    const token = this.match(STRING) ?? this.fail("expected a string");
    try {
      return JSON.parse(token) as string;
    } catch {
      this.pos = at;
      return this.fail("a bad string");
    }
  }

  private expect(char: string): void {
    this.space();
    if (this.text[this.pos] !== char) this.fail(`expected ${JSON.stringify(char)}`);
    this.pos++;
  }

  /** Moves past `close` when it comes next. */
  private closes(close: string): boolean {
    this.space();
    if (this.text[this.pos] !== close) return false;
    this.pos++;
    return true;
  }

  private array(): unknown[] {
    this.pos++;
    const out: unknown[] = [];
    if (this.closes("]")) return out;
    for (;;) {
      out.push(this.value());
      if (this.closes("]")) return out;
      this.expect(",");
    }
  }

  private object(): Record<string, unknown> {
    this.pos++;
    const out: Record<string, unknown> = {};
    if (this.closes("}")) return out;
    for (;;) {
      this.space();
      const key = this.string();
      this.expect(":");
      // defineProperty: a "__proto__" key is data, as JSON.parse makes it
      Object.defineProperty(out, key, {
        value: this.value(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      if (this.closes("}")) return out;
      this.expect(",");
    }
  }
}

/**
 * JSON.parse without loss: an integer beyond ±(2^53 − 1) becomes a bigint with every digit; other
 * numbers are numbers. `input` names the text in errors (a message, a file).
 */
export function parseJsonExact(text: string, input = "JSON text"): unknown {
  return new ExactReader(text, input).document();
}
