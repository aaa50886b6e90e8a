/**
 * E-mail addresses around each `@` or `%40` in a word.
 */
import { AT, COLON, DOT, EQUALS, MINUS, PERCENT, SLASH } from '../../../util/ascii.js';
import { CLASS, C_ATEXT, C_DIGIT, C_EMAIL_LOCAL, C_LETTER, firstAtLeast } from '../bytes.js';
import type { Spans } from '../spans.js';
import { isAuthorityStop, userinfoStart } from './userinfo.js';

/**
 * @example
 * const d = new EmailDetector(true, spans);
 * d.reset();
 * d.scan(bytes, 0, 0, bytes.length); // spans: jo@example.com → [email]
 */
export class EmailDetector {
  /**
   * Where URL authorities are in the text being scanned, shared by all its
   * words (one per word would read the text from its start for each word);
   * made on the first e-mail candidate, as most texts have none.
   */
  private authority: AuthorityTracker | undefined;
  /** The same for the runs an empty local part is read back over (`x/@`, `o'brien!@`). */
  private punctuationRuns: RunStarts | undefined;
  private atextRuns: RunStarts | undefined;

  constructor(
    /** Whether URL user info has its own detector (then user@host in an authority is left to it). */
    private readonly userinfo: boolean,
    private readonly spans: Spans,
  ) {}

  /** Per-byte encoding depth of the text being scanned (the percent view's), or undefined for literal text. */
  private depth: Uint8Array | undefined;

  /** Forgets the text scanned before: call before each scan, with the depths when `t` is a decoded view. */
  reset(depth: Uint8Array | undefined): void {
    this.depth = depth;
    this.authority = undefined;
    this.punctuationRuns = undefined;
    this.atextRuns = undefined;
  }

  /** E-mail addresses around each `@` or `%40` in the word `t[a..b)` of the text that starts at `from`. */
  scan(t: Uint8Array, from: number, a: number, b: number): void {
    // Reading a local part back from each separator would read a word of
    // many `%40`s once per `%40`. A read that reaches the previous separator
    // continues where that separator's read ended if the separator is `%40`,
    // whose bytes are local-part bytes too (`@` is not), so the word is read once.
    let floor = -1;
    let prevRunStart = -1;
    let prevSepLocal = false;
    for (let i = a; i < b; i++) {
      const c = t[i]!;
      let sepLen = 0;
      if (c === AT) sepLen = 1;
      else if (c === PERCENT && t[i + 1] === 52 /* 4 */ && t[i + 2] === 48 /* 0 */) sepLen = 3;
      else continue;
      const lowest = floor;
      floor = i + sepLen;
      let s = i;
      const stop = Math.max(a, lowest);
      while (s > stop && CLASS[t[s - 1]!]! & C_EMAIL_LOCAL) s--;
      if (s === lowest && prevSepLocal) s = prevRunStart;
      prevRunStart = s;
      prevSepLocal = sepLen === 3;
      // A local part ending in one of RFC 5322's rarer characters (`o'brien!@…`, `{x}@…`,
      // `x/@…`) is read back over them, past the word, rather than not found at all;
      // `/ ? = & #` only at its end, so that in a URL it stops at the path (and a
      // `https://host/@handle.name` stays, the authority check below sees to that).
      if (s === i) {
        const back = Math.max(from, lowest);
        s = Math.max(back, (this.punctuationRuns ??= new RunStarts(t, from, isUrlPunctuation)).before(s));
        const end = s;
        s = Math.max(back, (this.atextRuns ??= new RunStarts(t, from, isAtext)).before(s));
        if (s === end) s = i;
      }
      while (s < i && t[s] === DOT) s++;
      if (s === i) continue;
      // user@host in a URL's authority, and `user:password@host`, are user info, which has its own detector.
      if (this.userinfo && ((this.authority ??= new AuthorityTracker(t, from, this.depth)).contains(s) || (s > from && t[s - 1] === COLON && userinfoStart(t, from, i, this.depth) >= 0))) continue;
      const ds = i + sepLen;
      let e = ds;
      while (e < b) {
        const d = t[e]!;
        if (d !== DOT && !(CLASS[d]! & (C_DIGIT | C_LETTER)) && d !== MINUS) break;
        e++;
      }
      while (e > ds && (t[e - 1] === DOT || t[e - 1] === MINUS)) e--;
      let lastDot = -1;
      for (let k = e - 1; k > ds; k--) {
        if (t[k] === DOT) {
          lastDot = k;
          break;
        }
      }
      // domain.tld with a top-level label of two or more, starting with a letter.
      if (lastDot <= ds || e - lastDot - 1 < 2 || !(CLASS[t[lastDot + 1]!]! & C_LETTER)) continue;
      this.spans.addKind(s, e, 'email');
      i = e - 1;
    }
  }
}

/** `/ ? = & #`: RFC 5322 allows them in a local part, URLs use them as delimiters. */
function isUrlPunctuation(c: number): boolean {
  return c === SLASH || c === 63 || c === EQUALS || c === 38 || c === 35;
}

function isAtext(c: number): boolean {
  return (CLASS[c]! & C_ATEXT) !== 0;
}

/**
 * Where the run of bytes passing `test` that ends at an offset starts, for
 * offsets asked in increasing order: the text is read once however many
 * words ask (reading back from each would be quadratic in a text of many
 * short words).
 */
class RunStarts {
  private at: number;
  private start: number;

  constructor(
    private readonly t: Uint8Array,
    private readonly from: number,
    private readonly test: (c: number) => boolean,
  ) {
    this.at = from;
    this.start = from;
  }

  before(p: number): number {
    if (p < this.at) {
      // Asked out of order: read back (the e-mail detector never does this).
      let s = p;
      while (s > this.from && this.test(this.t[s - 1]!)) s--;
      return s;
    }
    for (; this.at < p; this.at++) if (!this.test(this.t[this.at]!)) this.start = this.at + 1;
    return this.start;
  }
}

/**
 * Whether an offset of `t` lies in a URL's authority: after a `//` and
 * before the next stop — `/ ? # \` encoded no deeper than the `//` (in a
 * decoded view), or a space, quote, `< > &` or line end. The same rule as
 * the user-info detector's, so whatever this calls user info that detector
 * replaces. The text is read once, however many `@`s it holds: authorities
 * are recorded as they are passed.
 */
class AuthorityTracker {
  private scanned: number;
  private open = -1;
  private level = 0;
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  constructor(
    private readonly t: Uint8Array,
    from: number,
    private readonly depth: Uint8Array | undefined,
  ) {
    this.scanned = from;
  }

  contains(i: number): boolean {
    const t = this.t;
    const depth = this.depth;
    for (; this.scanned < i; this.scanned++) {
      const p = this.scanned;
      const c = t[p]!;
      if (this.open >= 0) {
        if (!(isAuthorityStop(c) && (depth === undefined || depth[p]! <= this.level))) continue;
        this.starts.push(this.open);
        this.ends.push(p);
        this.open = -1;
        // The `/` that ended it may start the next one (`https://a:b://c@d`).
      }
      if (c === SLASH && t[p + 1] === SLASH) {
        this.open = p + 2;
        this.level = depth === undefined ? 0 : depth[p]!;
        this.scanned++;
      }
    }
    if (this.open >= 0 && i >= this.open) return true;
    const k = firstAtLeast(this.ends, this.ends.length, i + 1);
    return k < this.ends.length && this.starts[k]! <= i;
  }
}
