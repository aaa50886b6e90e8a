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
import { type IpTruncation, formatMaskedIpv4, formatMaskedIpv6, parseIpv4, parseIpv6 } from '../truncate-ip.js';
import { MIN_NUMBER_DIGITS, NumberScanner, type NumberKind } from './numbers.js';
import { SensitiveNames } from './param-names.js';
import { AT, COLON, DOT, EQUALS, MINUS, PERCENT, SLASH } from '../../util/ascii.js';

export interface RedactOptions {
  /** Truncate IP addresses found in text with this rule; undefined leaves them. */
  readonly ip: IpTruncation | undefined;
  readonly email: boolean;
  readonly personnummer: boolean;
  readonly phone: boolean;
  readonly card: boolean;
  readonly uuid: boolean;
  readonly mac: boolean;
  readonly secret: boolean;
  readonly userinfo: boolean;
  /** A token counts as a secret from this length on. */
  readonly secretMinLength: number;
  /** Parameter names whose values are always redacted (compared lower case, without `-`, `_`, `.`, `[]`). */
  readonly sensitiveParams: { readonly contains: readonly string[]; readonly exact: readonly string[] };
}

/** Names that are redacted when they appear anywhere in a parameter name. */
export const DEFAULT_SENSITIVE_CONTAINS = [
  'token', 'session', 'passw', 'pwd', 'secret', 'apikey', 'accesskey', 'privatekey', 'auth', 'email', 'mail',
  'phone', 'mobile', 'msisdn', 'ssn', 'personnummer', 'signature', 'credential', 'jwt', 'otp', 'cookie', 'iban',
  'cardnumber', 'ccnum',
] as const;
/** Names that are redacted only when they are the whole parameter name. */
export const DEFAULT_SENSITIVE_EXACT = [
  'key', 'sid', 'code', 'pass', 'pin', 'tel', 'sig', 'user', 'uid', 'userid', 'username', 'login', 'name',
  'firstname', 'lastname', 'fullname', 'address', 'nonce', 'ticket', 'pnr', 'cvv', 'cvc', 'state',
] as const;

export const DEFAULT_REDACT_OPTIONS: Omit<RedactOptions, 'ip'> = {
  email: true,
  personnummer: true,
  phone: true,
  card: true,
  uuid: true,
  mac: true,
  secret: true,
  userinfo: true,
  secretMinLength: 24,
  sensitiveParams: { contains: DEFAULT_SENSITIVE_CONTAINS, exact: DEFAULT_SENSITIVE_EXACT },
};

const REPLACEMENT: Record<NumberKind | 'email' | 'uuid' | 'mac' | 'secret' | 'userinfo' | 'param', string> = {
  personnummer: '[pnr]',
  phone: '[phone]',
  card: '[card]',
  email: '[email]',
  uuid: '[uuid]',
  mac: '[mac]',
  secret: '[secret]',
  userinfo: '[userinfo]',
  param: '[redacted]',
};

