/**
 * Object and device ids and random-looking tokens inside a word: UUIDs,
 * hyphen-separated MACs, hex digests, API keys, JWTs.
 */
import { DOT, MINUS } from '../../../util/ascii.js';
import { CLASS, C_B64URL, C_DIGIT, C_HEX_LETTER, C_LETTER, C_UPPER, isHex } from '../bytes.js';
import { REPLACEMENT, type Spans } from '../spans.js';
import { isMac } from './addresses.js';

/**
 * @example
 * const d = new TokenDetector({ uuid: true, mac: true, secretMinLength: 24 }, spans);
 * d.uuidOrMac(bytes, 0, bytes.length); // spans: 123e4567-… → [uuid]
 */
export class TokenDetector {
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
        this.spans.add(i, i + 36, REPLACEMENT.uuid);
        i += 35;
      } else if (this.options.mac && i + 17 <= b && isMac(t, i, MINUS) && !(i + 17 < b && CLASS[t[i + 17]!]! & (C_DIGIT | C_HEX_LETTER))) {
        this.spans.add(i, i + 17, REPLACEMENT.mac);
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
  secret(t: Uint8Array, a: number, b: number): void {
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
          this.spans.add(s, e, REPLACEMENT.secret);
          i = e;
          continue;
        }
        e = i;
      }
      if (e - s < min || !hasDigit || !(hasUpper || hasLower)) continue;
      if (longest >= min || (hasUpper && hasLower && segments <= 3)) this.spans.add(s, e, REPLACEMENT.secret);
    }
  }
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
