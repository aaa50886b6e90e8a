/**
 * Small readings the URL structure makes: whether a value is itself a URL,
 * whether an allow-listed value is a version, where a placeholder a first
 * pass left ends, one percent-decoding round with origins carried along.
 */
import { schemeEnd } from '../url/path-template.js';
import { CLASS, C_DIGIT, C_LETTER, hexValue, isHex } from './bytes.js';

/**
 * A path (`/…`), a scheme-relative or absolute URL, or a relative one with a
 * query (`page.php?x=1`: only path characters before the `?`, so prose or
 * `key=value?` is not read as one).
 */
export function urlShaped(t: Uint8Array, s: number, e: number): boolean {
  if (e - s < 2) return false;
  if (t[s] === 47) return true;
  if (schemeEnd(t, s, e) > 0) return true;
  let q = -1;
  for (let k = s; k < e; k++) {
    const c = t[k]!;
    // Before the `?`, only what a relative path holds (and the brackets of a placeholder left by a first pass).
    if (q < 0 && c !== 63 && (c >= 0x80 || !(CLASS[c]! & (C_DIGIT | C_LETTER))) && c !== 46 && c !== 95 && c !== 45 && c !== 126 && c !== 47 && c !== 123 && c !== 125 && c !== 91 && c !== 93) return false;
    if (c === 63 && q < 0) q = k;
    else if (c === 61 && q >= 0) return true;
  }
  return false;
}

/**
 * A version as written: digits and dots only, no part with a leading zero
 * (`070.123.45.67` is a phone number, `0260.0270.023.04` an octal address).
 */
export function versionShaped(t: Uint8Array, s: number, e: number): boolean {
  for (let k = s; k < e; k++) {
    const c = t[k]!;
    if (c !== 46 && (c < 48 || c > 57)) return false;
    if (c === 48 && (k === s || t[k - 1] === 46) && k + 1 < e && t[k + 1] !== 46) return false;
  }
  return true;
}

/** Where a placeholder (`[word]`, `{word}`: lower-case letters and `_`) at `b[k]` ends, or -1. */
export function placeholderAt(b: Uint8Array, k: number, n: number): number {
  const open = b[k];
  if (open !== 91 && open !== 123) return -1;
  const close = open === 91 ? 93 : 125;
  for (let i = k + 1; i < n && i - k < 24; i++) {
    const c = b[i]!;
    if (c === close) return i > k + 1 ? i + 1 : -1;
    if (!((c >= 97 && c <= 122) || c === 95)) return -1;
  }
  return -1;
}

/** Start/end pairs in order of their starts (they arrive nearly sorted: nested URLs add theirs while the path is walked). */
export function sortPairs(p: number[], n: number): number[] {
  let sorted = true;
  for (let k = 2; k < n && sorted; k += 2) if (p[k]! < p[k - 2]!) sorted = false;
  if (sorted) return p;
  const pairs: [number, number][] = [];
  for (let k = 0; k < n; k += 2) pairs.push([p[k]!, p[k + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const flat = pairs.flat();
  for (let k = 0; k < n; k++) p[k] = flat[k]!;
  return p;
}

/** One percent-decoding round over `buf[0..n)` in place, origins carried in `map`; returns the new length. */
export function decodeRound(buf: Uint8Array, map: Int32Array, n: number): number {
  let m = 0;
  for (let i = 0; i < n; ) {
    map[m] = map[i]!;
    if (buf[i] === 37 && i + 2 < n && isHex(buf[i + 1]!) && isHex(buf[i + 2]!)) {
      buf[m++] = (hexValue(buf[i + 1]!) << 4) | hexValue(buf[i + 2]!);
      i += 3;
    } else {
      buf[m++] = buf[i]!;
      i++;
    }
  }
  map[m] = map[n]!;
  return m;
}
