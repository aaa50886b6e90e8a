/**
 * A fixed-size, set-associative memo keyed by strings, for per-line work that
 * repeats (user agents, request paths, referers, addresses, pseudonyms).
 *
 * Why not a Map: every key here is a fresh slice of a log line, and V8
 * hashes a fresh string over all its characters on each lookup (~200 ns for
 * a 110-character user agent, measured in bench/micro/string-cache.bench.mjs).
 * Text formats instead hash the line's bytes four at a time through a
 * DataView (~35 ns) and confirm a hit with one native string compare. Each
 * set holds `ways` entries, so keys that collide on purpose degrade to
 * misses, never to long chains.
 *
 * Keys and string values are copied before they are stored: a slice of a
 * chunk string (or a result built from one) would otherwise keep the whole
 * chunk alive for as long as the entry lives.
 */

const M1 = 0x9e3779b1;
/**
 * Sets a cache starts with (64 entries at 4 ways) before it grows: a plan
 * holds one memo per field and `--format auto` builds a plan per format, so
 * an unused cache must cost next to nothing at start.
 */
const INITIAL_SETS = 16;
const M2 = 0x85ebca6b;

function finish(h: number, len: number): number {
  h ^= len;
  h = Math.imul(h ^ (h >>> 16), M2);
  return (h ^ (h >>> 13)) >>> 0;
}

/**
 * Hash of the bytes `bytes[s..e)`, read four at a time (little endian).
 * Equal to {@link hashString} over the same text when the text is one-byte
 * (latin1/ASCII), so both paths share cache entries.
 *
 * @example
 * hashBytes(new DataView(buf.buffer, buf.byteOffset, buf.length), 0, 12)
 */
export function hashBytes(bytes: DataView, s: number, e: number): number {
  let h = 0;
  let i = s;
  for (; i + 4 <= e; i += 4) h = Math.imul(h ^ bytes.getUint32(i, true), M1) ^ (h >>> 15);
  if (i < e) {
    let w = 0;
    for (let k = 0; i < e; i++, k += 8) w |= bytes.getUint8(i) << k;
    h = Math.imul(h ^ w, M1) ^ (h >>> 15);
  }
  return finish(h, e - s);
}

/**
 * Hash of `src[s..e)` by UTF-16 code units, four per round as
 * {@link hashBytes} reads bytes.
 *
 * @example
 * hashString('/api/v1/users/12345', 0, 19)
 */
export function hashString(src: string, s: number, e: number): number {
  let h = 0;
  let i = s;
  for (; i + 4 <= e; i += 4) {
    const w = src.charCodeAt(i) | (src.charCodeAt(i + 1) << 8) | (src.charCodeAt(i + 2) << 16) | (src.charCodeAt(i + 3) << 24);
    h = Math.imul(h ^ w, M1) ^ (h >>> 15);
  }
  if (i < e) {
    let w = 0;
    for (let k = 0; i < e; i++, k += 8) w |= src.charCodeAt(i) << k;
    h = Math.imul(h ^ w, M1) ^ (h >>> 15);
  }
  return finish(h, e - s);
}

/**
 * A copy of `s` that does not share storage with the string it was sliced
 * from. Concatenation makes a cons string; slicing that flattens it into a
 * new string, so the result refers only to its own characters.
 *
 * @example
 * const key = detach(chunk.slice(a, b)); // chunk may now be collected
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

function own<V>(value: V): V {
  return (typeof value === 'string' ? detach(value) : value) as V;
}

/**
 * @example
 * const cache = new StringCache<string>(4096);
 * const v = cache.through(ua, generalise);
 */
export class StringCache<V> {
  private keys: (string | undefined)[];
  private hashes: Uint32Array;
  private values: (V | undefined)[];
  /** A number kept with each entry (what computing the value counted: see {@link lastTag}). */
  private tags: Float64Array;
  private next: Uint8Array;
  /** The tag of the entry the last {@link getRange} hit found. */
  lastTag = 0;
  private mask: number;
  private size_ = 0;
  private readonly maxSets: number;

  /**
   * @param capacity entries, rounded up to whole sets (a power of two of them)
   * @param ways entries per set (the collision bound)
   */
  constructor(
    capacity: number,
    private readonly ways = 4,
  ) {
    let sets = 1;
    while (sets * ways < capacity) sets <<= 1;
    this.maxSets = sets;
    // Start small and grow to the capacity as entries come: a cache that is
    // made per epoch or per field must cost little until it is used.
    const initial = Math.min(sets, INITIAL_SETS);
    this.mask = initial - 1;
    this.keys = new Array<string | undefined>(initial * ways).fill(undefined);
    this.values = new Array<V | undefined>(initial * ways).fill(undefined);
    this.hashes = new Uint32Array(initial * ways);
    this.tags = new Float64Array(initial * ways);
    this.next = new Uint8Array(initial);
  }

  /** Most entries it can hold: the requested capacity rounded up to whole sets. */
  get capacity(): number {
    return this.maxSets * this.ways;
  }

  /** Entries currently held. */
  get size(): number {
    return this.size_;
  }

