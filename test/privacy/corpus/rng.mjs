/**
 * A small seeded PRNG (sfc32, seeded through cyrb128) with the helpers the
 * corpus generator needs. Same seed → same sequence on every machine and
 * Node version: no Math.random, no locale, no host clock.
 */

/**
 * Four 32-bit seeds from a string (cyrb128).
 * @param {string} str
 * @returns {[number, number, number, number]}
 */
function cyrb128(str) {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/**
 * A seeded random source.
 *
 * @example
 * const r = new Rng('42');
 * r.int(0, 9); r.pick(['a', 'b']); r.digits(7);
 */
export class Rng {
  /** @param {string | number} seed */
  constructor(seed) {
    [this.a, this.b, this.c, this.d] = cyrb128(String(seed));
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** @returns {number} a uniform 32-bit unsigned integer */
  u32() {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** @returns {number} uniform in [0, 1) */
  float() {
    return this.u32() / 4294967296;
  }

  /**
   * @param {number} lo inclusive
   * @param {number} hi inclusive
   * @returns {number}
   */
  int(lo, hi) {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  /** @param {number} p @returns {boolean} */
  chance(p) {
    return this.float() < p;
  }

  /**
   * @template T
   * @param {readonly T[]} arr
   * @returns {T}
   */
  pick(arr) {
    if (arr.length === 0) throw new Error('pick from an empty list');
    return arr[Math.floor(this.float() * arr.length)];
  }

  /**
   * Picks from `[weight, value]` pairs.
   * @template T
   * @param {readonly (readonly [number, T])[]} pairs
   * @returns {T}
   */
  weighted(pairs) {
    let total = 0;
    for (const [w] of pairs) total += w;
    let x = this.float() * total;
    for (const [w, v] of pairs) {
      if ((x -= w) < 0) return v;
    }
    return pairs[pairs.length - 1][1];
  }

  /** @param {number} n @returns {string} n random decimal digits */
  digits(n) {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }

  /** @param {number} n @param {boolean} [upper] @returns {string} n random hex digits */
  hex(n, upper = false) {
    const a = upper ? '0123456789ABCDEF' : '0123456789abcdef';
    let s = '';
    for (let i = 0; i < n; i++) s += a[this.int(0, 15)];
    return s;
  }

  /** @param {number} n @param {string} alphabet @returns {string} */
  chars(n, alphabet) {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(0, alphabet.length - 1)];
    return s;
  }

  /**
   * @template T
   * @param {T[]} arr
   * @returns {T[]} the same array, shuffled in place
   */
  shuffle(arr) {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [arr[i], arr[j]] = [arr[j], arr[i]];
    }
    return arr;
  }

  /** A child generator for one line: its draws do not shift other lines'. @param {string} label */
  fork(label) {
    return new Rng(`${this.u32()}:${label}`);
  }
}
