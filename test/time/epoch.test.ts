import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mustParseDuration } from '../../src/time/duration.js';
import { closesAt, EPOCH_PERIODS, epochLabel, epochOf, type EpochPeriod, isEpochPeriod, parseEpochLabel } from '../../src/time/epoch.js';

const FC = { seed: 0xe90c, numRuns: 500 } as const;
const HOUR = 3_600_000;

function bounds(ms: number, period: EpochPeriod): [string, string] {
  const e = epochOf(ms, period);
  return [new Date(e.start).toISOString(), new Date(e.end).toISOString()];
}

describe('epochOf', () => {
  const t = Date.UTC(2026, 10, 22, 15, 4, 5, 678); // Sunday 2026-11-22 15:04:05.678Z

  it.each([
    ['PT1H', '2026-11-22T15:00:00.000Z', '2026-11-22T16:00:00.000Z'],
    ['PT6H', '2026-11-22T12:00:00.000Z', '2026-11-22T18:00:00.000Z'],
    ['PT12H', '2026-11-22T12:00:00.000Z', '2026-11-23T00:00:00.000Z'],
    ['P1D', '2026-11-22T00:00:00.000Z', '2026-11-23T00:00:00.000Z'],
    ['P7D', '2026-11-16T00:00:00.000Z', '2026-11-23T00:00:00.000Z'], // Monday to Monday: the 22nd is a Sunday
    ['P1M', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
  ] as const)('aligns %s to UTC boundaries', (period, start, end) => {
    expect(bounds(t, period)).toEqual([start, end]);
  });

  it('starts weeks on Monday 00:00 UTC, also before 1970', () => {
    expect(bounds(Date.UTC(2026, 10, 23), 'P7D')).toEqual(['2026-11-23T00:00:00.000Z', '2026-11-30T00:00:00.000Z']);
    expect(bounds(Date.UTC(2026, 10, 23) - 1, 'P7D')).toEqual(['2026-11-16T00:00:00.000Z', '2026-11-23T00:00:00.000Z']);
    expect(bounds(0, 'P7D')).toEqual(['1969-12-29T00:00:00.000Z', '1970-01-05T00:00:00.000Z']);
    expect(bounds(-1, 'P1D')).toEqual(['1969-12-31T00:00:00.000Z', '1970-01-01T00:00:00.000Z']);
  });

  it('handles month ends, year ends and leap Februaries for P1M', () => {
    expect(bounds(Date.UTC(2026, 11, 31, 23, 59, 59, 999), 'P1M')).toEqual(['2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
    expect(bounds(Date.UTC(2024, 1, 29, 12), 'P1M')).toEqual(['2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z']);
    expect(bounds(Date.UTC(2025, 1, 28, 12), 'P1M')).toEqual(['2025-02-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z']);
  });

  it('contains the instant, is aligned, and tiles time without gaps, for every period', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1960, 0, 1), max: Date.UTC(2200, 0, 1) }), fc.constantFrom(...EPOCH_PERIODS), (ms, period) => {
        const e = epochOf(ms, period);
        expect(e.start).toBeLessThanOrEqual(ms);
        expect(ms).toBeLessThan(e.end);
        expect(epochOf(e.start, period)).toEqual(e);
        expect(epochOf(e.end - 1, period)).toEqual(e);
        expect(epochOf(e.end, period).start).toBe(e.end);
        expect(Math.abs(e.start % HOUR)).toBe(0);
        if (period === 'P7D') expect(new Date(e.start).getUTCDay()).toBe(1);
        if (period === 'P1M') expect(new Date(e.start).getUTCDate()).toBe(1);
      }),
      FC,
    );
  });
});

describe('closesAt and periods', () => {
  it('closes an epoch at its end plus the grace period', () => {
    const e = epochOf(Date.UTC(2026, 10, 22, 15), 'P1D');
    expect(closesAt(e, mustParseDuration('PT1H'))).toBe(Date.UTC(2026, 10, 23, 1));
    expect(closesAt(e, mustParseDuration('P0D'))).toBe(Date.UTC(2026, 10, 23));
    expect(closesAt(epochOf(Date.UTC(2026, 0, 15), 'P1M'), mustParseDuration('P1M'))).toBe(Date.UTC(2026, 2, 1));
  });

  it('knows the supported periods', () => {
    for (const p of EPOCH_PERIODS) expect(isEpochPeriod(p)).toBe(true);
    for (const p of ['P2D', 'PT2H', 'p1d', 'P1W', 'P1Y', '']) expect(isEpochPeriod(p)).toBe(false);
  });
});

describe('epoch labels', () => {
  it('prints a compact sortable UTC label', () => {
    expect(epochLabel(Date.UTC(2026, 10, 22))).toBe('20261122T000000Z');
    expect(epochLabel(Date.UTC(2026, 10, 22, 15, 4, 5))).toBe('20261122T150405Z');
    expect(epochLabel(0)).toBe('19700101T000000Z');
  });

  it('parses its own labels back, for any whole second between years 1000 and 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1000, 0, 1) / 1000, max: Date.UTC(9999, 11, 31, 23, 59, 59) / 1000 }), (s) => {
        expect(parseEpochLabel(epochLabel(s * 1000))).toBe(s * 1000);
      }),
      FC,
    );
  });

  it('keeps label order equal to time order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2e11 }), fc.integer({ min: 0, max: 2e11 }), (a, b) => {
        const la = epochLabel(a * 1000);
        const lb = epochLabel(b * 1000);
        expect(Math.sign(la < lb ? -1 : la > lb ? 1 : 0)).toBe(Math.sign(a - b));
      }),
      FC,
    );
  });

  it.each([
    '20261322T000000Z', // month 13
    '20260230T000000Z', // 30 February
    '20250229T000000Z', // not a leap year
    '20261122T240000Z',
    '20261122T236000Z',
    '00501122T000000Z', // Date.UTC would read year 50 as 1950
    '20261122T000000z',
    '20261122T000000',
    '2026-11-22T00:00:00Z',
    '20261122T000000.000Z',
    '+0202611220T000000Z',
    '',
  ])('rejects %j', (label) => {
    expect(parseEpochLabel(label)).toBeUndefined();
  });
});
