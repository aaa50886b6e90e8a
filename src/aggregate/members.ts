/**
 * The members of a window's rows as small integers: the numbering of ids
 * (visitor ids, user pseudonyms), the marks that keep a row's list near
 * distinct as events arrive, and the counter that removes what repeats.
 * Only numbers leave a window; the ids are forgotten when it closes.
 */
import { detach } from '../util/string-cache.js';

/**
 * Numbers for ids (visitor ids, user pseudonyms). A base window numbers its
 * ids in its day rollup's numbering (or its month's, without days), so
 * merging it into that rollup at close needs no lookup per id; the rollup
 * forgets the ids when it closes, as before — an id lives no longer than it
 * did when each window kept its own numbers and handed them up at close.
 */
export class Numbering {
  readonly numberOf = new Map<string, number>();

  constructor(
    /** Copy ids before keeping them (a user field kept as it was is a slice of the input chunk; visitor ids never are). */
    private readonly copy: boolean,
  ) {}

  get size(): number {
    return this.numberOf.size;
  }

  of(id: string): number {
    let n = this.numberOf.get(id);
    if (n === undefined) {
      n = this.numberOf.size;
      this.numberOf.set(this.copy ? detach(id) : id, n);
    }
    return n;
  }

  /** Forgets the ids (the period closed: only counts leave it). */
  clear(): void {
    this.numberOf.clear();
  }
}

/** Most numbers marks are sized for up front (× sets × 4 bytes: 8 MiB with 8 sets). */
const MAX_PRESIZED = 262_144;

/** Per number, index + 1 of the row of each set it was last pushed onto in one window: `last[n * sets + g]`. */
export class Marks {
  last: Int32Array;

  constructor(
    private readonly sets: number,
    /** Numbers expected: a window numbered in its rollup's numbering starts past the numbers the rollup already holds. */
    expected = 64,
  ) {
    // Capped: beyond it (a month's numbering without days) the marks grow as numbers arrive, as before.
    this.last = new Int32Array(Math.min(Math.max(64, expected), MAX_PRESIZED) * sets);
  }

  /** The marks, grown to hold numbers below `bound`. */
  fit(bound: number): Int32Array {
    if (bound * this.sets > this.last.length) {
      const grown = new Int32Array(Math.max(this.last.length * 2, bound * this.sets));
      grown.set(this.last);
      this.last = grown;
    }
    return this.last;
  }

  clear(): void {
    this.last = new Int32Array(0);
  }
}

/**
 * Marks for counting distinct numbers in near-distinct lists, reused across
 * rows: a count is one pass over the lists, each number stamped with the
 * count's own stamp (no clearing between counts).
 */
export class DistinctCounter {
  private seen = new Uint32Array(1024);
  private stamp = 0;
  private counted = 0;

  /** Starts a count that {@link add} grows list by list (numbers below `bound`). */
  begin(bound: number): void {
    if (bound > this.seen.length) this.seen = new Uint32Array(Math.max(bound, this.seen.length * 2));
    if (++this.stamp === 0xffffffff) {
      this.seen.fill(0);
      this.stamp = 1;
    }
    this.counted = 0;
  }

  /** Adds a row's members, its own list and the parts merged into it, to the count begun last. */
  addMembers(list: readonly number[], parts: readonly (readonly number[])[] | undefined): void {
    this.add(list);
    if (parts !== undefined) for (const part of parts) this.add(part);
  }

  /** Distinct members of one row (each number below `bound`). */
  countMembers(list: readonly number[], parts: readonly (readonly number[])[] | undefined, bound: number): number {
    this.begin(bound);
    this.addMembers(list, parts);
    return this.counted;
  }

  /** Adds a list's numbers to the count begun last. */
  add(list: readonly number[]): void {
    const seen = this.seen;
    const stamp = this.stamp;
    let n = 0;
    for (let i = 0; i < list.length; i++) {
      const v = list[i]!;
      if (seen[v] !== stamp) {
        seen[v] = stamp;
        n++;
      }
    }
    this.counted += n;
  }

  /** Distinct numbers added since {@link begin}. */
  get size(): number {
    return this.counted;
  }

  /**
   * The distinct numbers of `parts` as one list, in first-seen order (each
   * number below `bound`): what a rollup row's parts shrink to when they
   * pile up.
   */
  distinctOf(parts: readonly (readonly number[])[], bound: number): number[] {
    this.begin(bound);
    const seen = this.seen;
    const stamp = this.stamp;
    const out: number[] = [];
    for (const part of parts) {
      for (let i = 0; i < part.length; i++) {
        const v = part[i]!;
        if (seen[v] !== stamp) {
          seen[v] = stamp;
          out.push(v);
        }
      }
    }
    this.counted = out.length;
    return out;
  }
}
