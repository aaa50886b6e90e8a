/**
 * URLs fail closed where their structure allows it. For the `request` and
 * `url` roles the redactor first reads the URL's structure and replaces
 * what the structure says cannot be kept:
 * - user info (`scheme://user:password@host`, `//u:p@h`, `u:p@h/…`) → `[userinfo]`;
 * - identifier-shaped path segments → typed placeholders (url/path-template.ts);
 * - query and fragment values whose parameter name is not on the
 *   allow-list → `[redacted]` (or the placeholder of the name's kind:
 *   `[name]`, `[birthdate]`, a custom rule's), without being scanned;
 *   names are kept, allow-listed values are kept if their shape is not an
 *   identifier's and still pass the detectors.
 * A value that is itself a URL (a redirect target, percent-encoded to any
 * depth) is read the same way, recursively, up to {@link MAX_URL_DEPTH}.
 * What is kept is left to the detectors, which scan only the kept ranges
 * that could hold something (digits, `@`, `%`, `:`, `=`, `\`, non-ASCII).
 */
import type { PathWalker } from '../url/path-template.js';
import { schemeEnd } from '../url/path-template.js';
import { SEGMENT_PLACEHOLDER, SEG_HEX, SEG_IP, SEG_KEEP, classifySegment } from '../url/segment.js';
import { CLASS, C_AT, C_COLON, C_DIGIT, C_EQUALS, C_ESCAPE, C_HIGH, C_LETTER, C_PERCENT, C_SPACE, hexValue, isHex } from './bytes.js';
import { coarsenCoordinate } from './detectors/location.js';
import { K, PLACEHOLDER } from './kinds.js';
import { A_ALLOW, A_BIRTHDATE, A_CREDENTIAL, A_CUSTOM, A_NAME, A_NONE, ACTION_MASK, CUSTOM_SHIFT, F_LOCATION, L_ID, L_VERSION } from './name-rules.js';
import type { NameTable } from './param-names.js';
import { decodeRound, placeholderAt, sortPairs, urlShaped, versionShaped } from './url-helpers.js';
import type { Spans } from './spans.js';

/** Nested URLs read at most this deep; a deeper value is replaced whole (fail closed). */
export const MAX_URL_DEPTH = 5;

/** How one field's URLs are handled. */
export interface UrlRules {
  /** `allow-list`: values only for allow-listed names; `detect`: the detectors decide (the old behaviour). */
  readonly allowList: boolean;
  /** Template identifier-shaped path segments. */
  readonly templatePaths: boolean;
  readonly names: NameTable;
  readonly walker: PathWalker;
  /** Placeholders of the custom parameter rules, by index. */
  readonly customPlaceholders: readonly string[];
}

const INTERESTING = C_AT | C_PERCENT | C_COLON | C_EQUALS | C_ESCAPE | C_HIGH | C_SPACE;

/**
 * @example
 * const u = new UrlStructure(spans);
 * u.run(bytes, 0, bytes.length, rules); // spans for what the structure removes
 * for (let k = 0; k < u.gapCount; k++) detect(bytes, u.gaps[2 * k], u.gaps[2 * k + 1]);
 */
export class UrlStructure {
  /** Kept ranges the detectors must scan, as start/end pairs in original offsets. */
  readonly gaps: number[] = [];
  gapCount = 0;
  private readonly bufs: Uint8Array[] = [];
  private readonly maps: Int32Array[] = [];
  private rules!: UrlRules;
  private first = 0;
  /** Whether the last query pair read was one whose value goes (a `#` after it continues that value). */
  private open = false;
  private readonly nameBuf = new Uint8Array(256);
  /** Ranges kept and not scanned, start/end pairs in original offsets, in order. */
  private readonly keeps: number[] = [];
  private keepCount = 0;
  // The text and level the path walker's callbacks work on (saved and restored around nested URLs).
  private curT: Uint8Array = new Uint8Array(0);
  private curMap: Int32Array | null = null;
  private curLevel = 0;
  private readonly onSegment = (a: number, z: number, kind: number): void => this.span(this.curMap, a, z, SEGMENT_PLACEHOLDER[kind]!, K.path);
  private readonly onMatrix = (a: number, z: number): void => {
    if (this.rules.allowList) this.pairs(this.curT, a, z, this.curMap, this.curLevel, 59 /* ; */);
  };

  constructor(private readonly spans: Spans) {}

