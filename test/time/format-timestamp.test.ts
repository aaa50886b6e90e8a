import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatClfTime, formatIsoTime, formatMsec } from '../../src/time/format-timestamp.js';
import { epochToMs, parseClfTime, parseIsoTime } from '../../src/time/parse-timestamp.js';

describe('format-timestamp', () => {
  it('writes the forms nginx logs, in UTC', () => {
    const t = Date.UTC(2026, 10, 2, 9, 5, 7, 123);
    expect(formatClfTime(t)).toBe('02/Nov/2026:09:05:07 +0000');
    expect(formatIsoTime(t)).toBe('2026-11-02T09:05:07+00:00');
    expect(formatMsec(t)).toBe('1793610307.123');
  });

  // From 2001-09-09 on: epochToMs reads a number below 1e9 as another unit than seconds.
  it('reads back to the same second (CLF, ISO) and millisecond (msec)', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2001, 8, 10), max: Date.UTC(2200, 0, 1) }), (t) => {
        const second = t - (t % 1000);
        expect(parseClfTime(formatClfTime(t))).toBe(second);
        expect(parseIsoTime(formatIsoTime(t))).toBe(second);
        expect(epochToMs(Number(formatMsec(t)))).toBe(t);
      }),
      { seed: 0x7e57, numRuns: 500 },
    );
  });
});
