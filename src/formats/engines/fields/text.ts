/**
 * Writing values back into text layouts, and the address:port tokens those
 * layouts share. A replacement (a pseudonym, a truncated address, redacted
 * text, a generalised user agent) must never break the line it goes into:
 * a quote would end a quoted field early, a space would split an unquoted
 * one, a newline would start a new line. Each writer escapes exactly what
 * its context cannot hold, the way the format itself escapes it.
 */

const HEXD = '0123456789ABCDEF';

function hex2(c: number): string {
  return HEXD[c >> 4]! + HEXD[c & 15]!;
}

/**
 * A value for an unquoted space- or tab-separated field: spaces, tabs,
 * control characters, quotes and `%` itself percent-encoded (the line splits
 * only where the format puts separators), empty written as `-`.
 *
 * @example
 * plainValue('Chrome 120 (Windows)') // 'Chrome%20120%20(Windows)'
 */
export function plainValue(v: string): string {
  if (v.length === 0) return '-';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c <= 32 || c === 34 || c === 127) return percentSome(v, (k) => k <= 32 || k === 34 || k === 127 || k === 37);
  }
  return v;
}

function percentSome(v: string, enc: (c: number) => boolean): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    out += c < 128 && enc(c) ? '%' + hex2(c) : v[i]!;
  }
  return out;
}

/**
 * A value for a double-quoted field (nginx/AWS style): `"` and control
 * characters as `\xHH` (what nginx writes), and a backslash that would
 * escape the closing quote as `\x5C`.
 *
 * @example
 * quotedValue('say "hi"') // 'say \\x22hi\\x22'
 */
export function quotedValue(v: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 34 || c < 32 || c === 127) {
      out += v.slice(from, i) + '\\x' + hex2(c);
      from = i + 1;
    }
  }
  out = from === 0 ? v : out + v.slice(from);
  // An odd run of backslashes at the end would escape the closing quote.
  let bs = 0;
  for (let i = out.length - 1; i >= 0 && out.charCodeAt(i) === 92; i--) bs++;
  return (bs & 1) === 1 ? out.slice(0, -1) + '\\x5C' : out;
}

/**
 * Where `src[s..e)` splits into address and port: the index of the colon
 * before the port (the last one: IPv6 addresses are not bracketed in AWS
 * and HAProxy logs), or -1 when there is no `:digits` (or `:` with nothing,
 * a port gallra dropped) at the end.
 *
 * @example
 * portColon('2001:db8::1:443', 0, 15) // 11
 */
export function portColon(src: string, s: number, e: number): number {
  let i = e - 1;
  while (i >= s && src.charCodeAt(i) >= 48 && src.charCodeAt(i) <= 57) i--;
  if (i < s || src.charCodeAt(i) !== 58 || e - i - 1 > 5) return -1;
  return i;
}

/**
 * Could `src[s..e)` be an IP address (IPv4, IPv6, bracketed, with a zone)?
 * A cheap shape check for detection; transforms parse addresses properly.
 */
export function addressLike(src: string, s: number, e: number): boolean {
  if (e - s < 2 || e - s > 64) return false;
  let colons = 0;
  let dots = 0;
  for (let i = s; i < e; i++) {
    const c = src.charCodeAt(i);
    if (c === 58) colons++;
    else if (c === 46) dots++;
    else if (!((c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102) || c === 91 || c === 93 || c === 37)) {
      // Letters beyond hex only in an IPv6 zone id (fe80::1%eth0).
      if (src.lastIndexOf('%', i) < s) return false;
    }
  }
  return dots === 3 || colons >= 2;
}

/** Whether `src[s..e)` is 1..max ASCII digits. */
export function isDigits(src: string, s: number, e: number, max = 20): boolean {
  if (e <= s || e - s > max) return false;
  for (let i = s; i < e; i++) {
    const c = src.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Whether `src[s..e)` is a decimal number: `-1`, `0.001`, `153` (a duration in a load-balancer log). */
export function isDecimal(src: string, s: number, e: number): boolean {
  if (e <= s || e - s > 24) return false;
  let i = s;
  if (src.charCodeAt(i) === 45) i++;
  let int = 0;
  while (i < e && src.charCodeAt(i) >= 48 && src.charCodeAt(i) <= 57) (i++, int++);
  if (int === 0) return false;
  if (i === e) return true;
  if (src.charCodeAt(i) !== 46) return false;
  i++;
  let frac = 0;
  while (i < e && src.charCodeAt(i) >= 48 && src.charCodeAt(i) <= 57) (i++, frac++);
  return frac > 0 && i === e;
}

/** Whether `src[s..e)` is exactly `-`. */
export function isDash(src: string, s: number, e: number): boolean {
  return e - s === 1 && src.charCodeAt(s) === 45;
}

/**
 * `src.indexOf(needle, from)`, remembered: a chunk string holds many lines,
 * and a needle a line does not contain (a tab in a space-separated line, a
 * JSON format's key in another format's line) would otherwise be searched
 * for to the end of the chunk from every line — quadratic in the chunk. The
 * next occurrence after a search stays valid for every later search that
 * starts before it.
 *
 * @example
 * const tabs = new NextIndex('\t'); tabs.from(chunk, lineStart) < lineEnd // the line has a tab
 */
export class NextIndex {
  private src = '';
  private at = -1;
  private searchedFrom = 0;

  constructor(readonly needle: string) {}

  /** The index of the first `needle` at or after `from` (-1: none). */
  from(src: string, from: number): number {
    if (src === this.src && from >= this.searchedFrom && (this.at < 0 || from <= this.at)) return this.at;
    this.src = src;
    this.searchedFrom = from;
    this.at = src.indexOf(this.needle, from);
    return this.at;
  }
}
