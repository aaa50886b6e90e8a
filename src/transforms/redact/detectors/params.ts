/**
 * Identifiers that `key=value` and `key: value` structure reveals in free
 * text — query strings under `query: detect`, messages, JSON bodies,
 * headers written into a log: the value of a sensitive name goes (its kind
 * decides the placeholder), a Cookie header loses every cookie value, an
 * Authorization header keeps only its scheme; `Bearer x` and `Basic x`
 * lose their credentials wherever they stand. And URL user info, in every
 * form (`scheme://u:p@h`, `//u:p@h`, `u:p@h`), at every encoding depth.
 */
import { AT, COLON, DOT, EQUALS, MINUS, SLASH } from '../../../util/ascii.js';
import { CLASS, C_B64URL, C_DIGIT, C_LETTER, C_PARAM_NAME, C_UPPER, endsValue } from '../bytes.js';
import { K, PLACEHOLDER } from '../kinds.js';
import {
  A_ALLOW, A_AUTH, A_BIRTHDATE, A_COOKIE, A_CREDENTIAL, A_CUSTOM, A_LOCATION, A_NAME, A_NONE, A_SENSITIVE, A_WEAK, ACTION_MASK, CUSTOM_SHIFT,
} from '../name-rules.js';
import type { NameTable } from '../param-names.js';
import type { PercentView } from '../percent.js';
import type { Spans } from '../spans.js';
import type { LocationDetector } from './location.js';

const QUOTE = 34;
const APOS = 39;
const NL = 10;
const CR = 13;

/** HTTP authentication schemes (IANA registry, plus the common unregistered ones) kept before a redacted credential. */
const AUTH_SCHEMES = new Set(['basic', 'bearer', 'digest', 'negotiate', 'ntlm', 'token', 'apikey', 'key', 'hoba', 'mutual', 'dpop', 'gnap', 'privatetoken', 'aws4-hmac-sha256', 'oauth', 'sso']);
/** Cookie attributes (RFC 6265 §5.2 and later drafts): their values stay. */
const COOKIE_ATTRIBUTES = new Set(['path', 'domain', 'expires', 'max-age', 'samesite', 'secure', 'httponly', 'priority', 'partitioned', 'version', 'comment']);

/** What a parameter detector needs from the field it redacts. */
export interface ParamRules {
  readonly names: NameTable;
  readonly customPlaceholders: readonly string[];
}

/**
 * @example
 * const d = new ParamDetector(percentView, spans, locations);
 * d.params(bytes, 0, bytes.length, rules); // spans: the value of token=abc → [redacted]
 */
export class ParamDetector {
  constructor(
    private readonly percent: PercentView,
    private readonly spans: Spans,
    private readonly location: LocationDetector,
  ) {}

