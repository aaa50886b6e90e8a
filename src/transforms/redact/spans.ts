/**
 * The spans the detectors found in one text — where each starts and ends
 * (in offsets of the scanned bytes) and what replaces it — and how they are
 * merged before the output is built.
 */
import { firstAtLeast } from './bytes.js';
import { K, PLACEHOLDER, type RedactionKind } from './kinds.js';

/**
 * Growable parallel arrays of spans. Reused text after text: `count` is
 * reset, the arrays are not.
 *
 * @example
 * const s = new Spans();
 * s.add(4, 9, '[email]', K.email);
 * s.normalise(); // sorted, overlaps merged
 */
export class Spans {
  start: number[] = [];
  end: number[] = [];
  text: string[] = [];
  /** What each span is, a {@link K} number, for the hit counters. */
  kind: number[] = [];
  count = 0;

  add(a: number, b: number, replacement: string, kind: number): void {
    const k = this.count++;
    this.start[k] = a;
    this.end[k] = b;
    this.text[k] = replacement;
    this.kind[k] = kind;
  }

  /** A span with the fixed placeholder of its kind. */
  addKind(a: number, b: number, kind: keyof typeof PLACEHOLDER): void {
    this.add(a, b, PLACEHOLDER[kind], K[kind]);
  }

  /** Adds one to `hits` for each span (call after {@link normalise}, so merged spans count once). */
  countInto(hits: Record<RedactionKind, number>, names: readonly RedactionKind[]): void {
    for (let k = 0; k < this.count; k++) {
      const kind = this.kind[k]!;
      if (kind >= 0) hits[names[kind]!]++;
    }
  }

  /** The kinds {@link countInto} counts, packed into a number by {@link packKind} (for a memo to count them again). */
  countedKinds(): number {
    let packed = 0;
    for (let k = 0; k < this.count; k++) if (this.kind[k]! >= 0) packed = packKind(packed, this.kind[k]!);
    return packed;
  }

  /** Spans from `first` on, found in a decoded view, as offsets of the original bytes (`map`: view offset → original offset). */
  toOriginal(first: number, map: Int32Array): void {
    for (let k = first; k < this.count; k++) {
      this.start[k] = map[this.start[k]!]!;
      this.end[k] = map[this.end[k]!]!;
    }
  }

  /**
   * Sorts spans by start and merges overlaps; a span inside another keeps
   * the outer replacement, partial overlaps become one `[redacted]`.
   */
  normalise(): void {
    const n = this.count;
    const st = this.start;
    const en = this.end;
    const tx = this.text;
    const kd = this.kind;
    this.sort(0, n);
    let w = 0;
    for (let r = 0; r < n; r++) {
      if (w > 0 && st[r]! < en[w - 1]!) {
        if (en[r]! > en[w - 1]!) {
          en[w - 1] = en[r]!;
          tx[w - 1] = PLACEHOLDER.param;
          kd[w - 1] = K.param;
        } else if (st[r] === st[w - 1] && en[r] === en[w - 1] && (tx[r] === PLACEHOLDER.param || tx[w - 1]!.charCodeAt(0) !== 91)) {
          // Two detectors on the same text: a sensitive parameter's value reads `[redacted]`
          // whatever it holds, and a bracketed replacement beats a truncated address
          // (`https://::1@host`), which a second pass would otherwise replace again.
          tx[w - 1] = tx[r]!;
          kd[w - 1] = kd[r]!;
        }
        continue;
      }
      st[w] = st[r]!;
      en[w] = en[r]!;
      tx[w] = tx[r]!;
      kd[w] = kd[r]!;
      w++;
    }
    this.count = w;
  }

