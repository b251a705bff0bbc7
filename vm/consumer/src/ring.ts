/**
 * A ring of reusable memory for the values on their way to the publisher thread. Every Kafka value
 * is copied once (kafkajs hands out views into a whole fetch response, which cannot be moved to
 * another thread); copying it into a fresh buffer per message made the consumer allocate ~250 MB/s
 * of new memory, and V8 answers every ~64 MB of new buffers with a garbage collection ("external
 * memory pressure": a fifth of the consumer's CPU in the benchmark). The ring is allocated once, as
 * a SharedArrayBuffer both threads see, so that copy allocates nothing.
 *
 * Regions are taken in order and given back in any order (publishes complete out of order); the
 * space of a region is reused once it and every region taken before it are back. A value that does
 * not fit is the caller's to place elsewhere.
 */

/** A region of the ring: `length` bytes at `start`. */
export interface RingRegion {
  readonly start: number;
  readonly length: number;
}

interface Live extends RingRegion {
  released: boolean;
}

/** An empty value takes no room (and is not tracked). */
const EMPTY: RingRegion = Object.freeze({ start: 0, length: 0 });

export class Ring {
  /** Regions not yet reclaimed, oldest first. */
  private live: Live[] = [];
  private first = 0;
  /** Where the next region starts. */
  private head = 0;

  constructor(readonly size: number) {
    if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`ring size ${size}`);
  }

  /** A region of `length` bytes, or undefined when the ring has no room for it now. */
  take(length: number): RingRegion | undefined {
    if (length === 0) return EMPTY;
    if (length > this.size) return undefined;
    const oldest = this.live[this.first];
    let start: number | undefined;
    if (oldest === undefined) {
      // empty: start over at the beginning, the longest free stretch
      start = 0;
    } else if (this.head > oldest.start) {
      // the live regions run from oldest.start to head: room after head, else at the beginning
      if (length <= this.size - this.head) start = this.head;
      else if (length <= oldest.start) start = 0;
    } else if (length <= oldest.start - this.head) {
      // wrapped: the room is between head and the oldest live region
      start = this.head;
    }
    if (start === undefined) return undefined;
    const region: Live = { start, length, released: false };
    this.live.push(region);
    this.head = start + length;
    return region;
  }

  /** Gives a region back; its space (and that of every region behind it) is reused. */
  release(region: RingRegion): void {
    if (region === EMPTY) return;
    const live = region as Live;
    if (live.released) throw new Error(`ring region at ${region.start} released twice`);
    live.released = true;
    while (this.live[this.first]?.released) this.first++;
    if (this.first === this.live.length) {
      this.live = [];
      this.first = 0;
    } else if (this.first > 1024 && this.first * 2 > this.live.length) {
      this.live = this.live.slice(this.first);
      this.first = 0;
    }
  }

  /** Bytes in regions not reclaimed yet. */
  get used(): number {
    let n = 0;
    for (let i = this.first; i < this.live.length; i++) n += this.live[i]!.length;
    return n;
  }
}
