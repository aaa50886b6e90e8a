/**
 * ISO 13616's IBAN check, shared by the redactor (IBANs in free text) and the
 * host shape (an account number is not a host name).
 */

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isLetter = (c: number): boolean => (c | 0x20) >= 97 && (c | 0x20) <= 122;

/**
 * The running mod-97 remainder `rem` carried over the ASCII letters and
 * digits of `t[s..e)` (letters as 10–35; anything else, e.g. spaces, skipped).
 *
 * @example
 * mod97(bytes, a, a + 4, mod97(bytes, a + 4, z, 0)) === 1 // t[a..z) is a valid IBAN
 */
export function mod97(t: Uint8Array, s: number, e: number, rem: number): number {
  for (let k = s; k < e; k++) {
    const c = t[k]!;
    if (isDigit(c)) rem = (rem * 10 + c - 48) % 97;
    else if (isLetter(c)) rem = (rem * 100 + (c | 0x20) - 87) % 97;
  }
  return rem;
}

/**
 * Whether `v[s..e)` is an IBAN with a valid check: two letters, two check
 * digits, 11–30 letters or digits, no spaces, and mod 97 of the number with
 * its first four characters moved to the end is 1. Case-insensitive.
 *
 * @example
 * isIbanAt('SE4550000000058398257466', 0, 24); // true
 */
export function isIbanAt(v: string, s: number, e: number): boolean {
  const n = e - s;
  if (n < 15 || n > 34) return false;
  if (!isLetter(v.charCodeAt(s)) || !isLetter(v.charCodeAt(s + 1)) || !isDigit(v.charCodeAt(s + 2)) || !isDigit(v.charCodeAt(s + 3))) return false;
  for (let k = s; k < e; k++) if (!isDigit(v.charCodeAt(k)) && !isLetter(v.charCodeAt(k))) return false;
  // Rare (a long label shaped like an IBAN): the bytes are ASCII, checked above.
  const t = Buffer.from(v.slice(s, e), 'latin1');
  return mod97(t, 0, 4, mod97(t, 4, n, 0)) === 1;
}
