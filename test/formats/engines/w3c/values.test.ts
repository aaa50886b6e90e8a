/** The encoding layers of W3C-style logs, undone once and done again. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cloudfrontEncode, percentDecodeOnce, plusDecode, spaceFieldValue } from '../../../../src/formats/engines/w3c/values.js';

describe('W3C value layers', () => {
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
