/**
 * Which Kafka offsets may be committed (docs/spec/broker.md §3 "Delivery"): per partition, offset o+1 is
 * committed only once Pub/Sub acknowledged o and every offset delivered before it. Acks arrive in any
 * order (batches resolve independently), so each partition keeps its delivered offsets in delivery
 * order and advances a commit position over the acknowledged prefix.
 *
 * Offsets are compared in delivery order, not by arithmetic: a partition's offsets may have gaps
 * (transaction markers, compaction), and the next offset to read after o is whatever follows o, so
 * committing o+1 after the prefix up to o is exactly Kafka's meaning of a committed offset.
 *
 * Re-delivery: after kafkajs re-joins the group (broker restart, rebalance) it fetches again from the
 * last committed offset, so an offset may arrive that is not above the last one delivered. The
 * partition then starts a new sequence; acks of the old sequence's entries no longer move the commit
 * position (their offsets are being delivered again), but the position never moves back, because
 * everything below it was acknowledged already.
 */

/** One delivered offset, handed back to `ack` when Pub/Sub acknowledged it (or it was stored). */
export interface Delivery {
  readonly offset: bigint;
  acked: boolean;
}

export class PartitionOffsets {
  private queue: Delivery[] = [];
  private head = 0;
  private firstDelivered: bigint | undefined;
  private lastDelivered: bigint | undefined;
  private position: bigint | undefined;
  private committedPosition: bigint | undefined;

  /** Registers the next delivered offset of this partition. */
  deliver(offset: bigint): Delivery {
    if (this.lastDelivered !== undefined && offset <= this.lastDelivered) {
      // the old sequence's deliveries leave the queue: their acks only mark themselves
      this.queue = [];
      this.head = 0;
    }
    this.firstDelivered ??= offset;
    this.lastDelivered = offset;
    const delivery: Delivery = { offset, acked: false };
    this.queue.push(delivery);
    return delivery;
  }

  /** Marks a delivery acknowledged and advances the commit position over the acknowledged prefix. */
  ack(delivery: Delivery): void {
    delivery.acked = true;
    let next: bigint | undefined;
    while (this.head < this.queue.length && this.queue[this.head]!.acked) {
      next = this.queue[this.head]!.offset + 1n;
      this.head++;
    }
    if (next !== undefined && (this.position === undefined || next > this.position)) {
      this.position = next;
    }
    // drop the consumed prefix now and then, so the queue does not grow for the whole night
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** The offset to commit (next to read): every delivered offset below it was acknowledged. */
  commitPosition(): bigint | undefined {
    return this.position;
  }

  /** The commit position when it moved since the last successful commit, else undefined. */
  pendingCommit(): bigint | undefined {
    if (this.position === undefined) return undefined;
    if (this.committedPosition !== undefined && this.position <= this.committedPosition)
      return undefined;
    return this.position;
  }

  markCommitted(position: bigint): void {
    if (this.committedPosition === undefined || position > this.committedPosition) {
      this.committedPosition = position;
    }
  }

  /** Deliveries of the current sequence not yet acknowledged. */
  unacknowledged(): number {
    let n = 0;
    for (let i = this.head; i < this.queue.length; i++) if (!this.queue[i]!.acked) n++;
    return n;
  }

  /**
   * Consumer-group lag as `kafka-consumer-groups` reports it: the high watermark (the next offset
   * Kafka will assign) minus the commit position, or minus the first delivered offset before any
   * commit position exists. A decimal string: offsets are 64-bit.
   */
  lag(highWatermark: bigint): string | undefined {
    const from = this.position ?? this.firstDelivered;
    if (from === undefined) return undefined;
    const lag = highWatermark - from;
    return (lag < 0n ? 0n : lag).toString();
  }
}

export interface CommitEntry {
  topic: string;
  partition: number;
  /** Decimal string: 64-bit offsets never pass through a JS number. */
  offset: string;
}

/** The PartitionOffsets of every topic-partition the consumer reads. */
export class OffsetTracker {
  private readonly partitions = new Map<
    string,
    { topic: string; partition: number; offsets: PartitionOffsets }
  >();

  private static key(topic: string, partition: number): string {
    return `${topic}\u0000${partition}`;
  }

  get(topic: string, partition: number): PartitionOffsets {
    const key = OffsetTracker.key(topic, partition);
    let entry = this.partitions.get(key);
    if (entry === undefined) {
      entry = { topic, partition, offsets: new PartitionOffsets() };
      this.partitions.set(key, entry);
    }
    return entry.offsets;
  }

  deliver(topic: string, partition: number, offset: bigint): Delivery {
    return this.get(topic, partition).deliver(offset);
  }

  /** The positions that moved since their last commit, as kafkajs' commitOffsets takes them. */
  pendingCommits(): CommitEntry[] {
    const out: CommitEntry[] = [];
    for (const { topic, partition, offsets } of this.partitions.values()) {
      const position = offsets.pendingCommit();
      if (position !== undefined) out.push({ topic, partition, offset: position.toString() });
    }
    return out;
  }

  markCommitted(entries: readonly CommitEntry[]): void {
    for (const e of entries) this.get(e.topic, e.partition).markCommitted(BigInt(e.offset));
  }

  /**
   * Forgets partitions no longer assigned to this member (after a rebalance): their commits would be
   * refused, and if they come back kafkajs re-delivers from the committed offset.
   */
  retain(assignment: Readonly<Record<string, readonly number[]>>): void {
    for (const [key, { topic, partition }] of this.partitions) {
      if (!(assignment[topic] ?? []).includes(partition)) this.partitions.delete(key);
    }
  }

  entries(): { topic: string; partition: number; offsets: PartitionOffsets }[] {
    return [...this.partitions.values()];
  }
}
