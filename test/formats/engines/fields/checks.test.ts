import { describe, expect, it } from 'vitest';
import { token } from '../../../../src/formats/engines/fields/checks.js';

/** The comparison form `token` had before its table: which characters a token may hold. */
const tokenChar = (c: number): boolean => (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 122) || c === 95 || c === 45 || c === 46 || c === 47 || c === 58 || c === 43;

describe('token', () => {
  it('admits exactly ASCII letters, digits and _ - . / : +, for every UTF-16 code unit', () => {
    for (let c = 0; c < 0x10000; c++) {
      const ch = String.fromCharCode(c);
      expect(token(`a${ch}b`, 0, 3), `U+${c.toString(16)}`).toBe(tokenChar(c));
    }
  });

  it('refuses an empty range and one longer than 256 characters', () => {
    expect(token('abc', 1, 1)).toBe(false);
    expect(token('a'.repeat(257), 0, 257)).toBe(false);
    expect(token('a'.repeat(256), 0, 256)).toBe(true);
  });
});