  /** Reads the URL in `t[from..to)`; spans go to the span list, kept ranges to {@link gaps}. */
  run(t: Uint8Array, from: number, to: number, rules: UrlRules): void {
    this.rules = rules;
    this.first = this.spans.count;
    this.url(t, from, to, null, 0);
    this.collectGaps(t, from, to);
  }

  /** {@link run} for a query string on its own (`a=1&b=2`, no `?`). */
  runQuery(t: Uint8Array, from: number, to: number, rules: UrlRules): void {
    this.rules = rules;
    this.first = this.spans.count;
    this.open = false;
    if (rules.allowList) this.pairs(t, from, to, null, 0, 38 /* & */);
    this.collectGaps(t, from, to);
  }

  private span(map: Int32Array | null, a: number, b: number, text: string, kind: number): void {
    this.spans.add(map === null ? a : map[a]!, map === null ? b : map[b]!, text, kind);
  }

  private url(t: Uint8Array, s: number, e: number, map: Int32Array | null, level: number): void {
    let i = s;
    // Where the authority starts: after `scheme://` or `//`; or at the start, when an `@`
    // comes before the path (`u:p@h/x`); -1 for a path, a relative URL, `www.example.se/x`.
    let auth = schemeEnd(t, s, e);
    if (auth === 0) {
      auth = -1;
      if (e - s > 2 && t[s] === 47 && t[s + 1] === 47) auth = s + 2;
      else if (t[s] !== 47 && t[s] !== 63 && t[s] !== 35) {
        let k = s;
        while (k < e && t[k] !== 47 && t[k] !== 63 && t[k] !== 35 && t[k] !== 92 && t[k] !== 64 && t[k] !== 32) k++;
        if (k > s && k < e && t[k] === 64) auth = s;
      }
    }
    if (auth >= 0) {
      let k = auth;
      let at = -1;
      while (k < e && t[k] !== 47 && t[k] !== 63 && t[k] !== 35 && t[k] !== 92) {
        if (t[k] === 64) at = k;
        k++;
      }
      if (at > auth) this.span(map, auth, at, PLACEHOLDER.userinfo, K.userinfo);
      // `scheme://` and a host name without digits hold nothing to find: not scanned. A host with
      // digits (an address, `c-90-76-31-188.hsd1…`) or a port is.
      if (auth > s) this.keep(map, s, auth);
      const hs = at > auth ? at + 1 : auth;
      let plain = true;
      for (let h = hs; h < k && plain; h++) plain = (CLASS[t[h]!]! & (C_LETTER | C_DIGIT | C_COLON)) === C_LETTER || t[h] === 46 || t[h] === 45;
      if (plain && k > hs) this.keep(map, hs, k);
      i = k;
    }
    let q = i;
    const rules = this.rules;
    if (rules.templatePaths && i < e) {
      const saved = this.curT;
      const savedMap = this.curMap;
      const savedLevel = this.curLevel;
      this.curT = t;
      this.curMap = map;
      this.curLevel = level;
      q = rules.walker.walk(t, i, e, this.onSegment, this.onMatrix);
      this.curT = saved;
      this.curMap = savedMap;
      this.curLevel = savedLevel;
    } else while (q < e && t[q] !== 63 && t[q] !== 35) q++;
    if (q >= e) return;
    let h = q;
    this.open = false;
    if (t[q] === 63) {
      h = q + 1;
      while (h < e && t[h] !== 35) h++;
      if (rules.allowList) this.pairs(t, q + 1, h, map, level, 38 /* & */);
    }
    if (h < e) this.fragment(t, h + 1, e, map, level);
  }

  /**
   * `#section-2` is a segment; `#access_token=…&x=1` is a query. After a
   * query whose last value goes, a `#` is that value's (`?password=#x1` as
   * typed): servers never receive a fragment, so one in a log is text.
   */
  private fragment(t: Uint8Array, s: number, e: number, map: Int32Array | null, level: number): void {
    if (!this.rules.allowList || s >= e) return;
    if (this.open) return this.span(map, s, e, PLACEHOLDER.query, K.query);
    for (let k = s; k < e; k++) if (t[k] === 61) return this.pairs(t, s, e, map, level, 38);
    this.shape(t, s, e, map);
  }

  /** A bare name or value: typed placeholder when its shape is an identifier's. */
  private shape(t: Uint8Array, s: number, e: number, map: Int32Array | null): void {
    const kind = classifySegment(t, s, e);
    if (kind !== SEG_KEEP) this.span(map, s, e, SEGMENT_PLACEHOLDER[kind]!, K.path);
  }

