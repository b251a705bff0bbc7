/**
 * The few pieces of the WebAssembly binary format (https://webassembly.github.io/spec/core/binary/)
 * that `projection-kernel` needs to state its SIMD loop as code, so that no compiled artefact lives
 * in the repository: LEB128 integers, a module of i32-parameter functions over one imported memory,
 * and the instructions the kernel uses; and the part of the JavaScript API it calls.
 */

export const I32 = 0x7f;
export const V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  let rest = n >>> 0;
  do {
    const low = rest & 0x7f;
    rest >>>= 7;
    out.push(rest === 0 ? low : low | 0x80);
  } while (rest !== 0);
  return out;
}

/** Signed LEB128 (32-bit). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  let rest = n | 0;
  for (;;) {
    const low = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (low & 0x40) === 0) || (rest === -1 && (low & 0x40) !== 0);
    out.push(done ? low : low | 0x80);
    if (done) return out;
  }
}

const vector = (items: readonly (readonly number[])[]): number[] => [
  ...uleb(items.length),
  ...items.flat(),
];
const utf8 = (s: string): number[] => vector([...new TextEncoder().encode(s)].map((b) => [b]));
const section = (id: number, bytes: readonly number[]): number[] => [
  id,
  ...uleb(bytes.length),
  ...bytes,
];
/** SIMD instructions: prefix 0xfd and a LEB128 opcode. */
const simd = (opcode: number): number[] => [0xfd, ...uleb(opcode)];
/** memarg: 8-byte alignment hint (the kernel's vectors are 8-byte aligned), then a byte offset. */
const memarg = (offset: number): number[] => [3, ...uleb(offset)];

export const op = {
  localGet: (i: number) => [0x20, ...uleb(i)],
  localSet: (i: number) => [0x21, ...uleb(i)],
  i32Const: (n: number) => [0x41, ...sleb(n)],
  i32Add: [0x6a],
  i32GeU: [0x4f],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  v128Load: (offset = 0) => [...simd(0x00), ...memarg(offset)],
  v128Store: (offset = 0) => [...simd(0x0b), ...memarg(offset)],
  v128Zero: [...simd(0x0c), ...new Array<number>(16).fill(0)],
  f64x2Add: simd(240),
  f64x2Mul: simd(242),
} as const;

export interface WasmFunction {
  readonly name: string;
  /** Number of i32 parameters (locals 0 … params − 1). */
  readonly params: number;
  /** Further locals, in runs of one type. */
  readonly locals: readonly { readonly count: number; readonly type: number }[];
  /** Instructions, without the final `end`. */
  readonly body: readonly number[];
}

/** A module importing `env.memory` (at least `pages` of 64 KiB) and exporting `functions` (no results). */
export function wasmModule(
  pages: number,
  functions: readonly WasmFunction[],
): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => [0x60, ...vector(new Array(f.params).fill([I32])), 0x00]);
  const memoryImport = [...utf8("env"), ...utf8("memory"), 0x02, 0x00, ...uleb(pages)];
  const codes = functions.map((f) => {
    const code = [...vector(f.locals.map((l) => [...uleb(l.count), l.type])), ...f.body, ...op.end];
    return [...uleb(code.length), ...code];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector([memoryImport])),
    ...section(3, vector(functions.map((_, i) => uleb(i)))),
    ...section(7, vector(functions.map((f, i) => [...utf8(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vector(codes)),
  ]);
}

/** The part of the WebAssembly JavaScript API used here (this package's types do not include the DOM's). */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
    imports: Record<string, Record<string, unknown>>,
  ) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number }) => { buffer: ArrayBuffer };
}

/** The runtime's WebAssembly, or an error that says what is missing. */
export function webAssembly(): WasmApi {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (api === undefined) {
    throw new Error(
      "@pgb/salt2 needs WebAssembly with SIMD (Node.js ≥ 16.4); this runtime has no WebAssembly",
    );
  }
  return api;
}