  /** `name=value` and `name: value` pairs whose name says the value is personal: the value goes. */
  params(t: Uint8Array, from: number, to: number, rules: ParamRules, text: boolean): void {
    // In the percent-decoded view a terminator counts only at the encoding
    // depth its `=` was written at or outside it: after a literal `=`, only
    // literal terminators end the value (`name=Anna%20Svensson`,
    // `password=a%26b` go whole); after an encoded one — a query nested in a
    // value, `%3Ftoken%3Dabc%26x%3D1` — terminators encoded once do too, but
    // not those encoded twice (`%3Dabc%2526def` is one value, `abc&def`).
    const decoded = t === this.percent.view;
    const depth = this.percent.depth;
    let p = nextSeparator(t, from, to);
    while (p >= 0) {
      let next = p + 1;
      const colon = t[p] === COLON;
      // `scheme://`, `a::b`, `10:11` are not labels.
      if (colon && (t[p + 1] === COLON || t[p + 1] === SLASH || (p > from && t[p - 1] === COLON))) {
        p = nextSeparator(t, p + 2, to);
        continue;
      }
      let ne = p;
      const quoted = ne > from && (t[ne - 1] === QUOTE || t[ne - 1] === APOS);
      if (quoted) ne--;
      let s = ne;
      while (s > from && CLASS[t[s - 1]!]! & C_PARAM_NAME) s--;
      // A name starts with a letter or digit after any `-_.` (`user[email]`, not
      // `[email]`): that keeps a replacement left by an earlier pass (`[email]=…`)
      // from being read as a sensitive name, so redacting twice changes nothing.
      let k = s;
      while (k < ne && (t[k] === MINUS || t[k] === 95 /* _ */ || t[k] === DOT)) k++;
      // A label before `:` starts with a letter and is not glued to more text (`a:b:c`).
      const named = k < ne && CLASS[t[k]!]! & (colon ? C_LETTER : C_DIGIT | C_LETTER) && !(colon && !quoted && s > from && !startsLabel(t[s - 1]!));
      // The name is tested before the value is read: reading every value to
      // its end would make `x=x=x=…` quadratic.
      const verdict = named ? rules.names.verdict(t, s, ne) : A_NONE;
      const action = verdict & ACTION_MASK;
      if (action !== A_NONE && action !== A_ALLOW) {
        // The value: after spaces (for `:`) and an opening quote, up to its end.
        let vs = p + 1;
        if (colon) while (vs < to && (t[vs] === 32 || t[vs] === 9)) vs++;
        const spaced = vs > p + 1;
        let ve: number;
        let q = 0;
        if (vs < to && (t[vs] === QUOTE || t[vs] === APOS) && (colon || quoted)) {
          q = t[vs]!;
          vs++;
          ve = closingQuote(t, vs, to, q);
        } else {
          ve = vs;
          if (colon) {
            // `label: value`: a credential runs to the next space (passwords hold `;&#,`), other values stop at punctuation.
            const cred = action === A_CREDENTIAL;
            while (ve < to && !endsLabelValue(t[ve]!, spaced, cred)) ve++;
            if (cred) ve = trimSentence(t, vs, ve);
          } else {
            const level = decoded ? depth[p]! : 0;
            // In free text a password may start with `&` or `#` (`passwd=&vinter5`); in a URL that is the next parameter.
            if (text && action === A_CREDENTIAL && (t[ve] === 38 || t[ve] === 35)) ve++;
            while (ve < to && !(endsValue(t[ve]!) && (!decoded || depth[ve]! <= level))) ve++;
          }
        }
        // A value that is already a placeholder (`[redacted]`, `{user}`) stays as it is: redacting twice changes nothing.
        const ph = placeholderEnd(t, vs, to);
        if (ph > vs) next = ph;
        else if (ve > vs) next = this.value(t, vs, ve, to, action, verdict, q, rules);
      }
      p = nextSeparator(t, next, to);
    }
  }

  /** Acts on the value `t[vs..ve)` of a name with `action`; returns where to go on from. */
  private value(t: Uint8Array, vs: number, ve: number, to: number, action: number, verdict: number, quote: number, rules: ParamRules): number {
    switch (action) {
      case A_WEAK:
        if (tokenShaped(t, vs, ve)) this.spans.add(vs, ve, PLACEHOLDER.param, K.param);
        return ve;
      case A_LOCATION:
        return Math.max(ve, this.location.labelled(t, vs, ve));
      case A_NAME: {
        // An unquoted name runs on over capitalised words: `displayName: Anna Svensson logged in`.
        let e = ve;
        if (quote === 0) e = capitalisedWords(t, e, to, 3);
        this.spans.add(vs, e, PLACEHOLDER.name, K.name);
        return e;
      }
      case A_BIRTHDATE:
        this.spans.add(vs, ve, PLACEHOLDER.birthdate, K.birthdate);
        return ve;
      case A_CUSTOM:
        this.spans.add(vs, ve, rules.customPlaceholders[verdict >>> CUSTOM_SHIFT]!, K.custom);
        return ve;
      case A_COOKIE:
        return this.cookies(t, vs, quote === 0 ? lineEnd(t, vs, to) : ve);
      case A_AUTH:
        return this.authorization(t, vs, quote === 0 ? lineEnd(t, vs, to) : ve);
      case A_CREDENTIAL: {
        // An unquoted password may hold a space (`Password=Bamse bamse63`): a next word with a digit or a symbol goes with it.
        let e = ve;
        if (quote === 0 && t[vs] !== 91 /* [ a placeholder */ && e + 1 < to && t[e] === 32 && passwordTail(t, e + 1, to)) {
          // The same terminators as the value's own, so a second pass reads the same value.
          e++;
          while (e < to && !endsValue(t[e]!)) e++;
        }
        this.spans.add(vs, e, PLACEHOLDER.credential, K.credential);
        return e;
      }
      case A_SENSITIVE:
      default:
        this.spans.add(vs, ve, PLACEHOLDER.param, K.param);
        return ve;
    }
  }