  /** The value for `src[s..e)` whose hash is `h`. */
  getRange(src: string, s: number, e: number, h: number): V | undefined {
    const base = (h & this.mask) * this.ways;
    const len = e - s;
    for (let w = base; w < base + this.ways; w++) {
      const k = this.keys[w];
      if (k !== undefined && this.hashes[w] === h && k.length === len && (len === src.length ? src === k : src.slice(s, e) === k)) {
        this.lastTag = this.tags[w]!;
        return this.values[w];
      }
    }
    return undefined;
  }

  /** Stores `value` for `key` (whose hash is `h`), with a `tag`, replacing the set's oldest entry when full. */
  setHashed(key: string, h: number, value: V, tag = 0): void {
    // Grow at half load, before sets fill up and start evicting.
    if (this.size_ * 2 >= this.keys.length && this.mask + 1 < this.maxSets) this.grow();
    const set = h & this.mask;
    const base = set * this.ways;
    let slot = -1;
    for (let w = base; w < base + this.ways; w++) {
      const k = this.keys[w];
      if (k === undefined) {
        slot = w;
        this.size_++;
        break;
      }
      if (this.hashes[w] === h && k === key) {
        slot = w;
        break;
      }
    }
    if (slot < 0 && this.mask + 1 < this.maxSets) {
      // A full set while there is room to grow: grow rather than evict.
      this.grow();
      this.setHashed(key, h, value, tag);
      return;
    }
    if (slot < 0) {
      const victim = this.next[set]!;
      this.next[set] = (victim + 1) % this.ways;
      slot = base + victim;
    }
    this.keys[slot] = detach(key);
    this.hashes[slot] = h;
    this.values[slot] = own(value);
    this.tags[slot] = tag;
  }

  /** Four times the sets, entries placed again by their stored hashes. */
  private grow(): void {
    const { keys, values, hashes, tags } = this;
    const sets = Math.min(this.maxSets, (this.mask + 1) * 4);
    this.mask = sets - 1;
    this.keys = new Array<string | undefined>(sets * this.ways).fill(undefined);
    this.values = new Array<V | undefined>(sets * this.ways).fill(undefined);
    this.hashes = new Uint32Array(sets * this.ways);
    this.tags = new Float64Array(sets * this.ways);
    this.next = new Uint8Array(sets);
    this.size_ = 0;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (k === undefined) continue;
      const base = (hashes[i]! & this.mask) * this.ways;
      for (let w = base; w < base + this.ways; w++) {
        if (this.keys[w] !== undefined) continue;
        this.keys[w] = k;
        this.hashes[w] = hashes[i]!;
        this.values[w] = values[i];
        this.tags[w] = tags[i]!;
        this.size_++;
        break;
      }
    }
  }

  get(key: string): V | undefined {
    return this.getRange(key, 0, key.length, hashString(key, 0, key.length));
  }

  set(key: string, value: V): void {
    this.setHashed(key, hashString(key, 0, key.length), value);
  }

  /**
   * `fn(key)`, memoised.
   *
   * @example
   * const redactCached = (s: string) => cache.through(s, (x) => redactor.redact(x));
   */
  through(key: string, fn: (key: string) => V): V {
    const h = hashString(key, 0, key.length);
    let v = this.getRange(key, 0, key.length, h);
    if (v === undefined) {
      v = fn(key);
      this.setHashed(key, h, v);
    }
    return v;
  }

  /** Empties the cache (e.g. when the salt its values derive from is destroyed). */
  clear(): void {
    this.keys.fill(undefined);
    this.values.fill(undefined);
    this.next.fill(0);
    this.size_ = 0;
  }
}

// Hit-rate sampling for AdaptiveMemo.
const WINDOW = 4096;
const MIN_HITS = WINDOW / 4;
const PAUSE = 65_536;

/**
 * A {@link StringCache} that stops itself when it does not pay: every 4096
 * lookups it checks its hit rate, and below 25 % it stays out of the way for
 * the next 65 536 values before trying again. Values that never repeat
 * (request paths with ids) then cost nothing extra, and the cache does not
 * fill the old generation with keys nobody asks for again.
 *
 * @example
 * const memo = new AdaptiveMemo<string>(16384);
 * if (memo.active()) { const hit = memo.cache.getRange(src, s, e, h); memo.record(hit !== undefined); }
 */
export class AdaptiveMemo<V> {
  readonly cache: StringCache<V>;
  private lookups = 0;
  private hits = 0;
  private paused = 0;

  constructor(capacity: number) {
    this.cache = new StringCache<V>(capacity);
  }

  /** Whether to consult (and fill) the cache for the next value. */
  active(): boolean {
    if (this.paused === 0) return true;
    this.paused--;
    return false;
  }

  /** Records a lookup's outcome. */
  record(hit: boolean): void {
    if (hit) this.hits++;
    if (++this.lookups < WINDOW) return;
    if (this.hits < MIN_HITS) this.paused = PAUSE;
    this.lookups = 0;
    this.hits = 0;
  }
}
