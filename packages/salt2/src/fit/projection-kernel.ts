/**
 * The dominant cost of a fit (docs/salt2.md, "Speed"): at every phase node a data point needs, both
 * template rows (M0, M1) are projected on one to three node vectors of a band (the value and its
 * derivatives): 2–6 dot products over the band's ~150–200 wavelength nodes. V8 does not vectorise
 * JavaScript loops, so they run here as WebAssembly SIMD: f64x2, the even wavelength nodes in one
 * lane and the odd ones in the other, summed at the end: the sums of two scalar accumulators, to
 * the bit, in half the instructions (bench/salt2 measures the fits). Needs WebAssembly SIMD
 * (Node.js has it since 16.4).
 */
import {
  I32,
  V128,
  op,
  wasmModule,
  webAssembly,
  type WasmApi,
  type WasmFunction,
} from "./wasm-encoder.js";

type DotFunction = (...args: number[]) => void;

const PAGE_BYTES = 65536;

/**
 * `dot<k>(m0, m1, v_1 … v_k, bytes, out)` (byte addresses): lane sums of M0·v_n and M1·v_n over
 * `bytes` (a multiple of 16) from m0, m1 and each v_n; stored at out as k pairs of f64x2
 * (M0·v_1, M1·v_1, M0·v_2, …).
 */
function dotFunction(k: number): WasmFunction {
  const [M0, M1, BYTES, OUT] = [0, 1, 2 + k, 3 + k];
  const [OFFSET, ROW0, ROW1, V] = [4 + k, 5 + k, 6 + k, 7 + k];
  const acc = (n: number, t: number) => 8 + k + 2 * n + t;
  const load = (base: number) => [
    ...op.localGet(base),
    ...op.localGet(OFFSET),
    ...op.i32Add,
    ...op.v128Load(),
  ];
  const accumulate = (n: number, t: number, row: number) => [
    ...op.localGet(acc(n, t)),
    ...op.localGet(row),
    ...op.localGet(V),
    ...op.f64x2Mul,
    ...op.f64x2Add,
    ...op.localSet(acc(n, t)),
  ];
  const vectors = Array.from({ length: k }, (_, n) => n);
  return {
    name: `dot${k}`,
    params: 4 + k,
    locals: [
      { count: 1, type: I32 },
      { count: 3 + 2 * k, type: V128 },
    ],
    body: [
      ...op.block,
      ...op.loop,
      ...op.localGet(OFFSET),
      ...op.localGet(BYTES),
      ...op.i32GeU,
      ...op.brIf(1),
      ...load(M0),
      ...op.localSet(ROW0),
      ...load(M1),
      ...op.localSet(ROW1),
      ...vectors.flatMap((n) => [
        ...load(2 + n),
        ...op.localSet(V),
        ...accumulate(n, 0, ROW0),
        ...accumulate(n, 1, ROW1),
      ]),
      ...op.localGet(OFFSET),
      ...op.i32Const(16),
      ...op.i32Add,
      ...op.localSet(OFFSET),
      ...op.br(0),
      ...op.end,
      ...op.end,
      ...vectors.flatMap((n) =>
        [0, 1].flatMap((t) => [
          ...op.localGet(OUT),
          ...op.localGet(acc(n, t)),
          ...op.v128Store(16 * (2 * n + t)),
        ]),
      ),
    ],
  };
}

let compiled: object | undefined;

function kernelModule(api: WasmApi): object {
  compiled ??= new api.Module(wasmModule(1, [1, 2, 3].map(dotFunction)));
  return compiled;
}

/**
 * One band's template rows and node vectors in a WebAssembly memory of their own, and the dot
 * products of a row with up to three of the vectors.
 */
export class ProjectionKernel {
  readonly #heap: Float64Array;
  readonly #dot1: DotFunction;
  readonly #dot2: DotFunction;
  readonly #dot3: DotFunction;
  readonly #nWave: number;
  readonly #m1: number;
  readonly #vectors: number;
  readonly #out: number;
  readonly #sums = new Float64Array(6);

  /** Copies M0 and M1 (rows of `nWave`); `vectors` node vectors of `nWave` each. */
  constructor(m0: Float64Array, m1: Float64Array, nWave: number, vectors: number) {
    const api = webAssembly();
    this.#nWave = nWave;
    this.#m1 = m0.length;
    this.#vectors = 2 * m0.length;
    this.#out = this.#vectors + vectors * nWave;
    const bytes = 8 * (this.#out + 12);
    const pages = Math.ceil(bytes / PAGE_BYTES);
    // A fixed size: growing would detach the vectors' views.
    const memory = new api.Memory({ initial: pages, maximum: pages });
    const { exports } = new api.Instance(kernelModule(api), { env: { memory } });
    this.#dot1 = exports.dot1 as DotFunction;
    this.#dot2 = exports.dot2 as DotFunction;
    this.#dot3 = exports.dot3 as DotFunction;
    this.#heap = new Float64Array(memory.buffer);
    this.#heap.set(m0, 0);
    this.#heap.set(m1, this.#m1);
  }

  /** Node vector `k` (one value per template wavelength), in the kernel's memory. */
  vector(k: number): Float64Array {
    const start = this.#vectors + k * this.#nWave;
    return this.#heap.subarray(start, start + this.#nWave);
  }

  /**
   * The dot products of template row `i` (M0 and M1) with node vectors `a` (and `b`, `c` when ≥ 0)
   * over wavelength nodes jlo … jhi: [M0·a, M1·a, M0·b, M1·b, M0·c, M1·c], in an array reused by
   * the next call. With an odd node count the last node goes to the even lane.
   */
  dot(i: number, jlo: number, jhi: number, a: number, b = -1, c = -1): Float64Array {
    const row = i * this.#nWave + jlo;
    const count = jhi - jlo + 1;
    const even = count & ~1;
    const va = this.#vector(a, jlo);
    const vb = this.#vector(b, jlo);
    const vc = this.#vector(c, jlo);
    const m0 = 8 * row;
    const m1 = 8 * (this.#m1 + row);
    const out = 8 * this.#out;
    if (c >= 0) this.#dot3(m0, m1, 8 * va, 8 * vb, 8 * vc, 8 * even, out);
    else if (b >= 0) this.#dot2(m0, m1, 8 * va, 8 * vb, 8 * even, out);
    else this.#dot1(m0, m1, 8 * va, 8 * even, out);
    this.#finish(0, row, va, even, count);
    if (b >= 0) this.#finish(1, row, vb, even, count);
    if (c >= 0) this.#finish(2, row, vc, even, count);
    return this.#sums;
  }

  /** Start (in doubles) of node vector k at node jlo. */
  #vector(k: number, jlo: number): number {
    return this.#vectors + k * this.#nWave + jlo;
  }

  /** Vector n's two sums: the lanes, with a last odd node added to the even one first. */
  #finish(n: number, row: number, v: number, even: number, count: number): void {
    const heap = this.#heap;
    for (let t = 0; t < 2; t++) {
      const lane = this.#out + 4 * n + 2 * t;
      let low = heap[lane] as number;
      if (even < count) {
        const template = t === 0 ? row : this.#m1 + row;
        low += (heap[template + even] as number) * (heap[v + even] as number);
      }
      this.#sums[2 * n + t] = low + (heap[lane + 1] as number);
    }
  }
}
