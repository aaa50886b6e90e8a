/**
 * `redact`: removes identifiers from request lines, URLs and free text.
 *
 * URLs fail closed where their structure allows it (url-structure.ts): user
 * info goes, identifier-shaped path segments become typed placeholders
 * (`{id}`, `{user}`, `{email}` …), and query values are kept only for
 * allow-listed parameter names — every other value becomes `[redacted]`
 * without being scanned. What is kept, and free text, pass the detectors:
 * - IP addresses (v4, v6, IPv4-mapped, dashed in host names, tcpdump,
 *   reverse DNS, integer or hex behind an address label) → truncated
 * - e-mail addresses (also internationalised, URL- and nginx-escaped) → `[email]`
 * - Swedish personal identity / coordination numbers (Luhn, every separator) → `[pnr]`
 * - phone numbers (E.164, national, MSISDN, North American) → `[phone]`
 * - payment cards (Luhn, IIN) `[card]`, IBANs (mod 97) `[iban]`
 * - UUIDs, MACs, IMEI/IMSI/ICCID → `[uuid]`, `[mac]`, `[imei]`, `[imsi]`, `[iccid]`
 * - random-looking tokens, JWTs, AWS key ids → `[secret]`
 * - URL credentials → `[userinfo]`; credentials behind labels (`password:`,
 *   `Authorization: Basic …`, `Cookie:`, `Bearer x`) → `[redacted]`
 * - values of sensitive names (by their words: `access_token`, `userEmail`,
 *   not `max_tokens`, `emailVerified`) → `[redacted]`, `[name]`, `[birthdate]`
 * - coordinates → coarsened to about 1 km
 * and the policy's custom rules.
 *
 * Percent-encoded (and nginx `\xHH`-escaped) text is decoded into a view
 * before detection and the hits are mapped back, so `john%40example.com`
 * or `%3Ftoken%3Dabc` nested in a parameter are caught — also when a
 * redirect chain encoded them again (`%253A`). Detection is a few passes of
 * charCodeAt loops over the text, each gated by the byte classes a word
 * holds; a string with nothing to redact is returned as the same instance,
 * so callers can keep the original bytes cheaply. Every replacement is
 * counted by kind in {@link Redactor.hits}.
 */
import { type RedactionKind, REDACTION_KINDS, K, PLACEHOLDER, emptyHits } from './kinds.js';
import { MIN_NUMBER_DIGITS, NO_LABELS, NumberScanner, type NumberKind, ipv4Integer } from './numbers.js';
import { CLASS, C_AT, C_COLON, C_DIGIT, C_DOT, C_EQUALS, C_ESCAPE, C_LETTER, C_MINUS, C_PERCENT, C_TOKEN, C_UPPER, isHttpProtocol, isLowSurrogate, isMethod } from './bytes.js';
import { MAX_DECODE_ROUNDS, PercentView, hasEscape } from './percent.js';
import { packKind, Spans, unpackKinds } from './spans.js';
import { AddressDetector } from './detectors/addresses.js';
import { EmailDetector } from './detectors/email.js';
import { LocationDetector } from './detectors/location.js';
import { ParamDetector, type ParamRules } from './detectors/params.js';
import { PhraseDetector } from './detectors/phrases.js';
import { TokenDetector } from './detectors/tokens.js';
import { UserinfoDetector } from './detectors/userinfo.js';
import type { RedactOptions } from './options.js';
import { UrlStructure, type UrlRules } from './url-structure.js';
import { compileProfile, type Profile } from './profile.js';
import { applyPatterns } from './custom.js';

export { DEFAULT_ALLOW_PARAMS, DEFAULT_REDACT_OPTIONS, DEFAULT_SENSITIVE_CONTAINS, DEFAULT_SENSITIVE_EXACT, type CustomRule, type RedactOptions } from './options.js';
export { REDACTION_KINDS, type RedactionKind } from './kinds.js';