  /** `name=value` pairs separated by `sep` (and `;` in a query). */
  private pairs(t: Uint8Array, s: number, e: number, map: Int32Array | null, level: number, sep: number): void {
    let i = s;
    while (i < e) {
      const ps = i;
      let eq = -1;
      while (i < e && t[i] !== sep && t[i] !== 59 && !(sep === 38 && t[i] === 38)) {
        if (t[i] === 61 && eq < 0) eq = i;
        i++;
      }
      const pe = i;
      i++;
      this.open = false;
      if (pe > ps) this.pair(t, ps, eq, pe, map, level);
    }
  }

  private pair(t: Uint8Array, ps: number, eq: number, pe: number, map: Int32Array | null, level: number): void {
    if (eq < 0) return this.shape(t, ps, pe, map);
    if (eq > ps) this.shape(t, ps, eq, map);
    const verdict = this.verdict(t, ps, eq);
    const open = (verdict & ACTION_MASK) !== A_ALLOW;
    if (pe > eq + 1) this.value(t, verdict, eq + 1, pe, map, level);
    this.open = open;
  }

  /**
   * The name's verdict, read percent-decoded when it is encoded
   * (`l%C3%B6senord`). Placeholders a detector left in a name (`0 [iban]`,
   * `{id}`) are read as nothing, so a second pass judges the name as the
   * first did.
   */
  private verdict(t: Uint8Array, s: number, e: number): number {
    if (t[s] === 123 || t[s] === 91) return A_NONE;
    let special = false;
    for (let k = s; k < e; k++) if (t[k] === 37 || t[k] === 91 || t[k] === 123) special = true;
    if (!special || e - s > this.nameBuf.length) return this.rules.names.verdict(t, s, e);
    const buf = this.nameBuf;
    let n = 0;
    for (let k = s; k < e; ) {
      if (t[k] === 37 && k + 2 < e && isHex(t[k + 1]!) && isHex(t[k + 2]!)) {
        buf[n++] = (hexValue(t[k + 1]!) << 4) | hexValue(t[k + 2]!);
        k += 3;
      } else buf[n++] = t[k++]!;
    }
    // Drop placeholders (`[word]`, `{word}`), then leading white space and punctuation.
    let m = 0;
    for (let k = 0; k < n; ) {
      const z = placeholderAt(buf, k, n);
      if (z > k) k = z;
      else buf[m++] = buf[k++]!;
    }
    let a = 0;
    while (a < m && buf[a]! < 0x80 && !(CLASS[buf[a]!]! & (C_DIGIT | C_LETTER))) a++;
    return a === m ? A_NONE : this.rules.names.verdict(buf, a, m);
  }

  private value(t: Uint8Array, verdict: number, vs: number, ve: number, map: Int32Array | null, level: number): void {
    const action = verdict & ACTION_MASK;
    if (action === A_ALLOW || action === A_NONE) {
      if (this.nested(t, vs, ve, map, level)) return;
      if (action === A_ALLOW) {
        if (verdict & F_LOCATION) {
          const c = coarsenCoordinate(t, vs, ve);
          if (c !== undefined) this.span(map, vs, ve, c, K.location);
          return;
        }
        // A version beside `v` (`v=1.2.3.4`) is not an address, a git SHA beside `ref` not a token:
        // kept, and not scanned (the detectors see the value without its name).
        const kind = classifySegment(t, vs, ve);
        if ((kind === SEG_IP && verdict & L_VERSION && versionShaped(t, vs, ve)) || (kind === SEG_HEX && verdict & L_ID)) return this.keep(map, vs, ve);
        if (kind === SEG_KEEP) return;
        return this.span(map, vs, ve, SEGMENT_PLACEHOLDER[kind]!, K.path);
      }
    }
    switch (action) {
      case A_CREDENTIAL:
        return this.span(map, vs, ve, PLACEHOLDER.credential, K.credential);
      case A_NAME:
        return this.span(map, vs, ve, PLACEHOLDER.name, K.name);
      case A_BIRTHDATE:
        return this.span(map, vs, ve, PLACEHOLDER.birthdate, K.birthdate);
      case A_CUSTOM:
        return this.span(map, vs, ve, this.rules.customPlaceholders[verdict >>> CUSTOM_SHIFT]!, K.custom);
      default:
        return this.span(map, vs, ve, PLACEHOLDER.query, K.query);
    }
  }