// ---- byte classes (one table lookup per byte) ----
// Bytes of 0x80 and up (parts of non-ASCII characters) have class 0: no
// detector looks at them.
const C_DIGIT = 1; // must stay 1: the scan adds it to count digits
const C_HEX_LETTER = 1 << 1;
const C_LETTER = 1 << 2;
const C_UPPER = 1 << 3;
const C_TOKEN = 1 << 4; // may be part of a word the detectors look at
const C_B64URL = 1 << 5; // A-Z a-z 0-9 - _
const C_PARAM_NAME = 1 << 6;
const C_EMAIL_LOCAL = 1 << 7;
const C_COLON = 1 << 8;
const C_DOT = 1 << 9;
const C_MINUS = 1 << 10;
const C_AT = 1 << 11;
const C_EQUALS = 1 << 12;
const C_PERCENT = 1 << 13;
const C_ATEXT = 1 << 14; // RFC 5322 atext and `.`, but not `/ ? = & #`, which in a URL end a local part
const CLASS = new Uint16Array(256);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  let k = 0;
  if (ch >= '0' && ch <= '9') k |= C_DIGIT | C_TOKEN | C_B64URL | C_PARAM_NAME | C_EMAIL_LOCAL;
  if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) k |= C_LETTER | C_TOKEN | C_B64URL | C_PARAM_NAME | C_EMAIL_LOCAL;
  if (ch >= 'A' && ch <= 'Z') k |= C_UPPER;
  if ((ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')) k |= C_HEX_LETTER;
  if ('._-+@:%~'.includes(ch)) k |= C_TOKEN;
  if ('-_'.includes(ch)) k |= C_B64URL;
  if ('-_.[]'.includes(ch)) k |= C_PARAM_NAME;
  if ('._%+-'.includes(ch)) k |= C_EMAIL_LOCAL;
  if (ch === ':') k |= C_COLON;
  if (ch === '.') k |= C_DOT;
  if (ch === '-') k |= C_MINUS;
  if (ch === '@') k |= C_AT;
  if (ch === '%') k |= C_PERCENT;
  if (ch === '=') k |= C_EQUALS;
  if ((k & (C_DIGIT | C_LETTER)) !== 0 || ".!$%'*+-^_`{|}~".includes(ch)) k |= C_ATEXT;
  CLASS[c] = k;
}

/** Characters that end a parameter value. */
function endsValue(c: number): boolean {
  return c === 38 /* & */ || c === 59 /* ; */ || c === 35 /* # */ || c === 32 || c === 9 || c === 34 /* " */ || c === 39 /* ' */ || c === 60 || c === 62 || c === 10 || c === 13;
}

const encoder = new TextEncoder();

/** Whether `b[s..e)` spells exactly the ASCII string `t`. */
function sameText(b: Uint8Array, s: number, e: number, t: string): boolean {
  if (e - s !== t.length) return false;
  for (let i = 0; i < t.length; i++) if (b[s + i] !== t.charCodeAt(i)) return false;
  return true;
}

/** Index of byte `c` in `b[s..e)`, or -1. */
function indexOfByte(b: Uint8Array, c: number, s: number, e: number): number {
  for (let i = s; i < e; i++) if (b[i] === c) return i;
  return -1;
}

/** Index of the last byte `c` in `b[s..e)`, or -1. */
function lastIndexOfByte(b: Uint8Array, c: number, s: number, e: number): number {
  for (let i = e - 1; i >= s; i--) if (b[i] === c) return i;
  return -1;
}

/** Whether `b[s..e)` is one to five ASCII digits (a port). */
function isDigits(b: Uint8Array, s: number, e: number): boolean {
  if (e <= s || e - s > 5) return false;
  for (let i = s; i < e; i++) if (!(CLASS[b[i]!]! & C_DIGIT)) return false;
  return true;
}

/** Index of `://` in `b[s..e)`, or -1. */
function indexOfScheme(b: Uint8Array, s: number, e: number): number {
  for (let i = s; i + 2 < e; i++) if (b[i] === COLON && b[i + 1] === SLASH && b[i + 2] === SLASH) return i;
  return -1;
}

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
  private readonly sensitive: SensitiveNames;
  // Spans found in the text being redacted, in coordinates of the scanned bytes.
  private spanStart: number[] = [];
  private spanEnd: number[] = [];
  private spanText: string[] = [];
  private count = 0;
  /**
   * Where URL authorities are in the text being scanned, shared by all its
   * words (one per word would read the text from its start for each word);
   * made on the first e-mail candidate, as most texts have none.
   */
  private authority: AuthorityTracker | undefined;
  /** The same for the runs an empty local part is read back over (`x/@`, `o'brien!@`). */
  private punctuationRuns: RunStarts | undefined;
  private atextRuns: RunStarts | undefined;
  private readonly v4 = new Uint8Array(4);
  private readonly v6 = new Uint16Array(8);
  /** The text as UTF-8, for callers that have only the string. */
  private encoded = new Uint8Array(1024);
  /** Byte offset → character offset, for text that is not ASCII. */
  private charAt = new Int32Array(1025);
  /** The percent-decoded view, where each of its bytes came from, and how many times each was encoded. */
  private view = new Uint8Array(1024);
  private viewMap = new Int32Array(1025);
  private viewDepth = new Uint8Array(1024);
  private readonly emitNumber = (a: number, b: number, kind: NumberKind): void => this.add(a, b, REPLACEMENT[kind]);

  constructor(readonly options: RedactOptions) {
    this.numbers = new NumberScanner(options);
    this.sensitive = new SensitiveNames(options.sensitiveParams.contains, options.sensitiveParams.exact);
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
    this.count = 0;
    // Percent-encoding is rare: scan as is, and only when a % turned up scan
    // again over the decoded view (which finds %40, %3A and nested query
    // strings), whose findings replace the first scan's.
    if (this.scan(b, from, to) & C_PERCENT) {
      let n = this.decode(b, from, to);
      if (n !== to - from) {
        this.count = 0;
        // Redirect chains encode a URL inside a URL, so `%` itself arrives
        // encoded (`%253A` is `%3A` is `:`). Each round that uncovers escapes
        // is scanned as well, and the findings of every round are kept: a
        // literal `%25` before hex digits (`%2581.6.12.34`) is only text, and
        // the round that reads it as one more escape must not hide what the
        // round before it found.
        for (let round = 1; ; round++) {
          const found = this.count;
          this.scan(this.view, 0, n);
          this.spansToOriginal(found);
          if (found > 0 && this.count > found) this.alignToDeeperEscapes(found, n);
          if (round === MAX_DECODE_ROUNDS || !hasEscape(this.view, n)) break;
          n = decodeInPlace(this.view, this.viewMap, this.viewDepth, n, round + 1);
        }
      }
    }
    if (this.count === 0) return text;
    this.normalise();
    // Rebuild from the original text: bytes → characters.
    let out = '';
    let prev = 0;
    for (let k = 0; k < this.count; k++) {
      let a = this.spanStart[k]!;
      let z = this.spanEnd[k]!;
      a -= from;
      z -= from;
      if (mapped) {
        a = this.charAt[a]!;
        z = this.charAt[z]!;
      }
      if (a < prev) continue;
      out += text.slice(prev, a) + this.spanText[k]!;
      prev = z;
    }
    out += text.slice(prev);
    return out === text ? text : out;
  }

  /** Spans from `first` on, found in the decoded view, as offsets of the original bytes. */
  private spansToOriginal(first: number): void {
    const map = this.viewMap;
    for (let k = first; k < this.count; k++) {
      this.spanStart[k] = map[this.spanStart[k]!]!;
      this.spanEnd[k] = map[this.spanEnd[k]!]!;
    }
  }

  private add(a: number, b: number, replacement: string): void {
    const k = this.count++;
    this.spanStart[k] = a;
    this.spanEnd[k] = b;
    this.spanText[k] = replacement;
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
    this.authority = undefined;
    this.punctuationRuns = undefined;
    this.atextRuns = undefined;
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
      if (m & C_COLON) this.ipv6OrMac(t, a, i);
      if ((m & (C_DOT | C_DIGIT)) === (C_DOT | C_DIGIT) && n >= 7 && opts.ip !== undefined) this.ipv4(t, a, i, opts.ip);
      if (m & (C_AT | C_PERCENT) && opts.email) this.email(t, from, a, i);
      if (m & C_MINUS && n >= 17) this.uuidOrMac(t, a, i);
      if (n >= minSecret && (m & (C_DIGIT | C_LETTER)) === (C_DIGIT | C_LETTER)) this.secret(t, a, i);
    }
    if (seen & C_EQUALS) this.params(t, from, to);
    if (seen & C_AT && opts.userinfo) this.userinfo(t, from, to);
    if (digits >= MIN_NUMBER_DIGITS) this.numbers.scan(t, from, to, this.emitNumber);
    return seen;
  }

  /** IPv6 addresses (and colon-separated MACs) inside a word. */
  private ipv6OrMac(t: Uint8Array, a: number, b: number): void {
    const ip = this.options.ip;
    let i = a;
    while (i < b) {
      // Maximal run of hex digits, ':' and '.'.
      const c = t[i]!;
      if (!(CLASS[c]! & (C_DIGIT | C_HEX_LETTER)) && c !== COLON) {
        i++;
        continue;
      }
      let s = i;
      let e = i;
      let colons = 0;
      let firstColon = -1;
      while (e < b) {
        const d = t[e]!;
        if (d === COLON) {
          if (colons++ === 0) firstColon = e;
        } else if (!(CLASS[d]! & (C_DIGIT | C_HEX_LETTER)) && d !== DOT) break;
        e++;
      }
      i = e;
      if (colons < 2) continue;
      // In a view that more rounds will decode, `%5B2001:db8::1` starts with
      // an escape (`[`), and `%255B…` with an escaped one, not with hex glued
      // to the address: reading it as glue would rewrite the address
      // differently on every pass. If that reading finds nothing, the `%`
      // may be a literal one (`%2500:1a:2b:3c:4d:5e`): the run is read whole.
      const afterEscape = s > a && t[s - 1] === PERCENT ? afterEscapeDigits(t, s, e) : s;
      if (afterEscape > s && this.addressInRun(t, afterEscape, e, firstColon, a, b, ip)) continue;
      this.addressInRun(t, s, e, firstColon, a, b, ip);
    }
  }

  /**
   * Records the MAC or IPv6 address in the run `t[s..e)` of hex digits,
   * colons and dots (in the word `t[a..b)`, first colon at `firstColon`).
   * True when the run is settled — an address read (recorded if truncating
   * changes it) or code such as `Foo::Bar`; false when it is neither.
   */
  private addressInRun(t: Uint8Array, s: number, e: number, firstColon: number, a: number, b: number, ip: IpTruncation | undefined): boolean {
    // Trim punctuation that belongs to the sentence, not the address.
    while (e > s && t[e - 1] === DOT) e--;
    if (e - s >= 2 && t[e - 1] === COLON && t[e - 2] !== COLON) e--;
    if (t[s] === COLON && t[s + 1] !== COLON) {
      s++;
      firstColon = indexOfByte(t, COLON, s, e);
    }
    // `ActiveRecord::Base`, `std::cout`, `Foo::Bar`: a scope operator between
    // words reads as a short IPv6 address (d::ba). An address written into
    // text has digits or more groups; without either, and glued to a word,
    // it is code.
    if (isScopeOperator(t, s, e, a, b)) return true;
    // A word glued in front (`abc2001:db8::1`): keep the last four hex digits.
    const glued = firstColon - s > 4;
    if (glued) s = firstColon - 4;
    if (this.macOrIpv6(t, s, e, ip, glued)) return true;
    // Too many groups for an address: a port after a full address
    // (`2001:db8:…:7334:8080`), or a word glued on with a colon whose tail
    // looks like hex (`src:2001:db8:…`). Which comes first depends on
    // whether the run starts inside a word.
    if (glued || (s > a && CLASS[t[s - 1]!]! & C_LETTER)) return this.withoutLeadingGroups(t, s, e, ip) || this.withoutPort(t, s, e, ip);
    return this.withoutPort(t, s, e, ip) || this.withoutLeadingGroups(t, s, e, ip);
  }

  /** {@link macOrIpv6} after dropping leading groups one at a time (never into a `::`). */
  private withoutLeadingGroups(t: Uint8Array, s: number, e: number, ip: IpTruncation | undefined): boolean {
    for (let p = s; (p = indexOfByte(t, COLON, p, e)) >= 0 && t[p + 1] !== COLON; ) if (this.macOrIpv6(t, ++p, e, ip, true)) return true;
    return false;
  }

  /** {@link macOrIpv6} without a trailing `:port`. */
  private withoutPort(t: Uint8Array, s: number, e: number, ip: IpTruncation | undefined): boolean {
    const port = lastIndexOfByte(t, COLON, s, e);
    return port > s && t[port - 1] !== COLON && isDigits(t, port + 1, e) && this.macOrIpv6(t, s, port, ip, true);
  }

  /**
   * Records `t[s..e)` when it is a colon-separated MAC or an IPv6 address;
   * false when it is neither. An address cut out of a longer run is written
   * in brackets (`src:[2001:db8:85a3::]`, `[2001:db8:85a3::]:8080`), as
   * RFC 3986 does beside a port: unbracketed, the truncated text would run
   * into its neighbours and read as another address on a second pass.
   */
  private macOrIpv6(t: Uint8Array, s: number, e: number, ip: IpTruncation | undefined, bracket: boolean): boolean {
    if (this.options.mac && e - s === 17 && isMac(t, s, COLON)) {
      this.add(s, e, REPLACEMENT.mac);
      return true;
    }
    if (ip === undefined || !parseIpv6(t, s, e, this.v6)) return false;
    const text = formatMaskedIpv6(this.v6, ip);
    if (bracket) this.add(s, e, `[${text}]`);
    else if (!sameText(t, s, e, text)) this.add(s, e, text);
    return true;
  }

  /** Dotted-quad IPv4 addresses inside a word. */
  private ipv4(t: Uint8Array, a: number, b: number, ip: IpTruncation): void {
    let i = a;
    while (i < b) {
      if (!(CLASS[t[i]!]! & C_DIGIT)) {
        i++;
        continue;
      }
      const s = i;
      let dots = 0;
      while (i < b) {
        const d = t[i]!;
        if (d === DOT) dots++;
        else if (!(CLASS[d]! & C_DIGIT)) break;
        i++;
      }
      let e = i;
      while (e > s && t[e - 1] === DOT) {
        e--;
        dots--;
      }
      // Exactly four parts; longer dotted numbers are versions or OIDs.
      if (dots !== 3 || !parseIpv4(t, s, e, this.v4)) continue;
      const text = formatMaskedIpv4(this.v4, ip.ipv4Prefix);
      if (!sameText(t, s, e, text)) this.add(s, e, text);
    }
  }

  /** E-mail addresses around each `@` or `%40` in a word. */
  private email(t: Uint8Array, from: number, a: number, b: number): void {
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
      // user@host in a URL's authority is user info, which has its own detector.
      if (this.options.userinfo && (this.authority ??= new AuthorityTracker(t, from)).contains(s)) continue;
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
      this.add(s, e, REPLACEMENT.email);
      i = e - 1;
    }
  }

  /** UUIDs (8-4-4-4-12 hex) and hyphen-separated MACs inside a word. */
  private uuidOrMac(t: Uint8Array, a: number, b: number): void {
    for (let i = a; i < b; i++) {
      // Start only at the beginning of a hex run.
      if (i > a && CLASS[t[i - 1]!]! & (C_DIGIT | C_HEX_LETTER)) continue;
      if (this.options.uuid && i + 36 <= b && isUuid(t, i) && !(i + 36 < b && CLASS[t[i + 36]!]! & (C_DIGIT | C_HEX_LETTER))) {
        this.add(i, i + 36, REPLACEMENT.uuid);
        i += 35;
      } else if (this.options.mac && i + 17 <= b && isMac(t, i, MINUS) && !(i + 17 < b && CLASS[t[i + 17]!]! & (C_DIGIT | C_HEX_LETTER))) {
        this.add(i, i + 17, REPLACEMENT.mac);
        i += 16;
      }
    }
  }

  /**
   * Random-looking tokens: base64url runs (A–Z a–z 0–9 - _) of at least
   * secretMinLength with letters and digits, where either one unbroken
   * segment is that long (hex digests, API keys) or mixed case runs through
   * at most three segments (base64url with the odd - or _). Dictionary slugs
   * (`linux-nginx-tips-2024`) have short lower-case segments and stay.
   * JWTs (`eyJ….….…`) are caught whole.
   */
  private secret(t: Uint8Array, a: number, b: number): void {
    const min = this.options.secretMinLength;
    let i = a;
    while (i < b) {
      if (!(CLASS[t[i]!]! & C_B64URL)) {
        i++;
        continue;
      }
      const s = i;
      let hasDigit = false;
      let hasUpper = false;
      let hasLower = false;
      let segments = 1;
      let seg = 0;
      let longest = 0;
      while (i < b) {
        const k = CLASS[t[i]!]!;
        if (!(k & C_B64URL)) break;
        if (k & C_DIGIT) hasDigit = true;
        else if (k & C_UPPER) hasUpper = true;
        else if (k & C_LETTER) hasLower = true;
        if (k & (C_DIGIT | C_LETTER)) {
          if (++seg > longest) longest = seg;
        } else {
          segments++;
          seg = 0;
        }
        i++;
      }
      let e = i;
      // JWT: header.payload.signature, each base64url; the header starts eyJ ('{"').
      if (t[s] === 101 /* e */ && t[s + 1] === 121 /* y */ && t[s + 2] === 74 /* J */ && e < b && t[e] === DOT) {
        let parts = 1;
        while (e < b && t[e] === DOT && parts < 3) {
          e++;
          while (e < b && CLASS[t[e]!]! & C_B64URL) e++;
          parts++;
        }
        if (parts === 3) {
          this.add(s, e, REPLACEMENT.secret);
          i = e;
          continue;
        }
        e = i;
      }
      if (e - s < min || !hasDigit || !(hasUpper || hasLower)) continue;
      if (longest >= min || (hasUpper && hasLower && segments <= 3)) this.add(s, e, REPLACEMENT.secret);
    }
  }

  /** `name=value` pairs whose name is sensitive: the value goes. */
  private params(t: Uint8Array, from: number, to: number): void {
    // In the percent-decoded view a terminator counts only at the encoding
    // depth its `=` was written at or outside it: after a literal `=`, only
    // literal terminators end the value (`name=Anna%20Svensson`,
    // `password=a%26b` go whole); after an encoded one — a query nested in a
    // value, `%3Ftoken%3Dabc%26x%3D1` — terminators encoded once do too, but
    // not those encoded twice (`%3Dabc%2526def` is one value, `abc&def`).
    const decoded = t === this.view;
    const depth = this.viewDepth;
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
          this.add(p + 1, e, REPLACEMENT.param);
          next = e;
        }
      }
      p = indexOfByte(t, EQUALS, next, to);
    }
  }

  /** `scheme://user:pass@host` → the user info goes. */
  private userinfo(t: Uint8Array, from: number, to: number): void {
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
      if (at >= s) this.add(s, at, REPLACEMENT.userinfo);
      // From s, not e: a `://` may begin just before the `/` that ended this authority (`https://a:b://c@d`).
      p = indexOfScheme(t, s, to);
    }
  }

  /**
   * Sorts spans by start and merges overlaps; a span inside another keeps
   * the outer replacement, partial overlaps become one `[redacted]`.
   */
  private normalise(): void {
    const n = this.count;
    const st = this.spanStart;
    const en = this.spanEnd;
    const tx = this.spanText;
    this.sortSpans(0, n);
    let w = 0;
    for (let r = 0; r < n; r++) {
      if (w > 0 && st[r]! < en[w - 1]!) {
        if (en[r]! > en[w - 1]!) {
          en[w - 1] = en[r]!;
          tx[w - 1] = REPLACEMENT.param;
        } else if (st[r] === st[w - 1] && en[r] === en[w - 1] && (tx[r] === REPLACEMENT.param || tx[w - 1]!.charCodeAt(0) !== 91)) {
          // Two detectors on the same text: a sensitive parameter's value reads `[redacted]`
          // whatever it holds, and a bracketed replacement beats a truncated address
          // (`https://::1@host`), which a second pass would otherwise replace again.
          tx[w - 1] = tx[r]!;
        }
        continue;
      }
      st[w] = st[r]!;
      en[w] = en[r]!;
      tx[w] = tx[r]!;
      w++;
    }
    this.count = w;
  }

  /**
   * Sorts spans `[lo, hi)` by start, the longer first on a tie. There are
   * rarely more than a handful, in nearly sorted order, which insertion sort
   * takes in one pass; a text made of thousands of hits gets a real sort.
   */
  private sortSpans(lo: number, hi: number): void {
    const st = this.spanStart;
    const en = this.spanEnd;
    const tx = this.spanText;
    if (hi - lo > 64) {
      const order = Array.from({ length: hi - lo }, (_, k) => lo + k).sort((x, y) => st[x]! - st[y]! || en[y]! - en[x]!);
      const s2 = order.map((k) => st[k]!);
      const e2 = order.map((k) => en[k]!);
      const t2 = order.map((k) => tx[k]!);
      for (let k = 0; k < order.length; k++) {
        st[lo + k] = s2[k]!;
        en[lo + k] = e2[k]!;
        tx[lo + k] = t2[k]!;
      }
      return;
    }
    for (let i = lo + 1; i < hi; i++) {
      const a = st[i]!;
      const b = en[i]!;
      const x = tx[i]!;
      let j = i - 1;
      while (j >= lo && (st[j]! > a || (st[j] === a && en[j]! < b))) {
        st[j + 1] = st[j]!;
        en[j + 1] = en[j]!;
        tx[j + 1] = tx[j]!;
        j--;
      }
      st[j + 1] = a;
      en[j + 1] = b;
      tx[j + 1] = x;
    }
  }

  /**
   * An earlier round's finding that starts inside an escape this round
   * decoded, where this round found something too, is trimmed to start after
   * that escape: `%2520Ab3…` is an encoded space before a token, not the
   * token `20Ab3…` after a percent sign, and replacing from the `2` would
   * leave half an escape (`%25[secret]`) that the next pass reads
   * differently. Nothing found is dropped — a shallower reading may be the
   * only one to see an identifier (`%2581.6.12.34`: the deeper one sees
   * byte 0x81) — and overlaps are merged later. Earlier findings are
   * `[0, found)`, the new ones `[found, count)`, the view `n` bytes long.
   */
  private alignToDeeperEscapes(found: number, n: number): void {
    const total = this.count;
    const st = this.spanStart;
    const en = this.spanEnd;
    const map = this.viewMap;
    this.sortSpans(found, total);
    // The new findings as disjoint intervals, for a binary search per earlier one.
    const ms: number[] = [];
    const me: number[] = [];
    for (let k = found; k < total; k++) {
      if (ms.length > 0 && st[k]! < me[me.length - 1]!) me[me.length - 1] = Math.max(me[me.length - 1]!, en[k]!);
      else {
        ms.push(st[k]!);
        me.push(en[k]!);
      }
    }
    for (let k = 0; k < found; k++) {
      const a = st[k]!;
      const z = en[k]!;
      // Where the first view byte at or after `a` came from (map is increasing; map[n] is the end).
      const next = map[firstAtLeast(map, n, a)]!;
      if (next === a || next >= z) continue;
      // The first new finding that ends after `a`: the one that could overlap.
      const o = firstAtLeast(me, me.length, a + 1);
      if (o < ms.length && ms[o]! < z) st[k] = next;
    }
  }

  /**
   * Percent-decodes `b[from..to)` into the view (each %XX becomes one byte)
   * and records where each view byte came from, so hits in the view map back
   * to the original. Returns the view's length. (The first round reads the
   * text where it lies; copying it into the view and running
   * {@link decodeInPlace} instead measured 15–20 % slower on typical request
   * lines in bench/micro/redact.bench.mjs.)
   */
  private decode(b: Uint8Array, from: number, to: number): number {
    const len = to - from;
    if (this.view.length < len) {
      this.view = new Uint8Array(len * 2);
      this.viewMap = new Int32Array(len * 2 + 1);
      this.viewDepth = new Uint8Array(len * 2);
    }
    const view = this.view;
    const map = this.viewMap;
    const depth = this.viewDepth;
    let n = 0;
    for (let i = from; i < to; ) {
      const c = b[i]!;
      map[n] = i;
      if (c === PERCENT && i + 2 < to && isHex(b[i + 1]!) && isHex(b[i + 2]!)) {
        depth[n] = 1;
        view[n++] = (hexValue(b[i + 1]!) << 4) | hexValue(b[i + 2]!);
        i += 3;
      } else {
        depth[n] = 0;
        view[n++] = c;
        i++;
      }
    }
    map[n] = to;
    return n;
  }
}