const encoder = new TextEncoder();

/** How a field's value is read: an HTTP request line, a URL or path, or free text. */
export type RedactionRole = 'request' | 'url' | 'query' | 'text';

/**
 * A compiled redactor. Detection runs over bytes (a Uint8Array read costs a
 * third of a `charCodeAt` here); replacements are cut from the original
 * string. Holds scratch buffers, so one instance serves one thread; create
 * it once at start.
 *
 * @example
 * const r = new Redactor({ ...DEFAULT_REDACT_OPTIONS, ip: DEFAULT_IP_TRUNCATION });
 * r.redact('mail jo@example.com from 81.6.12.34')          // 'mail [email] from 81.6.12.0'
 * r.redactUrl('/reset?email=jo%40example.com&page=2')      // '/reset?email=[redacted]&page=2'
 */
export class Redactor {
  /** Replacements made, by kind, since the redactor was made (plain counters: read them, never reset them here). */
  readonly hits: Record<RedactionKind, number> = emptyHits();
  private readonly numbers: NumberScanner;
  /** Spans found in the text being redacted, in coordinates of the scanned bytes. */
  private readonly spans = new Spans();
  private readonly percent = new PercentView();
  private readonly addresses: AddressDetector;
  private readonly emails: EmailDetector;
  private readonly tokens: TokenDetector;
  private readonly location: LocationDetector;
  private readonly paramDetector: ParamDetector;
  private readonly phrases: PhraseDetector;
  private readonly userinfo: UserinfoDetector;
  private readonly structure: UrlStructure;
  /** The profile of fields without rules of their own. */
  private readonly base: Profile;
  private readonly profiles = new Map<string, Profile>();
  /** The profile of the text being redacted. */
  private profile: Profile;
  /** The text as UTF-8, for callers that have only the string. */
  private encoded = new Uint8Array(1024);
  /** Byte offset → character offset, for text that is not ASCII. */
  private charAt = new Int32Array(1025);
  private readonly emitNumber = (a: number, b: number, kind: NumberKind): void => {
    if (kind === 'ip') this.integerAddress(a, b);
    else this.spans.add(a, b, PLACEHOLDER[kind], K[kind]);
  };
  private scanBytes: Uint8Array = this.encoded;
  /** Whether the text being redacted is free text (not a URL's kept parts). */
  private text = true;
  /** The kinds the last redaction counted, packed (see packKind), for a memo to count again on a hit; 0 when none. */
  private lastKinds = 0;
  private readonly countCustom = (): void => {
    this.hits.custom++;
    this.lastKinds = packKind(this.lastKinds, K.custom);
  };
  private readonly countKind = (kind: number): void => {
    this.hits[REDACTION_KINDS[kind]!]++;
  };

  constructor(readonly options: RedactOptions) {
    this.numbers = new NumberScanner(options);
    this.addresses = new AddressDetector(options.ip, options.mac, this.spans);
    this.emails = new EmailDetector(options.userinfo, this.spans);
    this.tokens = new TokenDetector(options, this.spans);
    this.location = new LocationDetector(this.spans);
    this.paramDetector = new ParamDetector(this.percent, this.spans, this.location);
    this.structure = new UrlStructure(this.spans);
    this.phrases = new PhraseDetector(this.spans);
    this.userinfo = new UserinfoDetector(this.percent, this.spans);
    this.base = compileProfile(options, undefined);
    this.profile = this.base;
  }

  /**
   * The rules for one field: its custom rules apply only to it. Fields with
   * none share one profile.
   */
  profileFor(field: string | undefined): Profile {
    if (field === undefined || !this.options.custom.some((r) => r.fields?.includes(field))) return this.base;
    let p = this.profiles.get(field);
    if (p === undefined) {
      p = compileProfile(this.options, field);
      this.profiles.set(field, p);
    }
    return p;
  }

