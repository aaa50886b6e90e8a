/** Byte classes for reading URL path segments (one table lookup per byte). */

// Byte classes of the decoded segment.
export const DIGIT = 1;
export const LOWER = 2;
export const UPPER = 4;
export const HEXL = 8; // a-f A-F
export const SEP = 16; // - _ . + ~ , space: separate parts of a slug or file name
export const OTHER = 32; // anything else ASCII that is not a letter or digit
export const HIGH = 64; // bytes of non-ASCII characters: letters of other scripts
export const CLS = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  let k = 0;
  if (c >= 48 && c <= 57) k = DIGIT;
  else if (c >= 97 && c <= 122) k = LOWER | (c <= 102 ? HEXL : 0);
  else if (c >= 65 && c <= 90) k = UPPER | (c <= 70 ? HEXL : 0);
  else if (c === 45 || c === 95 || c === 46 || c === 43 || c === 126 || c === 44 || c === 32) k = SEP;
  else if (c >= 128) k = HIGH;
  else k = OTHER;
  CLS[c] = k;
}


export function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}
