import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Ring, type RingRegion } from "../../../vm/consumer/src/ring.js";

const overlaps = (a: RingRegion, b: RingRegion): boolean =>
  a.length > 0 && b.length > 0 && a.start < b.start + b.length && b.start < a.start + a.length;

describe("Ring", () => {
  it("hands out regions in order and reuses the space once the oldest are back", () => {
    const ring = new Ring(100);
    const a = ring.take(40)!;
    const b = ring.take(40)!;
    expect([a.start, b.start]).toEqual([0, 40]);
    expect(ring.take(30)).toBeUndefined();
    // b back first: nothing is reclaimed while a, taken before it, is out
    ring.release(b);
    expect(ring.take(30)).toBeUndefined();
    expect(ring.used).toBe(80);
    ring.release(a);
    expect(ring.used).toBe(0);
    expect(ring.take(100)).toEqual({ start: 0, length: 100, released: false });
  });

  it("wraps to the beginning when the end has no room", () => {
    const ring = new Ring(100);
    const a = ring.take(50)!;
    const b = ring.take(30)!;
    ring.release(a);
    const c = ring.take(30)!;
    expect(c.start).toBe(0);
    // between c and b: 20 bytes
    expect(ring.take(21)).toBeUndefined();
    expect(ring.take(20)!.start).toBe(30);
    ring.release(b);
    expect(ring.used).toBe(50);
  });

  it("gives no region for more than it holds, and any number of empty ones", () => {
    const ring = new Ring(10);
    expect(ring.take(11)).toBeUndefined();
    const empty = ring.take(0)!;
    expect(empty.length).toBe(0);
    ring.release(empty);
    ring.release(empty);
    expect(ring.take(10)!.start).toBe(0);
  });

  it("refuses a region released twice", () => {
    const ring = new Ring(10);
    const a = ring.take(5)!;
    ring.release(a);
    expect(() => ring.release(a)).toThrow(/released twice/);
  });

  it("property: regions out at the same time never overlap, lie inside the ring, and all space returns", () => {
    const SIZE = 1000;
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ take: fc.integer({ min: 0, max: 400 }) }),
            fc.record({ release: fc.nat() }),
          ),
          { maxLength: 300 },
        ),
        (ops) => {
          const ring = new Ring(SIZE);
          const out: RingRegion[] = [];
          for (const op of ops) {
            if ("take" in op) {
              const region = ring.take(op.take);
              if (region === undefined) {
                // refused only when the space not yet reclaimed, plus at most one wrap's unused
                // end (shorter than the largest region), leaves no room
                expect(op.take).toBeGreaterThan(0);
                expect(ring.used + op.take).toBeGreaterThan(SIZE - 400);
                continue;
              }
              expect(region.length).toBe(op.take);
              expect(region.start).toBeGreaterThanOrEqual(0);
              expect(region.start + region.length).toBeLessThanOrEqual(SIZE);
              for (const other of out) expect(overlaps(region, other)).toBe(false);
              out.push(region);
            } else if (out.length > 0) {
              const [region] = out.splice(op.release % out.length, 1);
              ring.release(region!);
            }
          }
          for (const region of out) ring.release(region);
          expect(ring.used).toBe(0);
          expect(ring.take(SIZE)?.start).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });
});
