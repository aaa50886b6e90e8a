/**
 * What the Kafka source knows about each partition assigned to it: the
 * records it handed to the pipeline and not yet had acknowledged (in flight),
 * how far the acknowledged prefix reaches, and what has been committed.
 *
 * Only the contiguous acknowledged prefix is ever committed: offset `o` is
 * committable when every record this assignment handed out below `o` has
 * been acknowledged — never simply the highest offset seen (offsets have
 * gaps: compaction, transaction markers; and records are acknowledged only
 * once every sink has durably accepted them).
 */
import { type KafkaSegment, UNCOMMITTABLE } from './record-ack.js';

/**
 * One assignment of one partition.
 *
 * @example
 * const p = new PartitionState('logs', 3, 7);
 * p.handOut(100); p.handOut(102);   // offsets read (101 was compacted away)
 * p.acknowledge(101);               // the record at 100 is durable
 * p.committable()                   // 101 (102 is still in flight)
 */
export class PartitionState {
  /** The segment of records read under this assignment. */
  readonly segment: KafkaSegment;
  /** The segment of records read across a rebalance of this partition: processed but never committed. */
  readonly uncommittable: KafkaSegment;
  /** Offsets handed out and not yet acknowledged, oldest first (`queue[head..]`). */
  private queue: number[] = [];
  private head = 0;
  /** The offset after the last record handed out, or -1. */
  private next = -1;
  /** End of the acknowledged prefix: the offset a commit would record, or -1 before any. */
  private acked = -1;
  /** The offset last sent in a commit (it may not be confirmed yet), or -1. */
  sent = -1;
  /** The offset last confirmed committed by the broker, or -1. */
  confirmed = -1;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly generation: number,
  ) {
    const key = `${topic}/${partition}`;
    this.segment = { key, topic, partition, generation };
    this.uncommittable = { key, topic, partition, generation: UNCOMMITTABLE };
  }

  get key(): string {
    return this.segment.key;
  }

  /** Records handed out and not yet acknowledged. */
  get inFlight(): number {
    return this.queue.length - this.head;
  }

  /** The offset after the last record handed out, or -1 before the first. */
  get position(): number {
    return this.next;
  }

  /**
   * Records that the record at `offset` was handed to the pipeline. Offsets
   * of one assignment come in increasing order; one that does not (a record
   * fetched before a rebalance, delivered after it) is refused: the caller
   * marks it uncommittable.
   */
  handOut(offset: number): boolean {
    if (offset < this.next) return false;
    this.queue.push(offset);
    this.next = offset + 1;
    return true;
  }

  /**
   * Every record handed out below `position` is durable downstream. Returns
   * whether the acknowledged prefix moved.
   */
  acknowledge(position: number): boolean {
    const q = this.queue;
    let h = this.head;
    while (h < q.length && q[h]! < position) h++;
    this.head = h;
    if (h === q.length) {
      this.queue = [];
      this.head = 0;
    } else if (h > 4096 && h * 2 > q.length) {
      this.queue = q.slice(h);
      this.head = 0;
    }
    // Never past what was handed out: a position beyond it would skip records not yet read.
    const end = Math.min(position, this.next);
    if (end <= this.acked) return false;
    this.acked = end;
    return true;
  }

  /** The end of the acknowledged prefix (what may be committed), or -1. */
  committable(): number {
    return this.acked;
  }

  /** Whether the acknowledged prefix is ahead of what was last sent in a commit. */
  needsCommit(): boolean {
    return this.acked > this.sent;
  }
}