  /**
   * When the value `t[vs..ve)` is a URL — as it is or after one or more
   * rounds of percent-decoding — reads it as one and returns true.
   */
  private nested(t: Uint8Array, vs: number, ve: number, map: Int32Array | null, level: number): boolean {
    if (urlShaped(t, vs, ve)) {
      if (level + 1 >= MAX_URL_DEPTH) return false;
      this.url(t, vs, ve, map, level + 1);
      return true;
    }
    let escaped = false;
    for (let k = vs; k < ve; k++) if (t[k] === 37) escaped = true;
    if (!escaped || level + 1 >= MAX_URL_DEPTH) return false;
    // Decode round by round into this level's buffer, carrying the origin of each byte.
    const n = ve - vs;
    if (this.bufs[level] === undefined || this.bufs[level]!.length < n) {
      this.bufs[level] = new Uint8Array(Math.max(256, n * 2));
      this.maps[level] = new Int32Array(Math.max(256, n * 2) + 1);
    }
    const buf = this.bufs[level]!;
    const bmap = this.maps[level]!;
    for (let k = 0; k < n; k++) {
      buf[k] = t[vs + k]!;
      bmap[k] = map === null ? vs + k : map[vs + k]!;
    }
    bmap[n] = map === null ? ve : map[ve]!;
    let len = n;
    for (let round = 0; round < MAX_URL_DEPTH; round++) {
      const m = decodeRound(buf, bmap, len);
      if (m === len) return false;
      len = m;
      if (urlShaped(buf, 0, len)) {
        this.url(buf, 0, len, bmap, level + 1);
        return true;
      }
    }
    return false;
  }

  /** A range kept as it is and not scanned. */
  private keep(map: Int32Array | null, a: number, b: number): void {
    this.keeps[this.keepCount++] = map === null ? a : map[a]!;
    this.keeps[this.keepCount++] = map === null ? b : map[b]!;
  }

  /** The ranges between the structure's spans (and kept ranges) that could hold something for the detectors. */
  private collectGaps(t: Uint8Array, from: number, to: number): void {
    const spans = this.spans;
    const n = spans.count;
    this.gapCount = 0;
    if (n > this.first + 1) spans.sort(this.first, n);
    const keeps = sortPairs(this.keeps, this.keepCount);
    const kn = this.keepCount;
    let kk = 0;
    let prev = from;
    for (let k = this.first; ; ) {
      // The next covered range: a span or a kept range, whichever starts first.
      let a: number;
      let z: number;
      if (k < n && (kk >= kn || spans.start[k]! <= keeps[kk]!)) {
        a = spans.start[k]!;
        z = spans.end[k]!;
        k++;
      } else if (kk < kn) {
        a = keeps[kk]!;
        z = keeps[kk + 1]!;
        kk += 2;
      } else break;
      if (a > prev) this.gap(t, prev, a);
      if (z > prev) prev = z;
    }
    if (to > prev) this.gap(t, prev, to);
    this.keepCount = 0;
  }

  /**
   * Kept ranges go to the detectors one structural piece at a time — split
   * at `/ ? # & = ;` when the allow-list reads the query — so a finding never
   * runs into the next segment or value and a second pass reads what a first
   * left the same way. A piece is scanned only when a detector could find
   * something in it that the structure did not: an `@ % : = \\`, white
   * space, a non-ASCII character, or seven digits or more. A segment like
   * `app.3f2a8b9c.js` or a value like `desc` costs this one loop (the segment
   * classifier has already judged its shape).
   */
  private gap(t: Uint8Array, a: number, b: number): void {
    const split = this.rules.allowList;
    let m = 0;
    let digits = 0;
    let start = a;
    for (let i = a; i <= b; i++) {
      const c = i < b ? t[i]! : 47;
      if (i === b || (split && (c === 47 || c === 63 || c === 35 || c === 38 || c === 61 || c === 59))) {
        if (i > start && (m & INTERESTING || digits > 6)) {
          const k = this.gapCount++;
          this.gaps[2 * k] = start;
          this.gaps[2 * k + 1] = i;
        }
        m = 0;
        digits = 0;
        start = i + 1;
        continue;
      }
      const k = CLASS[c]!;
      m |= k;
      digits += k & C_DIGIT;
    }
  }
}
