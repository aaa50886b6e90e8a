/**
 * delivery_reports: errors — what the Kafka sink produced since its last
 * barrier, kept until the barrier says it is delivered, so that anything
 * not delivered can be sent again.
 *
 * It is kept per write, not per record: a run of a written batch's records
 * is one entry holding views of the batch's arrays and its one encoding,
 * and a record becomes an object of its own ({@link Outgoing}) only when it
 * must be sent again. An object per record (and a Buffer view of its value)
 * lived until the barrier — 20,000 records at the in-flight bound — so
 * every young-generation collection copied them, and that was most of
 * gallra's garbage-collection time per Kafka record.
 */
import type { KafkaHeader } from '../../sources/kafka/record-ack.js';
import { type Outgoing, sameRecord } from './delivery.js';

/** A written batch as the sink produced it: each record's value is `whole[start..end)`, or `values[i]` when the batch was not ASCII. */
export interface WrittenBatch {
  readonly topic: string;
  /** The dead-letter topic, where the batch's unparsed records went; undefined when there is none (they went to `topic`). */
  readonly dead: string | undefined;
  readonly whole: Buffer | undefined;
  readonly values: readonly Buffer[] | undefined;
  /** Offset in `whole` just after each record's newline (EncodedBatch.ends). */
  readonly ends: readonly number[];
  readonly times: readonly number[];
  readonly keys: readonly (string | undefined)[] | undefined;
  readonly unparsed: readonly boolean[] | undefined;
  /** Each record's headers as produced; undefined when no record had any. */
  readonly headers: readonly (readonly KafkaHeader[] | undefined)[] | undefined;
}

/** Records `from..to` of a written batch, produced in order; `settled` marks those a failure report named. */
class Run {
  settled: Uint8Array | undefined = undefined;
  constructor(
    readonly batch: WrittenBatch,
    readonly from: number,
    public to: number,
  ) {}
}

/** How far the ledger reached when a barrier began. */
export interface LedgerMark {
  /** Which filling of the ledger: a clear() in between leaves nothing to take. */
  readonly fill: number;
  readonly entries: number;
  /** The `to` of the last entry when it was a run. */
  readonly to: number;
}

/**
 * @example
 * const l = new Ledger(); l.add(written, 0); l.add(written, 1);
 * const mark = l.mark(); … flush … const done = l.take(mark); done.delivered((topic, route, n) => …);
 */
export class Ledger {
  private entries: (Run | Outgoing)[] = [];
  private fill = 0;
  /** Records held. */
  size = 0;

  /** Record `i` of `batch` was produced. */
  add(batch: WrittenBatch, i: number): void {
    const last = this.entries[this.entries.length - 1];
    if (last instanceof Run && last.batch === batch && last.to === i) last.to++;
    else this.entries.push(new Run(batch, i, i + 1));
    this.size++;
  }

  /** A record sent again (or dead-lettered) was produced. */
  addOne(out: Outgoing): void {
    this.entries.push(out);
    this.size++;
  }

  mark(): LedgerMark {
    const last = this.entries[this.entries.length - 1];
    return { fill: this.fill, entries: this.entries.length, to: last instanceof Run ? last.to : 0 };
  }

  /** Removes and returns what was held at `mark` (records produced since stay). */
  take(mark: LedgerMark): Ledger {
    const done = new Ledger();
    if (mark.fill !== this.fill) return done;
    done.entries = this.entries.slice(0, mark.entries);
    this.entries = this.entries.slice(mark.entries);
    const last = done.entries[done.entries.length - 1];
    if (last instanceof Run && last.to > mark.to) {
      // The run grew after the mark: its tail stays.
      const tail = new Run(last.batch, mark.to, last.to);
      if (last.settled !== undefined) tail.settled = last.settled.subarray(mark.to - last.from);
      last.to = mark.to;
      this.entries.unshift(tail);
    }
    for (const x of done.entries) done.size += x instanceof Run ? x.to - x.from : 1;
    this.size -= done.size;
    return done;
  }

  clear(): void {
    this.entries = [];
    this.size = 0;
    this.fill++;
  }

  /**
   * The record a failure report names, marked settled (it is not delivered
   * by the barrier), as an {@link Outgoing}; undefined when none matches.
   */
  settle(topic: string, key: unknown, value: unknown): Outgoing | undefined {
    for (const x of this.entries) {
      if (!(x instanceof Run)) {
        if (!sameRecord(x, topic, key, value)) continue;
        x.failed = true;
        return x;
      }
      for (let i = x.from; i < x.to; i++) {
        if (x.settled?.[i - x.from] === 1) continue;
        const out = outgoing(x.batch, i);
        if (!sameRecord(out, topic, key, value)) continue;
        (x.settled ??= new Uint8Array(x.to - x.from))[i - x.from] = 1;
        out.failed = true;
        return out;
      }
    }
    return undefined;
  }

  /** Counts the records not settled by a failure report, per topic and route. */
  delivered(count: (topic: string, route: Outgoing['route'], n: number) => void): void {
    for (const x of this.entries) {
      if (!(x instanceof Run)) {
        if (!x.failed) count(x.topic, x.route, 1);
        continue;
      }
      const b = x.batch;
      let main = 0;
      let dead = 0;
      for (let i = x.from; i < x.to; i++) {
        if (x.settled?.[i - x.from] === 1) continue;
        if (b.dead !== undefined && b.unparsed?.[i] === true) dead++;
        else main++;
      }
      if (main > 0) count(b.topic, 'main', main);
      if (dead > 0) count(b.dead!, 'unparsed', dead);
    }
  }

  /** The records not settled by a failure report, each as an {@link Outgoing} to send again. */
  undelivered(): Outgoing[] {
    const out: Outgoing[] = [];
    for (const x of this.entries) {
      if (!(x instanceof Run)) {
        if (!x.failed) out.push({ ...x, failed: false });
        continue;
      }
      for (let i = x.from; i < x.to; i++) if (x.settled?.[i - x.from] !== 1) out.push(outgoing(x.batch, i));
    }
    return out;
  }
}

/** Record `i` of a written batch as it was produced. */
export function outgoing(b: WrittenBatch, i: number): Outgoing {
  const unparsed = b.dead !== undefined && b.unparsed?.[i] === true;
  return {
    topic: unparsed ? b.dead : b.topic,
    value: valueOf(b, i),
    key: b.keys?.[i],
    headers: b.headers?.[i],
    timestamp: b.times[i]!,
    route: unparsed ? 'unparsed' : 'main',
    failed: false,
  };
}

/** Record `i`'s value: a view of the batch's encoding without the newline. */
export function valueOf(b: WrittenBatch, i: number): Buffer {
  if (b.values !== undefined) return b.values[i]!;
  return b.whole!.subarray(i === 0 ? 0 : b.ends[i - 1]!, b.ends[i]! - 1);
}
