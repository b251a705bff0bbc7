import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  OffsetTracker,
  PartitionOffsets,
  type Delivery,
} from "../../../vm/consumer/src/offsets.js";

/** Offsets near the top of Kafka's 64-bit range: any pass through a JS number would round them. */
const BIG = 9_223_372_036_854_775_000n;

describe("PartitionOffsets: commit only past a contiguous acknowledged prefix", () => {
  it("commits o+1 only once o and every earlier offset were acknowledged", () => {
    const p = new PartitionOffsets();
    const d = [10n, 11n, 12n, 13n].map((o) => p.deliver(o));
    expect(p.commitPosition()).toBeUndefined();
    p.ack(d[2]!);
    p.ack(d[1]!);
    expect(p.commitPosition()).toBeUndefined();
    p.ack(d[0]!);
    expect(p.commitPosition()).toBe(13n);
    p.ack(d[3]!);
    expect(p.commitPosition()).toBe(14n);
  });

  it("follows delivery order across offset gaps (transaction markers, compaction)", () => {
    const p = new PartitionOffsets();
    const d = [5n, 6n, 9n, 20n].map((o) => p.deliver(o));
    p.ack(d[0]!);
    p.ack(d[1]!);
    expect(p.commitPosition()).toBe(7n);
    p.ack(d[3]!);
    expect(p.commitPosition()).toBe(7n);
    p.ack(d[2]!);
    expect(p.commitPosition()).toBe(21n);
  });

  it("keeps 64-bit offsets exact", () => {
    const p = new PartitionOffsets();
    const d = p.deliver(BIG + 7n);
    p.ack(d);
    expect(p.commitPosition()).toBe(BIG + 8n);
    expect(p.commitPosition()?.toString()).toBe("9223372036854775008");
  });

  it("reports a position once until it moves again", () => {
    const p = new PartitionOffsets();
    const a = p.deliver(0n);
    const b = p.deliver(1n);
    p.ack(a);
    expect(p.pendingCommit()).toBe(1n);
    p.markCommitted(1n);
    expect(p.pendingCommit()).toBeUndefined();
    p.ack(b);
    expect(p.pendingCommit()).toBe(2n);
  });

  it("starts a new sequence on re-delivery; old acks no longer move the position, which never moves back", () => {
    const p = new PartitionOffsets();
    const old = [0n, 1n, 2n, 3n].map((o) => p.deliver(o));
    p.ack(old[0]!);
    p.ack(old[1]!);
    expect(p.commitPosition()).toBe(2n);
    // kafkajs re-joined and fetches again from the committed offset 1 (the commit of 2 was lost)
    const again = [1n, 2n, 3n].map((o) => p.deliver(o));
    p.ack(old[2]!);
    p.ack(old[3]!);
    expect(p.commitPosition()).toBe(2n);
    p.ack(again[0]!);
    expect(p.commitPosition()).toBe(2n);
    p.ack(again[1]!);
    expect(p.commitPosition()).toBe(3n);
    p.ack(again[2]!);
    expect(p.commitPosition()).toBe(4n);
  });

  it("does not wait for deliveries a re-delivery replaced (a publish stuck in the old run)", () => {
    const p = new PartitionOffsets();
    [0n, 1n, 2n].map((o) => p.deliver(o));
    const again = [0n, 1n, 2n].map((o) => p.deliver(o));
    for (const d of again) p.ack(d);
    expect(p.commitPosition()).toBe(3n);
    expect(p.unacknowledged()).toBe(0);
  });

  it("counts unacknowledged deliveries and reports consumer-group lag", () => {
    const p = new PartitionOffsets();
    expect(p.lag(10n)).toBeUndefined();
    const d = [3n, 4n, 5n].map((o) => p.deliver(o));
    expect(p.unacknowledged()).toBe(3);
    expect(p.lag(10n)).toBe("7");
    p.ack(d[0]!);
    expect(p.unacknowledged()).toBe(2);
    expect(p.lag(10n)).toBe("6");
  });

  it("keeps working after the acknowledged prefix is dropped from its queue", () => {
    const p = new PartitionOffsets();
    for (let o = 0n; o < 5000n; o++) p.ack(p.deliver(o));
    const last = p.deliver(5000n);
    expect(p.commitPosition()).toBe(5000n);
    p.ack(last);
    expect(p.commitPosition()).toBe(5001n);
  });
});

