/**
 * `redact`: removes identifiers hidden in free text — request paths and query
 * strings, referers, messages, and lines kept after a failed parse.
 *
 * What it finds, and what it writes instead:
 * - IP addresses (v4, v6 in every text form, IPv4-mapped) → the truncated address
 * - e-mail addresses, plain and URL-encoded (`%40`) → `[email]`
 * - Swedish personal identity / coordination numbers (Luhn) → `[pnr]`
 * - phone numbers, E.164 and Swedish national → `[phone]`
 * - payment card numbers (Luhn) → `[card]`
 * - UUIDs and MAC addresses → `[uuid]`, `[mac]`
 * - long random-looking tokens (hex, base64url, JWT) → `[secret]`
 * - URL credentials (`https://user:pass@host`) → `[userinfo]`
 * - values of sensitive parameters (`token=`, `session=`, `email=`, … in query
 *   strings, fragments, `;jsessionid=` path parameters and `key=value` text) → `[redacted]`
 *
 * Percent-encoded text is decoded into a view before detection and the hits
 * are mapped back, so `john%40example.com` or `%3Ftoken%3Dabc` nested in a
 * parameter are caught — also when a redirect chain encoded them again
 * (`%253A`). Detection is a few passes of charCodeAt loops over the
 * text; a string with nothing to redact is returned as the same instance, so
 * callers can keep the original bytes cheaply.
 */
import { MIN_NUMBER_DIGITS, NumberScanner, type NumberKind } from './numbers.js';
import { SensitiveNames } from './param-names.js';
import { CLASS, C_AT, C_COLON, C_DIGIT, C_DOT, C_EQUALS, C_LETTER, C_MINUS, C_PERCENT, C_TOKEN, isHttpProtocol, isLowSurrogate, isMethod } from './bytes.js';
import { MAX_DECODE_ROUNDS, PercentView, hasEscape } from './percent.js';
import { REPLACEMENT, Spans } from './spans.js';
import { AddressDetector } from './detectors/addresses.js';
import { EmailDetector } from './detectors/email.js';
import { ParamDetector } from './detectors/params.js';
import { TokenDetector } from './detectors/tokens.js';
import { type RedactOptions } from './options.js';

export { DEFAULT_REDACT_OPTIONS, DEFAULT_SENSITIVE_CONTAINS, DEFAULT_SENSITIVE_EXACT, type RedactOptions } from './options.js';

const encoder = new TextEncoder();

/**
 * A compiled redactor. Detection runs over bytes (a Uint8Array read costs a
 * third of a `charCodeAt` here); replacements are cut from the original
 * string. Holds scratch buffers, so one instance serves one thread; create
 * it once at start.
 *
 * @example
 * const r = new Redactor({ ...DEFAULT_REDACT_OPTIONS, ip: DEFAULT_IP_TRUNCATION });
 * r.redact('/reset?email=jo%40example.com&from=81.6.12.34') // '/reset?email=[redacted]&from=81.6.12.0'
 */
export class Redactor {
  private readonly numbers: NumberScanner;
  /** Spans found in the text being redacted, in coordinates of the scanned bytes. */
  private readonly spans = new Spans();
  private readonly percent = new PercentView();
  private readonly addresses: AddressDetector;
  private readonly emails: EmailDetector;
  private readonly tokens: TokenDetector;
  private readonly paramDetector: ParamDetector;
  /** The text as UTF-8, for callers that have only the string. */
  private encoded = new Uint8Array(1024);
  /** Byte offset → character offset, for text that is not ASCII. */
  private charAt = new Int32Array(1025);
  private readonly emitNumber = (a: number, b: number, kind: NumberKind): void => this.spans.add(a, b, REPLACEMENT[kind]);

  constructor(readonly options: RedactOptions) {
    this.numbers = new NumberScanner(options);
    const sensitive = new SensitiveNames(options.sensitiveParams.contains, options.sensitiveParams.exact);
    this.addresses = new AddressDetector(options.ip, options.mac, this.spans);
    this.emails = new EmailDetector(options.userinfo, this.spans);
    this.tokens = new TokenDetector(options, this.spans);
    this.paramDetector = new ParamDetector(sensitive, this.percent, this.spans);
  }