  /**
   * `a=1; b=2; Path=/`: every cookie's value goes, attribute values stay.
   * The list ends where a part is not `name=value` (`…; cache key ts=1`).
   */
  private cookies(t: Uint8Array, s: number, e: number): number {
    let i = s;
    while (i < e) {
      while (i < e && (t[i] === 32 || t[i] === 59 || t[i] === 44)) i++;
      const ns = i;
      // A cookie name is an RFC 6265 token: no spaces, brackets or braces (a placeholder ends the list too).
      while (i < e && t[i] !== EQUALS && t[i] !== 59 && t[i] !== 32 && t[i] !== 91 && t[i] !== 123) i++;
      if (i < e && t[i] === 59 && COOKIE_ATTRIBUTES.has(lower(t, ns, i))) continue; // `; HttpOnly;`
      if (i >= e || t[i] !== EQUALS) return ns;
      const attribute = COOKIE_ATTRIBUTES.has(lower(t, ns, i));
      const vs = ++i;
      while (i < e && t[i] !== 59) i++;
      let ve = i;
      while (ve > vs && t[ve - 1] === 32) ve--;
      if (!attribute && ve > vs && placeholderEnd(t, vs, ve) !== ve) this.spans.add(vs, ve, PLACEHOLDER.credential, K.credential);
    }
    return e;
  }

  /**
   * `Basic dXNlcjpwYXNz`, `Bearer abc`, `Digest username="…", …`: the
   * scheme stays; the credential goes — one token, or for schemes with
   * parameters (Digest, AWS4, an unknown scheme) the rest of the header.
   */
  private authorization(t: Uint8Array, s: number, e: number): number {
    let i = s;
    while (i < e && t[i] !== 32) i++;
    const name = lower(t, s, i);
    const scheme = AUTH_SCHEMES.has(name);
    let vs = scheme ? i : s;
    while (vs < e && t[vs] === 32) vs++;
    const ph = placeholderEnd(t, vs, e);
    if (ph > 0) return ph;
    let ve = e;
    if (name === 'basic') {
      // token68 (RFC 7235): base64 and its padding.
      ve = vs;
      while (ve < e && (CLASS[t[ve]!]! & C_B64URL || t[ve] === 43 || t[ve] === SLASH || t[ve] === EQUALS || t[ve] === DOT || t[ve] === 126)) ve++;
    } else if (scheme && name !== 'digest' && name !== 'aws4-hmac-sha256' && name !== 'mutual') {
      ve = vs;
      while (ve < e && t[ve] !== 32 && t[ve] !== 59 && t[ve] !== 44 && t[ve] !== QUOTE) ve++;
    }
    while (ve > vs && (t[ve - 1] === 32 || t[ve - 1] === QUOTE)) ve--;
    if (ve > vs) this.spans.add(vs, ve, PLACEHOLDER.credential, K.credential);
    return ve;
  }

