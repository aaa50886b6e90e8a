/** Value checks that tell one layout from another in auto-detection (each also accepts what its documentation says can appear). */
import { isDecimal, isDigits } from './text.js';

/** Three digits, or `-`: an HTTP status (`000` when the client left before the answer). */
export const statusOrDash = (src: string, s: number, e: number): boolean => (e - s === 1 && src.charCodeAt(s) === 45) || (e - s === 3 && isDigits(src, s, e));
/** A byte count or `-`. */
export const countOrDash = (src: string, s: number, e: number): boolean => (e - s === 1 && src.charCodeAt(s) === 45) || isDigits(src, s, e);
/** A decimal (seconds, `-1` for "not measured"). */
export const decimal = (src: string, s: number, e: number): boolean => isDecimal(src, s, e);
/** An ISO 8601 UTC timestamp with a fraction: `2018-07-02T22:23:00.186641Z`. */
export const isoUtc = (src: string, s: number, e: number): boolean =>
  e - s >= 20 && e - s <= 30 && src.charCodeAt(s + 4) === 45 && src.charCodeAt(s + 10) === 84 && src.charCodeAt(e - 1) === 90 && isDigits(src, s, s + 4);
/** ASCII letters, digits and `_ - . / : +`, as a table: one load per character where eight comparisons were (ARNs of ~90 characters, twice an ALB line). */
const TOKEN_CHARS = new Uint8Array(128);
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./:+') TOKEN_CHARS[ch.charCodeAt(0)] = 1;

/** Letters, digits and `_ - . / : +` only (no space): a code or name token. */
export function token(src: string, s: number, e: number): boolean {
  if (e <= s || e - s > 256) return false;
  for (let i = s; i < e; i++) {
    const c = src.charCodeAt(i);
    if (c >= 128 || TOKEN_CHARS[c] === 0) return false;
  }
  return true;
}