  /** The kinds the last redaction counted, packed (0: none; -1: too many to pack); clears them. */
  takeCounted(): number {
    const k = this.lastKinds;
    this.lastKinds = 0;
    return k;
  }

  /** Counts again what a redaction counted (its result came from a memo): `packed` from {@link takeCounted}. */
  replayCounted(packed: number): void {
    unpackKinds(packed, this.countKind);
  }

  /**
   * Returns `text` (free text) with identifiers replaced; the same string
   * instance when nothing was found.
   */
  redact(text: string): string {
    return this.redactAs('text', text, this.base);
  }

  /** {@link redact} for a URL or path: the structure first, then the detectors on what is kept. */
  redactUrl(text: string): string {
    return this.redactAs('url', text, this.base);
  }

  /** {@link redact} for a value of the given role, under a field's profile. */
  redactAs(role: RedactionRole, text: string, profile: Profile): string {
    this.lastKinds = 0;
    const len = text.length;
    if (len < 3) return text;
    if (this.encoded.length < len * 3) this.encoded = new Uint8Array(len * 3);
    const written = encoder.encodeInto(text, this.encoded).written;
    if (written === len) return this.run(text, this.encoded, 0, len, false, role, profile);
    // Not ASCII: hits must map back to characters.
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
    return this.run(text, this.encoded, 0, written, true, role, profile);
  }

  /**
   * {@link redact} for text whose ASCII bytes the caller already has:
   * `text[i]` is `bytes[offset + i]`. Saves encoding it again.
   */
  redactAscii(text: string, bytes: Uint8Array, offset: number): string {
    return this.redactAsAscii('text', text, bytes, offset, this.base);
  }

  /**
   * {@link redactAscii} for an HTTP request line (`GET /path?q=1 HTTP/1.1`):
   * when the method is plain upper-case letters and the protocol is
   * `HTTP/x.y`, only the target between them can hold identifiers, so only it
   * is read (as a URL). Anything else is scanned whole, as free text.
   */
  redactRequestAscii(text: string, bytes: Uint8Array, offset: number): string {
    return this.redactAsAscii('request', text, bytes, offset, this.base);
  }

  /** {@link redactAscii} for a value of the given role, under a field's profile. */
  redactAsAscii(role: RedactionRole, text: string, bytes: Uint8Array, offset: number, profile: Profile): string {
    this.lastKinds = 0;
    if (text.length < 3) return text;
    return this.run(text, bytes, offset, offset + text.length, false, role, profile);
  }

  private run(text: string, b: Uint8Array, from: number, to: number, mapped: boolean, role: RedactionRole, profile: Profile): string {
    const spans = this.spans;
    spans.count = 0;
    this.profile = profile;
    this.scanBytes = b;
    this.addresses.limit = to;
    let url = role !== 'text';
    let s = from;
    let e = to;
    /** Where the free text after an odd request's target starts, or -1. */
    let tail = -1;
    if (role === 'request') {
      // METHOD target HTTP/x.y: only the target; an odd line is free text.
      let sp1 = from;
      while (sp1 < to && b[sp1] !== 32) sp1++;
      let sp2 = to - 1;
      while (sp2 > sp1 && b[sp2] !== 32) sp2--;
      if (sp1 > from && sp1 - from <= 16 && sp2 > sp1 + 1 && isMethod(b, from, sp1) && isHttpProtocol(b, sp2 + 1, to)) {
        s = sp1 + 1;
        e = sp2;
      } else if (sp1 > from && sp1 - from <= 16 && sp1 + 1 < to && isMethod(b, from, sp1)) {
        // An odd request (HTTP/0.9's `GET /x`, a cut or run-on line): its target
        // still by the URL rules — a query value off the allow-list must not
        // survive because the protocol is missing — and what follows as free text.
        s = sp1 + 1;
        e = s;
        while (e < to && b[e] !== 32) e++;
        tail = e;
      } else url = false;
    }
    this.text = !url;
    if (url) {
      const u = this.structure;
      if (role === 'query') u.runQuery(b, s, e, profile.url);
      else u.run(b, s, e, profile.url);
      for (let k = 0; k < u.gapCount; k++) this.detect(b, u.gaps[2 * k]!, u.gaps[2 * k + 1]!, u.gaps[2 * k]!);
      if (tail >= 0 && tail < to) {
        this.text = true;
        this.detect(b, tail, to, tail);
      }
    } else this.detect(b, s, e, s);
    let out = text;
    if (spans.count > 0) {
      spans.normalise();
      spans.countInto(this.hits, REDACTION_KINDS);
      this.lastKinds = spans.countedKinds();
      // Rebuild from the original text: bytes → characters.
      out = '';
      let prev = 0;
      for (let k = 0; k < spans.count; k++) {
        let a = spans.start[k]! - from;
        let z = spans.end[k]! - from;
        if (mapped) {
          a = this.charAt[a]!;
          z = this.charAt[z]!;
        }
        if (a < prev) continue;
        out += text.slice(prev, a) + spans.text[k]!;
        prev = z;
      }
      out += text.slice(prev);
      if (out === text) out = text;
    }
    if (profile.patterns.length > 0) out = applyPatterns(out, profile.patterns, this.countCustom);
    return out;
  }