  /**
   * Sorts spans `[lo, hi)` by start, the longer first on a tie. There are
   * rarely more than a handful, in nearly sorted order, which insertion sort
   * takes in one pass; a text made of thousands of hits gets a real sort.
   */
  sort(lo: number, hi: number): void {
    const st = this.start;
    const en = this.end;
    const tx = this.text;
    const kd = this.kind;
    if (hi - lo > 64) {
      const order = Array.from({ length: hi - lo }, (_, k) => lo + k).sort((x, y) => st[x]! - st[y]! || en[y]! - en[x]! || x - y);
      const s2 = order.map((k) => st[k]!);
      const e2 = order.map((k) => en[k]!);
      const t2 = order.map((k) => tx[k]!);
      const k2 = order.map((k) => kd[k]!);
      for (let k = 0; k < order.length; k++) {
        st[lo + k] = s2[k]!;
        en[lo + k] = e2[k]!;
        tx[lo + k] = t2[k]!;
        kd[lo + k] = k2[k]!;
      }
      return;
    }
    for (let i = lo + 1; i < hi; i++) {
      const a = st[i]!;
      const b = en[i]!;
      const x = tx[i]!;
      const y = kd[i]!;
      let j = i - 1;
      while (j >= lo && (st[j]! > a || (st[j] === a && en[j]! < b))) {
        st[j + 1] = st[j]!;
        en[j + 1] = en[j]!;
        tx[j + 1] = tx[j]!;
        kd[j + 1] = kd[j]!;
        j--;
      }
      st[j + 1] = a;
      en[j + 1] = b;
      tx[j + 1] = x;
      kd[j + 1] = y;
    }
  }

  /**
   * An earlier round's finding that starts inside an escape this round
   * decoded, where this round found something too, is trimmed to start after
   * that escape: `%2520Ab3…` is an encoded space before a token, not the
   * token `20Ab3…` after a percent sign, and replacing from the `2` would
   * leave half an escape (`%25[secret]`) that the next pass reads
   * differently. Nothing found is dropped — a shallower reading may be the
   * only one to see an identifier (`%2581.6.12.34`: the deeper one sees
   * byte 0x81) — and overlaps are merged later. Earlier findings are
   * `[base, found)`, the new ones `[found, count)`, the view `n` bytes long
   * with `map` from view offsets to original ones.
   */
  alignToDeeperEscapes(base: number, found: number, n: number, map: Int32Array): void {
    const total = this.count;
    const st = this.start;
    const en = this.end;
    this.sort(found, total);
    // The new findings as disjoint intervals, for a binary search per earlier one.
    const ms: number[] = [];
    const me: number[] = [];
    for (let k = found; k < total; k++) {
      if (ms.length > 0 && st[k]! < me[me.length - 1]!) me[me.length - 1] = Math.max(me[me.length - 1]!, en[k]!);
      else {
        ms.push(st[k]!);
        me.push(en[k]!);
      }
    }
    for (let k = base; k < found; k++) {
      const a = st[k]!;
      const z = en[k]!;
      // Where the first view byte at or after `a` came from (map is increasing; map[n] is the end).
      const next = map[firstAtLeast(map, n, a)]!;
      if (next === a || next >= z) continue;
      // The first new finding that ends after `a`: the one that could overlap.
      const o = firstAtLeast(me, me.length, a + 1);
      if (o < ms.length && ms[o]! < z) st[k] = next;
    }
  }
}

/** Kinds a packed count holds at most: ten of five bits each stay below 2^53. */
const PACKED_MAX = 10;
const PACK_BASE = 32;

/**
 * `packed` with one more hit of `kind` (a kind number < 31): base-32 digits
 * of kind + 1, no allocation. -1 (more than {@link PACKED_MAX} hits) stays -1.
 *
 * @example
 * unpackKinds(packKind(packKind(0, 3), 5), (k) => seen.push(k)) // seen: [3, 5]
 */
export function packKind(packed: number, kind: number): number {
  if (packed < 0) return packed;
  let n = 0;
  for (let p = packed; p > 0; p = Math.floor(p / PACK_BASE)) n++;
  return n >= PACKED_MAX ? -1 : packed + (kind + 1) * PACK_BASE ** n;
}

/** Calls `each` with every kind in a packed count (> 0). */
export function unpackKinds(packed: number, each: (kind: number) => void): void {
  for (let p = packed; p > 0; p = Math.floor(p / PACK_BASE)) each((p % PACK_BASE) - 1);
}
