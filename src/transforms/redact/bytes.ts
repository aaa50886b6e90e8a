/**
 * Byte classes and small byte-range helpers shared by the redactor's
 * detectors. Every detector reads bytes (a Uint8Array read costs a third of
 * a `charCodeAt` here) and decides with one table lookup per byte.
 */
import { COLON, DOT, SLASH } from '../../util/ascii.js';

// ---- byte classes (one table lookup per byte) ----
// Bytes of 0x80 and up are parts of non-ASCII characters, taken for letters:
// they belong to words, e-mail local parts and domains (RFC 6531) and names,
// but never to numbers, addresses or tokens.
export const C_DIGIT = 1; // must stay 1: the scan adds it to count digits
export const C_HEX_LETTER = 1 << 1;
export const C_LETTER = 1 << 2;
export const C_UPPER = 1 << 3;
export const C_TOKEN = 1 << 4; // may be part of a word the detectors look at
export const C_B64URL = 1 << 5; // A-Z a-z 0-9 - _
export const C_PARAM_NAME = 1 << 6;
export const C_EMAIL_LOCAL = 1 << 7;
export const C_COLON = 1 << 8;
export const C_DOT = 1 << 9;
export const C_MINUS = 1 << 10;
export const C_AT = 1 << 11;
export const C_EQUALS = 1 << 12;
export const C_PERCENT = 1 << 13;
export const C_ATEXT = 1 << 14; // RFC 5322 atext and `.`, but not `/ ? = & #`, which in a URL end a local part
export const C_ESCAPE = 1 << 15; // `\`: nginx writes non-ASCII and quote bytes as `\xHH`
export const C_HIGH = 1 << 16; // a byte of a non-ASCII character
export const C_SPACE = 1 << 17; // space, tab, line breaks

/** The class bits of each byte. */
export const CLASS = new Uint32Array(256);
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
  if (ch === '\\') k |= C_ESCAPE;
  if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') k |= C_SPACE;
  CLASS[c] = k;
}
for (let c = 128; c < 256; c++) CLASS[c] = C_HIGH | C_LETTER | C_TOKEN | C_EMAIL_LOCAL | C_ATEXT | C_PARAM_NAME;

/** Characters that end a parameter value. */
export function endsValue(c: number): boolean {
  return c === 38 /* & */ || c === 59 /* ; */ || c === 35 /* # */ || c === 32 || c === 9 || c === 34 /* " */ || c === 39 /* ' */ || c === 60 || c === 62 || c === 10 || c === 13;
}

/** Whether `b[s..e)` spells exactly the ASCII string `t`. */
export function sameText(b: Uint8Array, s: number, e: number, t: string): boolean {
  if (e - s !== t.length) return false;
  for (let i = 0; i < t.length; i++) if (b[s + i] !== t.charCodeAt(i)) return false;
  return true;
}

/** Index of byte `c` in `b[s..e)`, or -1. */
export function indexOfByte(b: Uint8Array, c: number, s: number, e: number): number {
  for (let i = s; i < e; i++) if (b[i] === c) return i;
  return -1;
}

/** Index of the last byte `c` in `b[s..e)`, or -1. */
export function lastIndexOfByte(b: Uint8Array, c: number, s: number, e: number): number {
  for (let i = e - 1; i >= s; i--) if (b[i] === c) return i;
  return -1;
}

/** Whether `b[s..e)` is one to five ASCII digits (a port). */
export function isDigits(b: Uint8Array, s: number, e: number): boolean {
  if (e <= s || e - s > 5) return false;
  for (let i = s; i < e; i++) if (!(CLASS[b[i]!]! & C_DIGIT)) return false;
  return true;
}

/** Index of `://` in `b[s..e)`, or -1. */
export function indexOfScheme(b: Uint8Array, s: number, e: number): number {
  for (let i = s; i + 2 < e; i++) if (b[i] === COLON && b[i + 1] === SLASH && b[i + 2] === SLASH) return i;
  return -1;
}

/** The first index below `n` whose value in the increasing `arr` is at least `v`, or `n`. */
export function firstAtLeast(arr: ArrayLike<number>, n: number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

export function isHex(c: number): boolean {
  return (CLASS[c]! & (C_DIGIT | C_HEX_LETTER)) !== 0;
}

export function hexValue(c: number): number {
  return c <= 57 ? c - 48 : (c | 0x20) - 87;
}

/** Upper-case ASCII letters only: an HTTP method. */
export function isMethod(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (b[i]! < 65 || b[i]! > 90) return false;
  return true;
}

/**
 * `HTTP/` followed by digits and dots, at most `HTTP/x.y`: anything longer
 * after the slash (`HTTP/81.6.12.34`) could be an identifier and is scanned.
 */
export function isHttpProtocol(b: Uint8Array, s: number, e: number): boolean {
  if (e - s < 6 || e - s > 8 || b[s] !== 72 || b[s + 1] !== 84 || b[s + 2] !== 84 || b[s + 3] !== 80 || b[s + 4] !== SLASH) return false;
  for (let i = s + 5; i < e; i++) if (!(CLASS[b[i]!]! & C_DIGIT) && b[i] !== DOT) return false;
  return true;
}
