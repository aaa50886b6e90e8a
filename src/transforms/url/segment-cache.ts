/**
 * A direct-mapped cache of segment kinds. The same asset names
 * (`main.b453499c.css`, `thumb-322.jpg`) come back line after line, and
 * judging a segment reads it several times over; a hit costs one hash pass
 * and one compare. A slot holds the last segment that hashed to it, so ids
 * that never repeat only ever cost the hash.
 */
import { classifySegment } from './segment.js';

const SLOTS = 2048;
const MAX_KEY = 40;

/**
 * @example
 * const cache = new SegmentCache();
 * cache.kind(bytes, a, z) // the same as classifySegment(bytes, a, z)
 */
export class SegmentCache {
  private readonly hashes = new Int32Array(SLOTS);
  private readonly lengths = new Uint8Array(SLOTS);
  /** The kind + 1 (0: empty). */
  private readonly kinds = new Uint8Array(SLOTS);
  private readonly keys = new Uint8Array(SLOTS * MAX_KEY);

  kind(b: Uint8Array, s: number, e: number): number {
    const n = e - s;
    if (n > MAX_KEY) return classifySegment(b, s, e);
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    const slot = (h ^ (h >>> 15)) & (SLOTS - 1);
    const base = slot * MAX_KEY;
    const keys = this.keys;
    if (this.kinds[slot] !== 0 && this.hashes[slot] === h && this.lengths[slot] === n) {
      let same = true;
      for (let k = 0; k < n && same; k++) same = keys[base + k] === b[s + k];
      if (same) return this.kinds[slot]! - 1;
    }
    const kind = classifySegment(b, s, e);
    this.hashes[slot] = h;
    this.lengths[slot] = n;
    this.kinds[slot] = kind + 1;
    for (let k = 0; k < n; k++) keys[base + k] = b[s + k]!;
    return kind;
  }
}