/**
 * Where the hex digits of an escape that starts with the `%` at `s - 1` end
 * (`%5B` → after `5B`; `%25255B` → after `25255B`), or `s` if they are not there.
 */
function afterEscapeDigits(t: Uint8Array, s: number, e: number): number {
  let i = s;
  while (i + 3 < e && t[i] === 50 /* 2 */ && t[i + 1] === 53 /* 5 */ && isHex(t[i + 2]!) && isHex(t[i + 3]!)) i += 2;
  return i + 1 < e && isHex(t[i]!) && isHex(t[i + 1]!) ? i + 2 : s;
}

/** Percent-decoding rounds at most: a URL nested four deep is already rare. */
const MAX_DECODE_ROUNDS = 4;

function isEscapeAt(t: Uint8Array, i: number, n: number): boolean {
  return t[i] === PERCENT && i + 2 < n && isHex(t[i + 1]!) && isHex(t[i + 2]!);
}

function hasEscape(t: Uint8Array, n: number): boolean {
  for (let i = indexOfByte(t, PERCENT, 0, n); i >= 0; i = indexOfByte(t, PERCENT, i + 1, n)) if (isEscapeAt(t, i, n)) return true;
  return false;
}

/**
 * Decoding round `round` over `view[0..n)`, in place (it only shrinks), the
 * origins carried along in `map` and each decoded byte's depth set to the
 * round; returns the new length.
 */
