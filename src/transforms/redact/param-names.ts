/**
 * Decides whether a parameter name (`token`, `access_token`, `X-Amz-Signature`,
 * `user[email]`) is sensitive, reading the name's bytes in place.
 *
 * Names are compared lower case with `-`, `_`, `.`, `[` and `]` removed, so
 * `access_token`, `Access-Token` and `accesstoken` are one name. The same
 * few names (`page`, `utm_source`, `sort`) occur on every other line, so
 * verdicts are kept in a small table keyed by the normalised bytes: a hit
 * costs a hash and a compare, no string is built.
 */

const SLOTS = 1024;
const MAX_KEY = 48;
const PROBES = 8;

const EMPTY = 0;
const NOT_SENSITIVE = 1;
const SENSITIVE = 2;

/**
 * @example
 * const names = new SensitiveNames(['token'], ['key']);
 * names.test(Buffer.from('access_token'), 0, 12) // true
 */
export class SensitiveNames {
  private readonly exact: Set<string>;
  private readonly contains: readonly string[];
  private readonly norm = new Uint8Array(256);
  private readonly hashes = new Int32Array(SLOTS);
  private readonly lengths = new Uint8Array(SLOTS);
  private readonly verdicts = new Uint8Array(SLOTS);
  private readonly keys = new Uint8Array(SLOTS * MAX_KEY);

  constructor(contains: readonly string[], exact: readonly string[]) {
    const normalise = (s: string): string => s.toLowerCase().replace(/[-_.[\]]/g, '');
    this.exact = new Set(exact.map(normalise));
    this.contains = contains.map(normalise).filter((s) => s.length > 0);
  }

  /** Whether the name `b[s..e)` is sensitive. */
  test(b: Uint8Array, s: number, e: number): boolean {
    const norm = this.norm;
    let n = 0;
    let h = 0x811c9dc5;
    let i = s;
    for (; i < e && n < norm.length; i++) {
      let c = b[i]!;
      if (c === 45 || c === 95 || c === 46 || c === 91 || c === 93) continue; // - _ . [ ]
      if (c >= 65 && c <= 90) c |= 0x20;
      norm[n++] = c;
      h = Math.imul(h ^ c, 0x01000193);
    }
    // A name longer than the scratch buffer was not read whole, so a sensitive
    // word past its end would be missed: fail closed (no real parameter is that long).
    if (i < e) return true;
    if (n === 0) return false;
    if (n > MAX_KEY) return this.decide(n);
    for (let p = 0; p < PROBES; p++) {
      const slot = (h + p) & (SLOTS - 1);
      const v = this.verdicts[slot]!;
      if (v === EMPTY) {
        const verdict = this.decide(n);
        this.hashes[slot] = h;
        this.lengths[slot] = n;
        this.verdicts[slot] = verdict ? SENSITIVE : NOT_SENSITIVE;
        this.keys.set(norm.subarray(0, n), slot * MAX_KEY);
        return verdict;
      }
      if (this.hashes[slot] === h && this.lengths[slot] === n && this.sameKey(slot, n)) return v === SENSITIVE;
    }
    // The neighbourhood is full (many distinct names): decide without remembering.
    return this.decide(n);
  }

  private sameKey(slot: number, n: number): boolean {
    const keys = this.keys;
    const norm = this.norm;
    const base = slot * MAX_KEY;
    for (let k = 0; k < n; k++) if (keys[base + k] !== norm[k]) return false;
    return true;
  }

  /** The verdict for the normalised name in `norm[0..n)`. */
  private decide(n: number): boolean {
    let name = '';
    for (let k = 0; k < n; k++) name += String.fromCharCode(this.norm[k]!);
    if (this.exact.has(name)) return true;
    for (const word of this.contains) if (name.includes(word)) return true;
    return false;
  }
}
