/**
 * Identifiers that prose reveals rather than `key=value` structure:
 * - credentials in a sentence: `reset password to 'x1'`, `Ditt nya lösenord
 *   är Dragon19@`, `calling the API with access_key yKWM…` → `[redacted]`;
 * - names after a greeting or `by`: `Hej Oskar Hedlund,`, `placed by Emil
 *   Holm` → `[name]`;
 * - user names in home-directory paths: `/home/anna/.ssh`, `/Users/anna/`,
 *   `C:\Users\anna\` → `{user}` (as in path templates).
 * Each is tried only on a word that could start one (its length and first
 * and last letters), so ordinary words cost a comparison or two.
 */
import { CLASS, C_LETTER } from '../bytes.js';
import { K, PLACEHOLDER } from '../kinds.js';
import type { Spans } from '../spans.js';
import { capitalisedWords, startsCapitalised } from './params.js';

/** Credential words a value may follow, with or without a connector (`to`, `är`, `is`). */
const CREDENTIAL_WORDS = new Set(['pin_code', 'pin-code', 'pinnummer', 'key', 'pass', 'password', 'passwd', 'pwd', 'pw', 'pin', 'pinkod', 'pincode', 'losenord', 'lösenord', 'passphrase', 'passcode', 'secret', 'apikey', 'api_key', 'access_key', 'accesskey', 'token', 'api-key']);
/** Words after which a token-shaped value needs no connector (`access_key yKWM…`, `token abc123…`). */
const KEY_WORDS = new Set(['apikey', 'api_key', 'access_key', 'accesskey', 'token', 'secret', 'api-key', 'password', 'lösenord', 'losenord', 'key', 'credentials']);
/** Words after which four to eight digits are a PIN (`wrong PIN 1580`, `Ny pinkod 846576 satt`). */
const PIN_WORDS = new Set(['pin', 'pinkod', 'pincode', 'pinkode', 'pinnummer', 'pin_code', 'pin-code']);
const CONNECTORS = new Set(['to', 'till', 'är', 'is', 'was', 'var', 'blev', 'became', 'now', 'nu', 'set']);
const GREETINGS = new Set(['hej', 'hi', 'hello', 'dear', 'hallå', 'halla', 'kära', 'bästa', 'basta', 'hey', 'hejsan', 'tack']);
/** `/home/` and macOS's `/Users/` (capital U: `/users/12345` is an API path, which path templates handle). */
const HOME = new Set(['home', 'Users']);
/** Words after a home prefix that are not a user (`/home/runner` stays a user; `/Users/Shared` does not). */
const NOT_USERS = new Set(['shared', 'public', 'default', 'all users', 'guest']);

const decoder = new TextDecoder();
const encoder = new TextEncoder();
/** The credential words as UTF-8 bytes, longest first (so `password` wins over `pw`… and `api_key` over `key`). */
const CREDENTIAL_BYTES = [...CREDENTIAL_WORDS].sort((x, y) => y.length - x.length).map((w) => ({ word: w, bytes: encoder.encode(w) }));

/**
 * The word of `words` that `t[a..b)` is, or ends with after `_` or `-`
 * (`new_password`, `x-api-key`), compared case-insensitively on the bytes;
 * undefined when none.
 */
function suffixWord(t: Uint8Array, a: number, b: number, words: readonly { word: string; bytes: Uint8Array }[]): string | undefined {
  const last = t[b - 1]! | 0x20;
  outer: for (const { word, bytes } of words) {
    const n = bytes.length;
    if (n > b - a || (bytes[n - 1]! | 0x20) !== last) continue;
    const s = b - n;
    if (s > a && t[s - 1] !== 95 && t[s - 1] !== 45) continue;
    for (let k = 0; k < n; k++) {
      const c = t[s + k]!;
      if ((c < 0x80 ? c | (c >= 65 && c <= 90 ? 0x20 : 0) : c) !== bytes[k]) {
        // Upper-case non-ASCII (`LÖSENORD`) is not matched byte-wise: decode and compare.
        if (c >= 0x80 && lowerWord(t, s, b) === word) break;
        continue outer;
      }
    }
    return word;
  }
  return undefined;
}

/** The word `t[a..b)` in lower case (UTF-8 decoded when it is not ASCII), or '' when longer than 24 bytes. */
function lowerWord(t: Uint8Array, a: number, b: number): string {
  if (b - a > 24) return '';
  let ascii = true;
  for (let i = a; i < b; i++) if (t[i]! >= 0x80) ascii = false;
  if (!ascii) return decoder.decode(t.subarray(a, b)).toLowerCase();
  let s = '';
  for (let i = a; i < b; i++) s += String.fromCharCode(t[i]! >= 65 && t[i]! <= 90 ? t[i]! | 0x20 : t[i]!);
  return s;
}

/** The end of the next word after one space at `e`, or -1. */
function nextWord(t: Uint8Array, e: number, to: number): number {
  if (e + 1 >= to || t[e] !== 32) return -1;
  let z = e + 1;
  while (z < to && t[z] !== 32 && t[z] !== 9 && t[z] !== 10 && t[z] !== 13) z++;
  return z > e + 1 ? z : -1;
}

/**
 * @example
 * const d = new PhraseDetector(spans);
 * d.word(bytes, a, b, to); // for each word of the text
 */
export class PhraseDetector {
  constructor(private readonly spans: Spans) {}