function decodeInPlace(view: Uint8Array, map: Int32Array, depth: Uint8Array, n: number, round: number): number {
  let m = 0;
  for (let i = 0; i < n; ) {
    map[m] = map[i]!;
    if (isEscapeAt(view, i, n)) {
      depth[m] = round;
      view[m++] = (hexValue(view[i + 1]!) << 4) | hexValue(view[i + 2]!);
      i += 3;
    } else {
      depth[m] = depth[i]!;
      view[m++] = view[i]!;
      i++;
    }
  }
  map[m] = map[n]!;
  return m;
}

/** `/ ? = & #`: RFC 5322 allows them in a local part, URLs use them as delimiters. */
function isUrlPunctuation(c: number): boolean {
  return c === SLASH || c === 63 || c === EQUALS || c === 38 || c === 35;
}

/** The first index below `n` whose value in the increasing `arr` is at least `v`, or `n`. */
function firstAtLeast(arr: ArrayLike<number>, n: number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/**
 * Whether the run `t[s..e)` is a `Name::Name` scope operator rather than an
 * address: no decimal digit, at most two groups, and a letter (beyond a–f)
 * or underscore glued on at least one side within the word `t[a..b)`.
 */
function isScopeOperator(t: Uint8Array, s: number, e: number, a: number, b: number): boolean {
  let groups = 0;
  let inGroup = false;
  for (let i = s; i < e; i++) {
    const c = t[i]!;
    if (CLASS[c]! & C_DIGIT) return false;
    if (c === COLON) inGroup = false;
    else if (!inGroup) {
      inGroup = true;
      if (++groups > 2) return false;
    }
  }
  const glued = (k: number): boolean => (CLASS[t[k]!]! & C_LETTER) !== 0 || t[k] === 95;
  return (s > a && glued(s - 1)) || (e < b && glued(e));
}

/** Upper-case ASCII letters only: an HTTP method. */
function isMethod(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (b[i]! < 65 || b[i]! > 90) return false;
  return true;
}

/**
 * `HTTP/` followed by digits and dots, at most `HTTP/x.y`: anything longer
 * after the slash (`HTTP/81.6.12.34`) could be an identifier and is scanned.
 */
function isHttpProtocol(b: Uint8Array, s: number, e: number): boolean {
  if (e - s < 6 || e - s > 8 || b[s] !== 72 || b[s + 1] !== 84 || b[s + 2] !== 84 || b[s + 3] !== 80 || b[s + 4] !== SLASH) return false;
  for (let i = s + 5; i < e; i++) if (!(CLASS[b[i]!]! & C_DIGIT) && b[i] !== DOT) return false;
  return true;
}

/** True when `t[i]` lies between a `://` and the end of that URL's authority. */
/**
 * Whether an offset of `t` lies in a URL's authority (`scheme://` then no
 * `/ ? #`, space or quote up to it). The text is read once, however many
 * `@`s a word holds: the stops are recorded as they are passed.
 */
class AuthorityTracker {
  private scanned: number;
  private readonly stops: number[] = [];

  constructor(
    private readonly t: Uint8Array,
    from: number,
  ) {
    this.scanned = from + 2;
  }

  contains(i: number): boolean {
    const t = this.t;
    const stops = this.stops;
    for (; this.scanned < i; this.scanned++) {
      const c = t[this.scanned]!;
      // The same stops as the user-info detector's, so whatever this calls user info that detector replaces.
      if (c === SLASH || c === 63 /* ? */ || c === 35 /* # */ || c === 32 || c === 34 /* " */) stops.push(this.scanned);
    }
    // The last stop before i.
    const after = firstAtLeast(stops, stops.length, i);
    if (after === 0) return false;
    const k = stops[after - 1]!;
    return t[k] === SLASH && t[k - 1] === SLASH && t[k - 2] === COLON;
  }
}

function isHex(c: number): boolean {
  return (CLASS[c]! & (C_DIGIT | C_HEX_LETTER)) !== 0;
}
function hexValue(c: number): number {
  return c <= 57 ? c - 48 : (c | 0x20) - 87;
}

/** 8-4-4-4-12 hex digits with hyphens at `t[i..i+36)`. */
function isUuid(t: Uint8Array, i: number): boolean {
  for (let k = 0; k < 36; k++) {
    const c = t[i + k]!;
    if (k === 8 || k === 13 || k === 18 || k === 23) {
      if (c !== MINUS) return false;
    } else if (!isHex(c)) return false;
  }
  return true;
}

/** Six hex pairs separated by `sep` at `t[i..i+17)`. */
function isMac(t: Uint8Array, i: number, sep: number): boolean {
  for (let k = 0; k < 17; k++) {
    const c = t[i + k]!;
    if (k % 3 === 2) {
      if (c !== sep) return false;
    } else if (!isHex(c)) return false;
  }
  return true;
}
