/**
 * Verdicts on parameter names and labels (`token`, `access_token`,
 * `X-Amz-Signature`, `user[email]`), read from the bytes in place.
 *
 * The same few names (`page`, `utm_source`, `sort`) occur on every other
 * line, so verdicts are kept in a small table keyed by the name's bytes: a
 * hit costs a hash and a compare, no string is built. The verdict itself
 * comes from a function of the name (name-rules.ts), called once per
 * distinct name.
 */

const SLOTS = 1024;
const MAX_KEY = 48;
const PROBES = 8;
/** Longer names are not read: the verdict is `tooLong` (no real parameter is that long). */
const MAX_NAME = 256;

const utf8 = new TextDecoder();

/**
 * @example
 * const names = new NameTable((n) => (n === 'token' ? 2 : 0), 2);
 * names.verdict(Buffer.from('token'), 0, 5) // 2
 */
export class NameTable {
  private readonly hashes = new Int32Array(SLOTS);
  private readonly lengths = new Uint8Array(SLOTS);
  /** The verdict + 1 (0: empty slot). */
  private readonly verdicts = new Float64Array(SLOTS);
  private readonly keys = new Uint8Array(SLOTS * MAX_KEY);

  constructor(
    private readonly decide: (name: string) => number,
    /** The verdict for a name longer than 256 bytes (fail closed: a sensitive one). */
    private readonly tooLong: number,
  ) {}

  /** The verdict for the name `b[s..e)`. */
  verdict(b: Uint8Array, s: number, e: number): number {
    const n = e - s;
    if (n <= 0) return this.decide('');
    if (n > MAX_NAME) return this.tooLong;
    if (n > MAX_KEY) return this.decide(utf8.decode(b.subarray(s, e)));
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    for (let p = 0; p < PROBES; p++) {
      const slot = (h + p) & (SLOTS - 1);
      const v = this.verdicts[slot]!;
      if (v === 0) {
        const verdict = this.decide(utf8.decode(b.subarray(s, e)));
        this.hashes[slot] = h;
        this.lengths[slot] = n;
        this.verdicts[slot] = verdict + 1;
        this.keys.set(b.subarray(s, e), slot * MAX_KEY);
        return verdict;
      }
      if (this.hashes[slot] === h && this.lengths[slot] === n && this.sameKey(slot, b, s, n)) return v - 1;
    }
    // The neighbourhood is full (many distinct names): decide without remembering.
    return this.decide(utf8.decode(b.subarray(s, e)));
  }

  private sameKey(slot: number, b: Uint8Array, s: number, n: number): boolean {
    const keys = this.keys;
    const base = slot * MAX_KEY;
    for (let k = 0; k < n; k++) if (keys[base + k] !== b[s + k]) return false;
    return true;
  }
}

/** A name compared lower case with `-`, `_`, `.`, `[` and `]` removed, as the policy's `sensitive_params` lists are. */
export function normaliseName(s: string): string {
  return s.toLowerCase().replace(/[-_.[\]]/g, '');
}

/**
 * Decides whether a parameter name is on the policy's own lists of
 * sensitive names: `exact` when the whole normalised name matches,
 * `contains` anywhere in it (so `access_token`, `Access-Token` and
 * `accesstoken` are one name).
 *
 * @example
 * const names = new SensitiveNames(['token'], ['key']);
 * names.test(Buffer.from('access_token'), 0, 12) // true
 */
export class SensitiveNames {
  private readonly table: NameTable;

  constructor(contains: readonly string[], exact: readonly string[]) {
    const ex = new Set(exact.map(normaliseName));
    const co = contains.map(normaliseName).filter((s) => s.length > 0);
    this.table = new NameTable((raw) => {
      const name = normaliseName(raw);
      if (name.length === 0) return 0;
      if (ex.has(name)) return 1;
      for (const word of co) if (name.includes(word)) return 1;
      return 0;
    }, 1);
  }

  /** Whether the name `b[s..e)` is sensitive. */
  test(b: Uint8Array, s: number, e: number): boolean {
    return this.table.verdict(b, s, e) === 1;
  }
}