  /**
   * Returns `text` with identifiers replaced; the same string instance when
   * nothing was found.
   */
  redact(text: string): string {
    const len = text.length;
    if (len < 3) return text;
    if (this.encoded.length < len * 3) this.encoded = new Uint8Array(len * 3);
    const written = encoder.encodeInto(text, this.encoded).written;
    if (written === len) return this.run(text, this.encoded, 0, len, false);
    // Not ASCII: detectors still look at ASCII only, but hits must map back to characters.
    if (this.charAt.length <= written) this.charAt = new Int32Array(written * 2 + 1);
    const map = this.charAt;
    let byte = 0;
    for (let i = 0; i < len; i++) {
      const c = text.charCodeAt(i);
      // Four bytes only for a surrogate pair; a lone surrogate is encoded as U+FFFD (three).
      const n = c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1)) ? 4 : 3;
      for (let k = 0; k < n; k++) map[byte + k] = i;
      byte += n;
      if (n === 4) i++; // the low surrogate belongs to the same code point
    }
    map[written] = len;
    return this.run(text, this.encoded, 0, written, true);
  }

  /**
   * {@link redact} for text whose ASCII bytes the caller already has:
   * `text[i]` is `bytes[offset + i]`. Saves encoding it again.
   */
  redactAscii(text: string, bytes: Uint8Array, offset: number): string {
    if (text.length < 3) return text;
    return this.run(text, bytes, offset, offset + text.length, false);
  }

  /**
   * {@link redactAscii} for an HTTP request line (`GET /path?q=1 HTTP/1.1`):
   * when the method is plain upper-case letters and the protocol is
   * `HTTP/x.y`, only the target between them can hold identifiers, so only it
   * is scanned. Anything else is scanned whole.
   */
  redactRequestAscii(text: string, bytes: Uint8Array, offset: number): string {
    const sp1 = text.indexOf(' ');
    const sp2 = text.lastIndexOf(' ');
    if (sp1 < 1 || sp1 > 16 || sp2 <= sp1 + 1 || !isMethod(bytes, offset, offset + sp1) || !isHttpProtocol(bytes, offset + sp2 + 1, offset + text.length)) {
      return this.redactAscii(text, bytes, offset);
    }
    const target = text.slice(sp1 + 1, sp2);
    const r = this.run(target, bytes, offset + sp1 + 1, offset + sp2, false);
    return r === target ? text : text.slice(0, sp1 + 1) + r + text.slice(sp2);
  }

  private run(text: string, b: Uint8Array, from: number, to: number, mapped: boolean): string {
    const spans = this.spans;
    spans.count = 0;
    // Percent-encoding is rare: scan as is, and only when a % turned up scan
    // again over the decoded view (which finds %40, %3A and nested query
    // strings), whose findings replace the first scan's.
    if (this.scan(b, from, to) & C_PERCENT) {
      const pv = this.percent;
      let n = pv.decode(b, from, to);
      if (n !== to - from) {
        spans.count = 0;
        // Redirect chains encode a URL inside a URL, so `%` itself arrives
        // encoded (`%253A` is `%3A` is `:`). Each round that uncovers escapes
        // is scanned as well, and the findings of every round are kept: a
        // literal `%25` before hex digits (`%2581.6.12.34`) is only text, and
        // the round that reads it as one more escape must not hide what the
        // round before it found.
        for (let round = 1; ; round++) {
          const found = spans.count;
          this.scan(pv.view, 0, n);
          spans.toOriginal(found, pv.map);
          if (found > 0 && spans.count > found) spans.alignToDeeperEscapes(found, n, pv.map);
          if (round === MAX_DECODE_ROUNDS || !hasEscape(pv.view, n)) break;
          n = pv.decodeInPlace(n, round + 1);
        }
      }
    }
    if (spans.count === 0) return text;
    spans.normalise();
    // Rebuild from the original text: bytes → characters.
    let out = '';
    let prev = 0;
    for (let k = 0; k < spans.count; k++) {
      let a = spans.start[k]!;
      let z = spans.end[k]!;
      a -= from;
      z -= from;
      if (mapped) {
        a = this.charAt[a]!;
        z = this.charAt[z]!;
      }
      if (a < prev) continue;
      out += text.slice(prev, a) + spans.text[k]!;
      prev = z;
    }
    out += text.slice(prev);
    return out === text ? text : out;
  }

  /**
   * Runs every detector over `t[from..to)`, collecting spans; returns the
   * classes seen. One pass splits the text into words and ORs each word's
   * byte classes together; a detector runs only on words whose classes could
   * hold what it looks for, so the common word (`api`, `static`, `v1`) costs a
   * table lookup per byte. (Tracking digit-group runs here as well cost more
   * than the separate number pass it would save: bench/micro/redact.bench.mjs.)
   */
  private scan(t: Uint8Array, from: number, to: number): number {
    this.emails.reset();
    const opts = this.options;
    const minSecret = opts.secret ? opts.secretMinLength : Infinity;
    let seen = 0;
    let digits = 0;
    let i = from;
    while (i < to) {
      let k = CLASS[t[i]!]!;
      if ((k & C_TOKEN) === 0) {
        seen |= k;
        i++;
        continue;
      }
      const a = i;
      let m = 0;
      do {
        m |= k;
        digits += k & C_DIGIT;
        if (++i >= to) break;
        k = CLASS[t[i]!]!;
      } while (k & C_TOKEN);
      seen |= m;
      const n = i - a;
      if (n < 3) continue;
      if (m & C_COLON) this.addresses.ipv6OrMac(t, a, i);
      if ((m & (C_DOT | C_DIGIT)) === (C_DOT | C_DIGIT) && n >= 7 && opts.ip !== undefined) this.addresses.ipv4(t, a, i, opts.ip);
      if (m & (C_AT | C_PERCENT) && opts.email) this.emails.scan(t, from, a, i);
      if (m & C_MINUS && n >= 17) this.tokens.uuidOrMac(t, a, i);
      if (n >= minSecret && (m & (C_DIGIT | C_LETTER)) === (C_DIGIT | C_LETTER)) this.tokens.secret(t, a, i);
    }
    if (seen & C_EQUALS) this.paramDetector.params(t, from, to);
    if (seen & C_AT && opts.userinfo) this.paramDetector.userinfo(t, from, to);
    if (digits >= MIN_NUMBER_DIGITS) this.numbers.scan(t, from, to, this.emitNumber);
    return seen;
  }
}
