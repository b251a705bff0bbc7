/**
 * The WebAssembly SIMD kernel of the band projections (packages/salt2/src/fit/projection-kernel.ts)
 * and the binary encoder it is written with (wasm-encoder.ts). The kernel must give, to the bit, two
 * scalar accumulators' sums (even and odd wavelength nodes, a last odd node in the even one), which
 * is what the band fluxes' validation against sncosmo was made with.
 */
import { describe, expect, it } from "vitest";

import { ProjectionKernel } from "../../../packages/salt2/src/fit/projection-kernel.js";
import {
  op,
  sleb,
  uleb,
  wasmModule,
  webAssembly,
} from "../../../packages/salt2/src/fit/wasm-encoder.js";

const N_WAVE = 37;
const N_PHASE = 5;

/** Deterministic values of mixed signs and magnitudes (no two sums in the same order agree by luck). */
function values(n: number, seed: number): Float64Array {
  return Float64Array.from({ length: n }, (_, k) => Math.sin(seed + 1.7 * k) * 10 ** ((k % 7) - 3));
}

/** The reference: even and odd nodes summed apart in wavelength order, a last odd node with the evens. */
function laneSum(row: Float64Array, v: Float64Array, jlo: number, jhi: number): number {
  let even = 0;
  let odd = 0;
  let j = jlo;
  for (; j < jhi; j += 2) {
    even += (row[j] as number) * (v[j] as number);
    odd += (row[j + 1] as number) * (v[j + 1] as number);
  }
  if (j === jhi) even += (row[j] as number) * (v[j] as number);
  return even + odd;
}

describe("ProjectionKernel", () => {
  const m0 = values(N_WAVE * N_PHASE, 1);
  const m1 = values(N_WAVE * N_PHASE, 2);
  const kernel = new ProjectionKernel(m0, m1, N_WAVE, 3);
  const vectors = [0, 1, 2].map((k) => {
    const v = kernel.vector(k);
    v.set(values(N_WAVE, 10 + k));
    return v;
  });

  it.each([
    [0, 36],
    [3, 30],
    [4, 30],
    [5, 5],
    [7, 8],
  ])("rows × 1, 2 and 3 vectors over nodes %i … %i: the lane sums to the bit", (jlo, jhi) => {
    for (let i = 0; i < N_PHASE; i++) {
      const row0 = m0.subarray(i * N_WAVE, (i + 1) * N_WAVE);
      const row1 = m1.subarray(i * N_WAVE, (i + 1) * N_WAVE);
      for (const picked of [[0], [2, 0], [1, 2, 0]]) {
        const [a, b, c] = picked as [number, number?, number?];
        const sums = Array.from(kernel.dot(i, jlo, jhi, a, b, c).subarray(0, 2 * picked.length));
        const expected = picked.flatMap((k) => [
          laneSum(row0, vectors[k] as Float64Array, jlo, jhi),
          laneSum(row1, vectors[k] as Float64Array, jlo, jhi),
        ]);
        expect(sums).toEqual(expected);
      }
    }
  });

  it("reads the vectors as they are when called (views into its memory)", () => {
    const v = kernel.vector(1);
    const before = kernel.dot(2, 0, N_WAVE - 1, 1)[0] as number;
    v[4] = (v[4] as number) + 1;
    const after = kernel.dot(2, 0, N_WAVE - 1, 1)[0] as number;
    expect(after - before).toBeCloseTo(m0[2 * N_WAVE + 4] as number, 12);
    v[4] = (v[4] as number) - 1;
  });
});

describe("wasm-encoder", () => {
  it("LEB128 as the WebAssembly specification gives it", () => {
    expect(uleb(0)).toEqual([0x00]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });

  it("builds a module the runtime validates and runs", () => {
    // store(out, v128 load(a) + v128 load(b)): the smallest use of each section and of SIMD.
    const add = {
      name: "add",
      params: 3,
      locals: [],
      body: [
        ...op.localGet(2),
        ...op.localGet(0),
        ...op.v128Load(),
        ...op.localGet(1),
        ...op.v128Load(),
        ...op.f64x2Add,
        ...op.v128Store(),
      ],
    };
    const bytes = wasmModule(1, [add]);
    const wasm = webAssembly();
    expect(wasm.validate(bytes)).toBe(true);
    const memory = new wasm.Memory({ initial: 1 });
    const { exports } = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
    const heap = new Float64Array(memory.buffer);
    heap.set([1.5, -2, 0.25, 4]);
    (exports.add as (a: number, b: number, out: number) => void)(0, 16, 32);
    expect(Array.from(heap.subarray(4, 6))).toEqual([1.75, 2]);
  });
});
