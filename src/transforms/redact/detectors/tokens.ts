/**
 * Object and device ids and random-looking tokens inside a word: UUIDs,
 * hyphen-separated MACs, API keys, JWTs, AWS access key ids, IBANs
 * (mod-97 checked). Hex digests of the lengths git and content hashes have
 * (SHA-1, SHA-256), or beside a label that says hash (`commit`, `sha`,
 * `etag`, `integrity`), are not secrets.
 */
import { DOT, MINUS } from '../../../util/ascii.js';
import { mod97 } from '../../../util/iban.js';
import { CLASS, C_B64URL, C_DIGIT, C_HEX_LETTER, C_LETTER, C_UPPER, isHex } from '../bytes.js';
import { L_ID } from '../name-rules.js';
import type { LabelSource } from '../numbers.js';
import type { Spans } from '../spans.js';
import { isMac } from './addresses.js';

/** AWS access key id prefixes (IAM unique id prefixes: user, role, temporary, …). */
const AWS_PREFIXES = new Set(['AKIA', 'ASIA', 'AGPA', 'AIDA', 'AROA', 'AIPA', 'ANPA', 'ANVA', 'APKA', 'ABIA', 'ACCA']);

/**
 * @example
 * const d = new TokenDetector({ uuid: true, mac: true, secretMinLength: 24 }, spans);
 * d.uuidOrMac(bytes, 0, bytes.length); // spans: 123e4567-… → [uuid]
 */
export class TokenDetector {
  private readonly ibanEnds = new Int32Array(35);

  constructor(
    private readonly options: { readonly uuid: boolean; readonly mac: boolean; readonly secretMinLength: number },
    private readonly spans: Spans,
  ) {}

  /** UUIDs (8-4-4-4-12 hex) and hyphen-separated MACs inside the word `t[a..b)`. */
  uuidOrMac(t: Uint8Array, a: number, b: number): void {
    for (let i = a; i < b; i++) {
      // Start only at the beginning of a hex run.
      if (i > a && CLASS[t[i - 1]!]! & (C_DIGIT | C_HEX_LETTER)) continue;
      if (this.options.uuid && i + 36 <= b && isUuid(t, i) && !(i + 36 < b && CLASS[t[i + 36]!]! & (C_DIGIT | C_HEX_LETTER))) {
        this.spans.addKind(i, i + 36, 'uuid');
        i += 35;
      } else if (this.options.mac && i + 17 <= b && isMac(t, i, MINUS) && !(i + 17 < b && CLASS[t[i + 17]!]! & (C_DIGIT | C_HEX_LETTER))) {
        this.spans.addKind(i, i + 17, 'mac');
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
  secret(t: Uint8Array, a: number, b: number, labels: LabelSource, from: number): void {
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
          this.spans.addKind(s, e, 'secret');
          i = e;
          continue;
        }
        e = i;
      }
      if (e - s < min || !hasDigit || !(hasUpper || hasLower)) continue;
      if (!(longest >= min || (hasUpper && hasLower && segments <= 3))) continue;
      if (segments === 1 && !(hasUpper && hasLower) && allHex(t, s, e) && this.isHash(t, s, e, labels, from)) continue;
      this.spans.addKind(s, e, 'secret');
    }
  }

  /** A hex digest that is a git or content hash: SHA-1 or SHA-256 long, or behind a hash label. */
  private isHash(t: Uint8Array, s: number, e: number, labels: LabelSource, from: number): boolean {
    const n = e - s;
    if (n === 40 || n === 64) return true;
    return (labels.before(t, from, s) & L_ID) !== 0;
  }

  /** An AWS access key id (`AKIA` + 16 upper-case letters and digits) as the word `t[a..b)`. */
  awsKey(t: Uint8Array, a: number, b: number): void {
    if (b - a !== 20) return;
    if (!AWS_PREFIXES.has(String.fromCharCode(t[a]!, t[a + 1]!, t[a + 2]!, t[a + 3]!))) return;
    for (let k = a + 4; k < b; k++) if (!(CLASS[t[k]!]! & (C_UPPER | C_DIGIT))) return;
    this.spans.addKind(a, b, 'secret');
  }

  /**
   * An IBAN starting at `t[a]` (two letters, two check digits, up to 30
   * letters and digits, in groups of four with single spaces — no-break
   * and narrow no-break too — or in one run; upper or lower case), valid
   * under ISO 13616's mod-97 check. Returns where it ends, or `a`.
   */
  iban(t: Uint8Array, a: number, to: number): number {
    if (a + 4 > to || !al(t, a) || !al(t, a + 1) || !dg(t, a + 2) || !dg(t, a + 3)) return a;
    if (a > 0 && CLASS[t[a - 1]!]! & (C_DIGIT | C_LETTER)) return a;
    // The characters (up to 34) and where each ends; spaces only between groups of four.
    const ends = this.ibanEnds;
    let e = a;
    let n = 0;
    let group = 0;
    while (e < to && n < 34) {
      if (al(t, e) || dg(t, e)) {
        n++;
        group++;
        e++;
        ends[n] = e;
        continue;
      }
      const sp = group === 4 ? spaceLength(t, e, to) : 0;
      if (sp > 0 && e + sp < to && (al(t, e + sp) || dg(t, e + sp))) {
        group = 0;
        e += sp;
      } else break;
    }
    // The longest prefix of 15 or more characters, ending at a word boundary, that passes mod 97.
    let end = a;
    for (let len = n; len >= 15 && end === a; len--) {
      const z = ends[len]!;
      if (z < to && CLASS[t[z]!]! & (C_DIGIT | C_LETTER)) continue;
      // Move the first four characters to the end, letters as 10–35, then mod 97.
      if (mod97(t, a, a + 4, mod97(t, a + 4, z, 0)) === 1) end = z;
    }
    if (end === a) return a;
    this.spans.addKind(a, end, 'iban');
    return end;
  }
}

function al(t: Uint8Array, k: number): boolean {
  return (CLASS[t[k]!]! & C_LETTER) !== 0 && t[k]! < 0x80;
}

function dg(t: Uint8Array, k: number): boolean {
  return (CLASS[t[k]!]! & C_DIGIT) !== 0;
}

/** A space at `t[i]`: ASCII, no-break (U+00A0) or narrow no-break (U+202F); its length in bytes, or 0. */
function spaceLength(t: Uint8Array, i: number, to: number): number {
  if (t[i] === 32) return 1;
  if (t[i] === 0xc2 && i + 1 < to && t[i + 1] === 0xa0) return 2;
  if (t[i] === 0xe2 && i + 2 < to && t[i + 1] === 0x80 && (t[i + 2] === 0xaf || (t[i + 2]! >= 0x80 && t[i + 2]! <= 0x8a))) return 3;
  return 0;
}

function allHex(t: Uint8Array, s: number, e: number): boolean {
  for (let k = s; k < e; k++) if (!isHex(t[k]!)) return false;
  return true;
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