  /**
   * `Bearer <token>` (short tokens too) and `Basic <base64 of user:password>`
   * wherever they stand; the word `t[a..b)` is the scheme candidate.
   */
  authScheme(t: Uint8Array, a: number, b: number, to: number): void {
    const n = b - a;
    if ((n !== 6 && n !== 5) || b + 1 >= to || t[b] !== 32) return;
    const word = lower(t, a, b);
    if (word !== 'bearer' && word !== 'basic') return;
    // A bearer token runs to white space (tokens are opaque: `#dragon2` too); Basic is base64.
    let e = b + 1;
    if (word === 'bearer' && (t[e] === 38 || t[e] === 35)) e++; // `&x`, `#x`: a token, not a separator
    if (word === 'bearer') while (e < to && t[e] !== 32 && t[e] !== 9 && t[e] !== NL && t[e] !== CR && t[e] !== QUOTE && t[e] !== APOS && t[e] !== 44 && t[e] !== 59 && t[e] !== 38) e++;
    else while (e < to && (CLASS[t[e]!]! & C_B64URL || t[e] === DOT || t[e] === 126 || t[e] === 43 || t[e] === SLASH || t[e] === EQUALS)) e++;
    if (e === b + 1 || t[b + 1] === 91 /* [ */) return;
    let alnum = false;
    for (let k = b + 1; k < e && !alnum; k++) alnum = (CLASS[t[k]!]! & (C_DIGIT | C_LETTER)) !== 0;
    if (!alnum) return;
    // Basic: base64 of user:password, ending where the word does (`Basic dXNl…`, not `Basic dXNl…/more`).
    if (word === 'basic' && ((e < to && t[e] !== 32 && t[e] !== 9 && t[e] !== QUOTE && t[e] !== APOS && t[e] !== 44 && t[e] !== 59 && t[e] !== NL && t[e] !== CR) || !basicCredentials(t, b + 1, e))) return;
    this.spans.add(b + 1, e, PLACEHOLDER.credential, K.credential);
  }

}


/**
 * After `e`, up to `max` more words that start with a capital letter (ASCII
 * or not: `Łukasz Ängström`), each after one space: where the last ends.
 *
 * @example
 * capitalisedWords(Buffer.from('Anna Svensson logged in'), 4, 23, 3) // 13
 */
export function capitalisedWords(t: Uint8Array, e: number, to: number, max: number): number {
  for (let w = 0; w < max && e + 1 < to && t[e] === 32 && startsCapitalised(t, e + 1, to); w++) {
    let z = e + 1;
    while (z < to && CLASS[t[z]!]! & (C_LETTER | C_PARAM_NAME) && t[z] !== DOT) z++;
    e = z;
  }
  return e;
}

/** Whether the character at `t[i]` is an upper-case letter (UTF-8 decoded for non-ASCII). */
export function startsCapitalised(t: Uint8Array, i: number, to: number): boolean {
  const c = t[i]!;
  if (c < 0x80) return (CLASS[c]! & C_UPPER) !== 0;
  let cp = -1;
  if (c >= 0xc2 && c < 0xe0 && i + 1 < to) cp = ((c & 0x1f) << 6) | (t[i + 1]! & 0x3f);
  else if (c >= 0xe0 && c < 0xf0 && i + 2 < to) cp = ((c & 0x0f) << 12) | ((t[i + 1]! & 0x3f) << 6) | (t[i + 2]! & 0x3f);
  if (cp < 0) return false;
  const ch = String.fromCharCode(cp);
  return ch !== ch.toLowerCase();
}


/** A word at `t[s..)` that reads as the rest of a password: letters with a digit or symbol, no `=`, `:` or brackets. */
function passwordTail(t: Uint8Array, s: number, to: number): boolean {
  let mark = false;
  let letter = false;
  for (let i = s; i < to && i - s < 64; i++) {
    const c = t[i]!;
    if (endsValue(c)) break;
    if (c === EQUALS || c === COLON || c === 91 || c === 123) return false;
    if (c < 0x80 && CLASS[c]! & C_LETTER) letter = true;
    else if (!(CLASS[c]! & C_LETTER)) mark = true;
  }
  return mark && letter;
}

