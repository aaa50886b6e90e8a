/** The encoding layers of W3C-style logs, undone once and done again. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cloudfrontEncode, percentDecodeOnce, plusDecode, spaceFieldValue } from '../../../../src/formats/engines/w3c/values.js';

/** The byte-at-a-time forms these functions had before their fast paths: what they must still answer. */
const hexVal = (c: number): number => (c >= 48 && c <= 57 ? c - 48 : (c | 32) >= 97 && (c | 32) <= 102 ? (c | 32) - 87 : -1);
function referenceDecode(v: string): string {
  if (v.indexOf('%') < 0) return v;
  const bytes: number[] = [];
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 37 && i + 2 < v.length && hexVal(v.charCodeAt(i + 1)) >= 0 && hexVal(v.charCodeAt(i + 2)) >= 0) {
      bytes.push((hexVal(v.charCodeAt(i + 1)) << 4) | hexVal(v.charCodeAt(i + 2)));
      i += 2;
    } else if (c < 128) bytes.push(c);
    else return v;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    return v;
  }
}
const UNSAFE = new Set([...Array.from({ length: 33 }, (_, c) => c), ...[...'<>"#%{}|\\^~[]`\''].map((ch) => ch.charCodeAt(0)), 127]);
function referenceEncode(v: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(v)) out += b < 128 && !UNSAFE.has(b) ? String.fromCharCode(b) : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  return out.length === 0 ? '-' : out;
}

describe('W3C value layers', () => {
  it('decodes and encodes exactly as the byte-at-a-time forms did, for any text (property)', () => {
    const pieces = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('%', '%2', '%25', '%40', '%2540', '%E2%82%AC', '%FF', '%C3', '%c3%a9', '%7F', '%zz', 'é', '\ud800', ' ', '+'));
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 12 }).map((a) => a.join('')), (v) => {
        expect(percentDecodeOnce(v)).toBe(referenceDecode(v));
        expect(cloudfrontEncode(v)).toBe(referenceEncode(v));
      }),
      { seed: 0x3c, numRuns: 3000 },
    );
  });

  it('undoes CloudFront\'s layer once: %2540 is the %40 the client sent', () => {
    expect(percentDecodeOnce('mail=alice%2540example.com')).toBe('mail=alice%40example.com');
    expect(percentDecodeOnce('Mozilla/5.0%20(X11)')).toBe('Mozilla/5.0 (X11)');
    expect(percentDecodeOnce('100%')).toBe('100%');
    expect(percentDecodeOnce('%E2%82%AC')).toBe('€');
    expect(percentDecodeOnce('%FF')).toBe('%FF');
  });

  it('encodes what it writes back as CloudFront would, so decoding gives the value again (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }), (v) => {
        const e = cloudfrontEncode(v);
        expect(e).not.toMatch(/[ \t"<>]/);
        expect(percentDecodeOnce(e)).toBe(v);
      }),
      { seed: 0xcf, numRuns: 500 },
    );
  });

  it('writes IIS\'s + for a space and reads it back', () => {
    expect(spaceFieldValue('Chrome 120 (Windows)')).toBe('Chrome+120+(Windows)');
    expect(plusDecode('Mozilla/5.0+(X11)')).toBe('Mozilla/5.0 (X11)');
    expect(spaceFieldValue('')).toBe('-');
  });
});