  /** Tries the phrases that can start at the word `t[a..b)` of a text that ends at `to`. */
  word(t: Uint8Array, a: number, b: number, to: number, from: number): void {
    const n = b - a;
    if (n < 2 || n > 24) return;
    const last = t[b - 1]! | 0x20;
    const first = t[a]! | 0x20;
    // password passwd pwd pw pin pinkod pincode lösenord passphrase passcode secret apikey api_key token pass
    if (last === 100 || last === 119 || last === 110 || last === 101 || last === 121 || last === 116 || last === 115) this.credential(t, a, b, to);
    // hej hi hello dear hallå kära bästa hey hejsan tack by
    if (n <= 7 && (first === 104 || first === 100 || first === 107 || first === 98 || first === 116 || t[a]! >= 0xc3)) this.greeting(t, a, b, to);
    if ((n === 4 || n === 5) && (first === 104 || first === 117) && a > from && (t[a - 1] === 47 || t[a - 1] === 92)) this.home(t, a, b, to);
  }

  /** `password to 'x'`, `lösenord är x`, `access_key yKWM…`. */
  private credential(t: Uint8Array, a: number, b: number, to: number): void {
    // A value follows after a space; and the word (or its last part: new_password, user-pin) is a
    // credential word — both checked on the bytes, so ordinary words cost no string.
    if (b + 1 >= to || t[b] !== 32) return;
    const word = suffixWord(t, a, b, CREDENTIAL_BYTES);
    if (word === undefined) return;
    let z = nextWord(t, b, to);
    if (z < 0) return;
    let vs = b + 1;
    const next = lowerWord(t, vs, z);
    if (CONNECTORS.has(next)) {
      vs = z + 1;
      z = nextWord(t, z, to);
      if (z < 0) return;
    } else if (!(PIN_WORDS.has(word) && pinLike(t, vs, z)) && !(KEY_WORDS.has(word) && tokenLike(t, vs, z, word === 'key' || word === 'credentials' ? 16 : 6))) return;
    const q = t[vs]!;
    let ve = z;
    if (q === 34 || q === 39) {
      // A quoted value runs to its closing quote, spaces included (`'Vinter8 '`).
      vs++;
      ve = vs;
      while (ve < to && t[ve] !== q && t[ve] !== 10) ve++;
    } else while (ve > vs + 1 && (t[ve - 1] === 46 || t[ve - 1] === 44 || t[ve - 1] === 59 || t[ve - 1] === 41)) ve--;
    if (ve > vs && t[vs] !== 91 /* [ already replaced */) this.spans.add(vs, ve, PLACEHOLDER.credential, K.credential);
  }

  /** `Hej Oskar Hedlund,`, `Dear Anna`, `placed by Emil Holm`. */
  private greeting(t: Uint8Array, a: number, b: number, to: number): void {
    if (b + 1 >= to || t[b] !== 32 || !startsCapitalised(t, b + 1, to)) return;
    const word = lowerWord(t, a, b);
    const by = word === 'by' || word === 'av';
    if (!by && !GREETINGS.has(word)) return;
    const e = capitalisedWords(t, b, to, 3);
    // `by` needs a first and a last name: `by Apple` is a company, `by Anna Svensson` a person.
    if (by && !hasSpace(t, b + 1, e)) return;
    this.spans.add(b + 1, e, PLACEHOLDER.name, K.name);
  }

  /** `/home/anna/`, `/Users/anna/`, `C:\Users\anna\`: the user name goes. */
  private home(t: Uint8Array, a: number, b: number, to: number): void {
    if (b >= to || (t[b] !== 47 && t[b] !== 92) || !HOME.has(String.fromCharCode(...t.subarray(a, b)))) return;
    const s = b + 1;
    let e = s;
    while (e < to && t[e] !== 47 && t[e] !== 92 && t[e] !== 32 && t[e] !== 34 && t[e] !== 39 && t[e] !== 58 && t[e] !== 10) e++;
    if (e === s || t[s] === 123 /* { */ || NOT_USERS.has(lowerWord(t, s, e))) return;
    this.spans.add(s, e, '{user}', K.name);
  }
}

function hasSpace(t: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (t[i] === 32) return true;
  return false;
}

/**
 * `min` or more characters, without `/` (a path) or `=`, that are not one
 * lower-case word: a key, a password (`yKWMLvbA6h…`, `Hemligt2*`).
 */
function tokenLike(t: Uint8Array, s: number, e: number, min: number): boolean {
  if (e - s < min) return false;
  let lower = true;
  let digit = false;
  for (let i = s; i < e; i++) {
    const c = t[i]!;
    if (c === 47 || c === 61) return false;
    if (c >= 48 && c <= 57) digit = true;
    if (!(CLASS[c]! & C_LETTER) || (c >= 65 && c <= 90)) lower = false;
  }
  return !lower && (min < 16 || digit);
}

/** Four to eight digits, then nothing but sentence punctuation. */
function pinLike(t: Uint8Array, s: number, e: number): boolean {
  let n = 0;
  while (s + n < e && t[s + n]! >= 48 && t[s + n]! <= 57) n++;
  if (n < 4 || n > 8) return false;
  for (let i = s + n; i < e; i++) if (t[i] !== 46 && t[i] !== 44 && t[i] !== 59 && t[i] !== 41) return false;
  return true;
}
