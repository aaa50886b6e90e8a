/**
 * Identifiers that URL and `key=value` structure reveals: the values of
 * sensitive parameters, and URL user info.
 */
import { AT, DOT, EQUALS, MINUS, SLASH } from '../../../util/ascii.js';
import { CLASS, C_DIGIT, C_LETTER, C_PARAM_NAME, endsValue, indexOfByte, indexOfScheme } from '../bytes.js';
import { type SensitiveNames } from '../param-names.js';
import { type PercentView } from '../percent.js';
import { REPLACEMENT, type Spans } from '../spans.js';

/**
 * @example
 * const d = new ParamDetector(new SensitiveNames(['token'], []), percentView, spans);
 * d.params(bytes, 0, bytes.length); // spans: the value of token=abc → [redacted]
 */
export class ParamDetector {
  constructor(
    private readonly sensitive: SensitiveNames,
    private readonly percent: PercentView,
    private readonly spans: Spans,
  ) {}

  /** `name=value` pairs whose name is sensitive: the value goes. */
  params(t: Uint8Array, from: number, to: number): void {
    // In the percent-decoded view a terminator counts only at the encoding
    // depth its `=` was written at or outside it: after a literal `=`, only
    // literal terminators end the value (`name=Anna%20Svensson`,
    // `password=a%26b` go whole); after an encoded one — a query nested in a
    // value, `%3Ftoken%3Dabc%26x%3D1` — terminators encoded once do too, but
    // not those encoded twice (`%3Dabc%2526def` is one value, `abc&def`).
    const decoded = t === this.percent.view;
    const depth = this.percent.depth;
    let p = indexOfByte(t, EQUALS, from, to);
    while (p >= 0) {
      let s = p;
      while (s > from && CLASS[t[s - 1]!]! & C_PARAM_NAME) s--;
      let next = p + 1;
      // A name starts with a letter or digit after any `-_.` (`user[email]`, not
      // `[email]`): that keeps a replacement left by an earlier pass (`[email]=…`)
      // from being read as a sensitive name, so redacting twice changes nothing.
      let k = s;
      while (k < p && (t[k] === MINUS || t[k] === 95 /* _ */ || t[k] === DOT)) k++;
      // The name is tested before the value is read: reading every value to
      // its end would make `x=x=x=…` quadratic.
      if (k < p && CLASS[t[k]!]! & (C_DIGIT | C_LETTER) && this.sensitive.test(t, s, p)) {
        let e = p + 1;
        const level = decoded ? depth[p]! : 0;
        while (e < to && !(endsValue(t[e]!) && (!decoded || depth[e]! <= level))) e++;
        if (e > p + 1) {
          this.spans.add(p + 1, e, REPLACEMENT.param);
          next = e;
        }
      }
      p = indexOfByte(t, EQUALS, next, to);
    }
  }

  /** `scheme://user:pass@host` → the user info goes. */
  userinfo(t: Uint8Array, from: number, to: number): void {
    let p = indexOfScheme(t, from, to);
    while (p >= 0) {
      const s = p + 3;
      let e = s;
      let at = -1;
      while (e < to) {
        const c = t[e]!;
        if (c === SLASH || c === 63 /* ? */ || c === 35 /* # */ || c === 32 || c === 34) break;
        if (c === AT) at = e;
        e++;
      }
      if (at >= s) this.spans.add(s, at, REPLACEMENT.userinfo);
      // From s, not e: a `://` may begin just before the `/` that ended this authority (`https://a:b://c@d`).
      p = indexOfScheme(t, s, to);
    }
  }
}
