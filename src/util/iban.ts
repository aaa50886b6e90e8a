/**
 * Whether `v[s..e)` is an IBAN with a valid check (ISO 13616: two letters,
 * two check digits, 11–30 letters or digits; mod 97 of the rearranged
 * number is 1). Case-insensitive, no spaces.
 *
 * @example
 * isIbanAt('SE4550000000058398257466', 0, 24); // true
 */
export function isIbanAt(v: string, s: number, e: number): boolean {
  const n = e - s;
  if (n < 15 || n > 34) return false;
  const letter = (c: number): boolean => (c | 0x20) >= 97 && (c | 0x20) <= 122;
  const digit = (c: number): boolean => c >= 48 && c <= 57;
  if (!letter(v.charCodeAt(s)) || !letter(v.charCodeAt(s + 1)) || !digit(v.charCodeAt(s + 2)) || !digit(v.charCodeAt(s + 3))) return false;
  let rem = 0;
  for (let k = 0; k < n; k++) {
    const c = v.charCodeAt(s + ((k + 4) % n));
    if (digit(c)) rem = (rem * 10 + (c - 48)) % 97;
    else if (letter(c)) rem = (rem * 100 + ((c | 0x20) - 87)) % 97;
    else return false;
  }
  return rem === 1;
}
