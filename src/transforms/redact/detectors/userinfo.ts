/**
 * URL user info in every form — `scheme://user:pass@host`, `//u:p@h`,
 * `u:p@h` — at every percent-encoding depth: in a decoded view an encoded
 * character (deeper than the `//`) is part of the user info whatever it is,
 * so `Vinter%2324` and `Qwerty%2036` go whole. The e-mail detector leaves
 * alone what this takes (the same stops, the same start).
 */
import { AT, COLON, SLASH } from '../../../util/ascii.js';
import { CLASS, C_DIGIT, C_PARAM_NAME } from '../bytes.js';
import { K, PLACEHOLDER } from '../kinds.js';
import type { PercentView } from '../percent.js';
import type { Spans } from '../spans.js';

const QUOTE = 34;
const APOS = 39;
const NL = 10;
const CR = 13;

/**
 * @example
 * new UserinfoDetector(percentView, spans).userinfo(bytes, 0, bytes.length); // https://u:p@h → https://[userinfo]@h
 */
export class UserinfoDetector {
  constructor(
    private readonly percent: PercentView,
    private readonly spans: Spans,
  ) {}

  /**
   * URL user info: `scheme://user:pass@host`, `//user:pass@host` and
   * `user:pass@host` → `[userinfo]@host`. In the percent-decoded view a
   * `/ ? # @` counts only when it was encoded no deeper than the `//`
   * before it, so an encoded character in the password (`Vinter%2324`,
   * `%2523` one level down) is part of it. Returns nothing; the `@`s it
   * took are what the e-mail detector leaves alone.
   */
  userinfo(t: Uint8Array, from: number, to: number): void {
    const decoded = t === this.percent.view;
    const depth = this.percent.depth;
    for (let p = from; p + 1 < to; p++) {
      if (t[p] !== SLASH || t[p + 1] !== SLASH) continue;
      const level = decoded ? depth[p]! : 0;
      const s = p + 2;
      let e = s;
      let at = -1;
      while (e < to) {
        const c = t[e]!;
        // An encoded character (deeper than the `//`) is part of the user info, whatever it is: `Qwerty%2036`, `%26bamse`.
        if (!decoded || depth[e]! <= level) {
          if (isAuthorityStop(c)) break;
          if (c === AT) at = e;
        }
        e++;
      }
      if (at > s) this.spans.add(s, at, PLACEHOLDER.userinfo, K.userinfo);
      // From s, not e: a `//` may begin just before the `/` that ended this authority (`https://a:b://c@d`).
      p = s - 1;
    }
    // `user:password@host` without `//`.
    const d = decoded ? depth : undefined;
    for (let i = from; i < to; i++) {
      if (t[i] !== AT || (d !== undefined && d[i]! > 0)) continue;
      const s = userinfoStart(t, from, i, d);
      if (s >= 0 && !(s >= from + 2 && t[s - 1] === SLASH && t[s - 2] === SLASH)) this.spans.add(s, i, PLACEHOLDER.userinfo, K.userinfo);
    }
  }}

/**
 * Where `user:password` ends at the `@` at `at` starts, or -1: a run of user
 * info characters with a colon inside, at the start of a word, after a
 * user that is not a URI scheme of addresses (`mailto:`, `sip:`, `tel:`).
 *
 * @example
 * userinfoStart(Buffer.from('x anna:pw@h.se'), 0, 9) // 2
 */
export function userinfoStart(t: Uint8Array, from: number, at: number, depth?: Uint8Array): number {
  let s = at;
  let colon = -1;
  while (s > from) {
    const c = t[s - 1]!;
    if (depth !== undefined && depth[s - 1]! > 0) {
      // Encoded in the text: part of the user info whatever it is.
    } else if (c === COLON) colon = s - 1;
    else if (!(CLASS[c]! & C_PARAM_NAME) && c !== 37 && c !== 126 && c !== 33 && c !== 36 && c !== 42 && c !== 43 && c !== 44) break;
    s--;
  }
  if (colon <= s || colon >= at - 1) return -1;
  if (s > from && (CLASS[t[s - 1]!]! & C_DIGIT || t[s - 1] === AT)) return -1;
  const user = lower(t, s, colon);
  if (user === 'mailto' || user === 'sip' || user === 'sips' || user === 'tel' || user === 'xmpp' || user === 'im') return -1;
  return s;
}

/**
 * What ends a URL authority: `/ ? # \\`, white space, quotes, `< > &`. In a
 * decoded view only when encoded no deeper than the `//` (the callers check).
 */
export function isAuthorityStop(c: number): boolean {
  return c === SLASH || c === 63 || c === 35 || c === 92 || c === 32 || c === 9 || c === QUOTE || c === APOS || c === 60 || c === 62 || c === NL || c === CR || c === 38;
}

function lower(t: Uint8Array, s: number, e: number): string {
  if (e - s > 24) return '';
  let out = '';
  for (let i = s; i < e; i++) out += String.fromCharCode(t[i]! >= 65 && t[i]! <= 90 ? t[i]! | 0x20 : t[i]!);
  return out;
}