  /**
   * The detectors over `b[from..to)` (labels may be read back to `floor`),
   * and, when it holds escapes, over each round of its decoded view.
   */
  private detect(b: Uint8Array, from: number, to: number, floor: number): void {
    const spans = this.spans;
    const base = spans.count;
    // Percent-encoding is rare: scan as is, and only when a % turned up scan
    // again over the decoded view (which finds %40, %3A and nested query
    // strings), whose findings replace the first scan's.
    if (!(this.scan(b, from, to, floor) & (C_PERCENT | C_ESCAPE))) return;
    const pv = this.percent;
    let n = pv.decode(b, from, to);
    if (n === to - from) return;
    spans.count = base;
    // Redirect chains encode a URL inside a URL, so `%` itself arrives
    // encoded (`%253A` is `%3A` is `:`). Each round that uncovers escapes
    // is scanned as well, and the findings of every round are kept: a
    // literal `%25` before hex digits (`%2581.6.12.34`) is only text, and
    // the round that reads it as one more escape must not hide what the
    // round before it found.
    for (let round = 1; ; round++) {
      const found = spans.count;
      this.scan(pv.view, 0, n, 0);
      spans.toOriginal(found, pv.map);
      if (found > base && spans.count > found) spans.alignToDeeperEscapes(base, found, n, pv.map);
      if (round === MAX_DECODE_ROUNDS || !hasEscape(pv.view, n)) break;
      n = pv.decodeInPlace(n, round + 1);
    }
  }