/** What may stand before an unquoted `label:` — white space, `{ , ; ( [ < = &` or the quote of a JSON string — rather than more text (`a:b:c`, `//user:pass@`). */
function startsLabel(c: number): boolean {
  return c === 32 || c === 9 || c === 123 || c === 44 || c === 59 || c === QUOTE || c === APOS || c === 40 || c === 91 || c === 60 || c === EQUALS || c === 38;
}

/** Where a placeholder (`[word]`, `{word}`) at `t[s]` ends, or -1. */
function placeholderEnd(t: Uint8Array, s: number, to: number): number {
  const open = t[s];
  if (open !== 91 && open !== 123) return -1;
  const close = open === 91 ? 93 : 125;
  for (let i = s + 1; i < to && i - s < 24; i++) {
    const c = t[i]!;
    if (c === close) return i > s + 1 ? i + 1 : -1;
    if (!((c >= 97 && c <= 122) || c === 95)) return -1;
  }
  return -1;
}

function nextSeparator(t: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) if (t[i] === EQUALS || t[i] === COLON) return i;
  return -1;
}

/**
 * Where an unquoted `label: value` ends: at white space, a quote or an angle
 * bracket; at `@` when no space came after the colon (`user:pass@host`); and,
 * unless the value is a credential, at `, ; & } ] )`.
 */
function endsLabelValue(c: number, spaced: boolean, credential: boolean): boolean {
  if (c === 32 || c === 9 || c === NL || c === CR || c === QUOTE || c === APOS || c === 60 || c === 62) return true;
  if (!spaced && c === AT) return true;
  return !credential && (c === 44 || c === 59 || c === 38 || c === 125 || c === 93 || c === 41);
}

/** `t[s..e)` without sentence punctuation at its end (`hunter2.`, `x1;`). */
function trimSentence(t: Uint8Array, s: number, e: number): number {
  while (e > s + 1 && (t[e - 1] === DOT || t[e - 1] === 44 || t[e - 1] === 59 || t[e - 1] === 41)) e--;
  return e;
}

/** The offset of the closing quote `q` (a backslash escapes it), or the end of the line. */
function closingQuote(t: Uint8Array, s: number, to: number, q: number): number {
  let i = s;
  while (i < to && t[i] !== q && t[i] !== NL) i += t[i] === 92 ? 2 : 1;
  return Math.min(i, to);
}

function lineEnd(t: Uint8Array, s: number, to: number): number {
  let i = s;
  while (i < to && t[i] !== NL && t[i] !== CR && t[i] !== QUOTE) i++;
  return i;
}

function lower(t: Uint8Array, s: number, e: number): string {
  if (e - s > 24) return '';
  let out = '';
  for (let i = s; i < e; i++) out += String.fromCharCode(t[i]! >= 65 && t[i]! <= 90 ? t[i]! | 0x20 : t[i]!);
  return out;
}

/** A value that looks like a code or token rather than a word: six or more characters with a digit, or twelve or more. */
function tokenShaped(t: Uint8Array, s: number, e: number): boolean {
  if (e - s >= 12) return true;
  if (e - s < 6) return false;
  for (let i = s; i < e; i++) if (CLASS[t[i]!]! & C_DIGIT) return true;
  return false;
}

/** Whether base64 `t[s..e)` decodes to `user:password` (printable, with a colon). */
function basicCredentials(t: Uint8Array, s: number, e: number): boolean {
  if (e - s < 4 || e - s > 1024) return false;
  let bits = 0;
  let acc = 0;
  let colon = false;
  for (let i = s; i < e; i++) {
    const c = t[i]!;
    if (c === EQUALS) break;
    const v = c >= 65 && c <= 90 ? c - 65 : c >= 97 && c <= 122 ? c - 71 : c >= 48 && c <= 57 ? c + 4 : c === 43 || c === 45 ? 62 : c === 47 || c === 95 ? 63 : -1;
    if (v < 0) return false;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      const byte = (acc >> bits) & 0xff;
      if (byte === COLON) colon = true;
      else if (byte < 32 || byte === 127) return false;
    }
  }
  return colon;
}