describe("PartitionOffsets: properties (fast-check)", () => {
  /** A partition's log: strictly increasing offsets with random gaps, starting anywhere in 64 bits. */
  const logArb = fc
    .tuple(
      fc.bigInt({ min: 0n, max: BIG }),
      fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 80 }),
    )
    .map(([start, gaps]) => {
      const offsets: bigint[] = [];
      let o = start;
      for (const g of gaps) {
        offsets.push(o);
        o += BigInt(g);
      }
      return offsets;
    });

  it("random acknowledgement orders never commit past an unacknowledged offset, and all acks commit all", () => {
    fc.assert(
      fc.property(
        logArb.chain((log) =>
          fc.tuple(
            fc.constant(log),
            fc.shuffledSubarray(
              log.map((_, i) => i),
              { minLength: log.length, maxLength: log.length },
            ),
          ),
        ),
        ([log, order]) => {
          const p = new PartitionOffsets();
          const deliveries = log.map((o) => p.deliver(o));
          const acked = new Set<bigint>();
          for (const i of order) {
            p.ack(deliveries[i]!);
            acked.add(log[i]!);
            const position = p.commitPosition();
            if (position !== undefined) {
              for (const o of log) if (o < position) expect(acked.has(o)).toBe(true);
              // and it is the furthest such position: the next delivered offset is unacknowledged
              const next = log.find((o) => o >= position);
              if (next !== undefined) expect(acked.has(next)).toBe(false);
            } else {
              expect(acked.has(log[0]!)).toBe(false);
            }
          }
          expect(p.commitPosition()).toBe(log[log.length - 1]! + 1n);
        },
      ),
      { numRuns: 300 },
    );
  });

  type Op =
    { kind: "deliver" } | { kind: "ack"; pick: number } | { kind: "commit" } | { kind: "restart" };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: fc.constant<Op>({ kind: "deliver" }) },
    { weight: 5, arbitrary: fc.nat().map<Op>((pick) => ({ kind: "ack", pick })) },
    { weight: 1, arbitrary: fc.constant<Op>({ kind: "commit" }) },
    { weight: 1, arbitrary: fc.constant<Op>({ kind: "restart" }) },
  );

  it("with re-deliveries from the committed offset (kafkajs restarts), no position skips an unacknowledged offset", () => {
    fc.assert(
      fc.property(logArb, fc.array(opArb, { maxLength: 300 }), (log, ops) => {
        const p = new PartitionOffsets();
        let fetch = 0;
        let committed: bigint | undefined;
        let inFlight: Delivery[] = [];
        const acked = new Set<bigint>();
        let previous: bigint | undefined;
        for (const op of ops) {
          if (op.kind === "deliver" && fetch < log.length) {
            inFlight.push(p.deliver(log[fetch]!));
            fetch++;
          } else if (op.kind === "ack" && inFlight.length > 0) {
            const [d] = inFlight.splice(op.pick % inFlight.length, 1);
            p.ack(d!);
            acked.add(d!.offset);
          } else if (op.kind === "commit") {
            committed = p.commitPosition() ?? committed;
          } else if (op.kind === "restart") {
            // old publishes may still complete; fetching restarts at the committed offset
            const at = committed === undefined ? 0 : log.findIndex((o) => o >= committed!);
            fetch = at === -1 ? log.length : at;
          }
          const position = p.commitPosition();
          if (position !== undefined) {
            for (const o of log) if (o < position) expect(acked.has(o)).toBe(true);
            if (previous !== undefined) expect(position >= previous).toBe(true);
            previous = position;
          }
        }
        // finish: everything delivered and acknowledged commits the whole log
        while (fetch < log.length) inFlight.push(p.deliver(log[fetch++]!));
        for (const d of inFlight) p.ack(d);
        inFlight = [];
        const end = log[log.length - 1]! + 1n;
        expect(p.commitPosition()).toBe(end);
      }),
      { numRuns: 300 },
    );
  });
});

describe("OffsetTracker", () => {
  it("lists moved positions per topic-partition as decimal strings, once", () => {
    const t = new OffsetTracker();
    const a = t.deliver("ztf_20261128_programid1", 0, BIG);
    const b = t.deliver("ztf_20261128_programid1", 3, 7n);
    t.get("ztf_20261128_programid1", 0).ack(a);
    t.get("ztf_20261128_programid1", 3).ack(b);
    const pending = t.pendingCommits();
    expect(pending).toEqual([
      { topic: "ztf_20261128_programid1", partition: 0, offset: (BIG + 1n).toString() },
      { topic: "ztf_20261128_programid1", partition: 3, offset: "8" },
    ]);
    t.markCommitted(pending);
    expect(t.pendingCommits()).toEqual([]);
  });

  it("forgets partitions that a rebalance assigned elsewhere", () => {
    const t = new OffsetTracker();
    t.get("t", 0).ack(t.deliver("t", 0, 1n));
    t.get("t", 1).ack(t.deliver("t", 1, 1n));
    t.retain({ t: [1] });
    expect(t.pendingCommits()).toEqual([{ topic: "t", partition: 1, offset: "2" }]);
  });
});