  /**
   * Runs every detector over `t[from..to)`, collecting spans; returns the
   * classes seen. One pass splits the text into words and ORs each word's
   * byte classes together; a detector runs only on words whose classes could
   * hold what it looks for, so the common word (`api`, `static`, `v1`) costs a
   * table lookup per byte. (Tracking digit-group runs here as well cost more
   * than the separate number pass it would save: bench/micro/redact.bench.mjs.)
   */
  private scan(t: Uint8Array, from: number, to: number, floor: number): number {
    this.emails.reset(t === this.percent.view ? this.percent.depth : undefined);
    this.scanBytes = t;
    const opts = this.options;
    // What a URL keeps is read without labels: a value's name (`ref=`, `page=`) must not vouch for it —
    // the allow-list already had its say — and the detectors scan kept ranges that run over names.
    const labels = this.text ? this.profile.labels : NO_LABELS;
    const ip = opts.ip;
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
      if (m & C_LETTER && !(m & (C_DIGIT | C_AT | C_PERCENT | C_COLON))) this.phrases.word(t, a, i, to, from);
      if (n < 3) continue;
      if (m & C_DIGIT) {
        if (m & C_COLON) this.addresses.ipv6OrMac(t, a, i);
        if (m & C_DOT && n >= 7) {
          if (ip !== undefined) this.addresses.ipv4(t, a, i, to, ip, labels, floor);
          if (opts.location) this.location.pairs(t, a, i, to);
          if (opts.mac && n === 14) this.addresses.disguised.ciscoMac(t, a, i);
          if (ip !== undefined && n >= 71) this.addresses.disguised.ip6Arpa(t, a, i, ip);
        }
        if (m & C_MINUS) {
          if (n >= 7 && ip !== undefined) this.addresses.disguised.dashed(t, a, i, ip);
          if (n >= 17) this.tokens.uuidOrMac(t, a, i);
        }
        if (m & C_LETTER) {
          if (n >= minSecret) this.tokens.secret(t, a, i, labels, floor);
          if (n === 10 || n === 12) this.addresses.disguised.labelled(t, a, i, ip, labels, floor);
          if (opts.iban) this.tokens.iban(t, a, to);
          if (m & C_DOT && n >= 15 && ip !== undefined) this.addresses.disguised.atonHex(t, a, i, ip);
        }
      } else if (m & C_COLON) this.addresses.ipv6OrMac(t, a, i);
      if (n === 20 && m & C_UPPER && opts.secret) this.tokens.awsKey(t, a, i);
      if (m & (C_AT | C_PERCENT) && opts.email) this.emails.scan(t, from, a, i);
      if ((n === 5 || n === 6) && (t[a]! | 0x20) === 98 /* b */) this.paramDetector.authScheme(t, a, i, to);
    }
    if (seen & (C_EQUALS | C_COLON)) this.paramDetector.params(t, from, to, this.profile.params, this.text);
    if (seen & C_AT && opts.userinfo) this.userinfo.userinfo(t, from, to);
    if (digits >= MIN_NUMBER_DIGITS) this.numbers.scan(t, from, to, this.emitNumber, labels);
    return seen;
  }

  /** An IPv4 address written as one integer beside an address label: truncated, still an integer. */
  private integerAddress(a: number, b: number): void {
    const ip = this.options.ip;
    if (ip === undefined) return;
    const v = ipv4Integer(this.scanBytes.subarray(a, b), b - a);
    if (v < 0) return;
    const keep = ip.ipv4Prefix;
    const m = keep <= 0 ? 0 : keep >= 32 ? v : (v & (~0 << (32 - keep))) >>> 0;
    if (m !== v) this.spans.add(a, b, String(m), K.ip);
  }
}

/** A field's compiled redaction: the functions a `redact` field transform calls. */
export interface CompiledRedaction {
  /** Redacts a value given as a string. */
  fn(value: string): string;
  /** Redacts a value whose ASCII bytes are `bytes[offset..offset + value.length)` (text formats have them): skips encoding. */
  fnAscii(value: string, bytes: Uint8Array, offset: number): string;
}

/**
 * The hook the `redact` field transform calls once per field: `request` for
 * an HTTP request line (only its target is read, as a URL), `url` for
 * request URIs, paths, URLs and referers, `text` for everything else. The
 * field name picks the policy's custom rules that apply to it.
 *
 * @example
 * const c = compileRedaction(redactor, 'request', 'request');
 * c.fn('GET /users/134792?email=jo%40example.com&page=2 HTTP/1.1') // 'GET /users/{user}?email=[redacted]&page=2 HTTP/1.1'
 */
export function compileRedaction(redactor: Redactor, role: RedactionRole, field?: string): CompiledRedaction {
  const profile = redactor.profileFor(field);
  return {
    fn: (v) => redactor.redactAs(role, v, profile),
    fnAscii: (v, bytes, offset) => redactor.redactAsAscii(role, v, bytes, offset, profile),
  };
}

export type { Profile, ParamRules, UrlRules };
