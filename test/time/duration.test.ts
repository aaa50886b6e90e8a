import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDuration, type Duration, fitsWithin, mustParseDuration, parseDuration, subtractDuration } from '../../src/time/duration.js';

const FC = { seed: 0xd07a, numRuns: 300 } as const;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function d(text: string): Duration {
  return mustParseDuration(text);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

describe('parseDuration', () => {
  it.each([
    ['P6M', { years: 0, months: 6, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0, text: 'P6M' }],
    ['PT1H', { years: 0, months: 0, weeks: 0, days: 0, hours: 1, minutes: 0, seconds: 0, text: 'PT1H' }],
    ['P1Y2M3W4DT5H6M7.5S', { years: 1, months: 2, weeks: 3, days: 4, hours: 5, minutes: 6, seconds: 7.5, text: 'P1Y2M3W4DT5H6M7.5S' }],
    ['p90d', { years: 0, months: 0, weeks: 0, days: 90, hours: 0, minutes: 0, seconds: 0, text: 'P90D' }],
    [' P1D ', { years: 0, months: 0, weeks: 0, days: 1, hours: 0, minutes: 0, seconds: 0, text: 'P1D' }],
    ['PT30M', { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 30, seconds: 0, text: 'PT30M' }],
    ['P0D', { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0, text: 'P0D' }],
    ['PT4320H', { years: 0, months: 0, weeks: 0, days: 0, hours: 4320, minutes: 0, seconds: 0, text: 'PT4320H' }],
    ['P2W', { years: 0, months: 0, weeks: 2, days: 0, hours: 0, minutes: 0, seconds: 0, text: 'P2W' }],
  ])('accepts %j', (text, want) => {
    expect(parseDuration(text)).toEqual(want);
  });

  it.each(['', 'P', 'PT', 'P1DT', '6M', 'P-1D', 'P1.5D', 'P1H', 'PT1D', 'P1M1Y', 'P1DT1H1', 'P 1D', 'PT1,5S', 'P1Y1Y', 'xP1D', 'P1D ago', 'PT1.S', '1 day'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('mustParseDuration throws on a bad constant', () => {
    expect(mustParseDuration('P6M').months).toBe(6);
    expect(() => mustParseDuration('six months')).toThrow(/bad duration constant six months/);
  });
});

describe('calendar arithmetic in UTC', () => {
  it.each([
    ['2026-08-31T00:00:00.000Z', 'P6M', '2026-02-28T00:00:00.000Z'],
    ['2024-08-31T00:00:00.000Z', 'P6M', '2024-02-29T00:00:00.000Z'],
    ['2026-03-31T10:11:12.345Z', 'P1M', '2026-02-28T10:11:12.345Z'],
    ['2024-03-31T23:59:59.999Z', 'P1M', '2024-02-29T23:59:59.999Z'],
    ['2026-01-15T00:00:00.000Z', 'P1M', '2025-12-15T00:00:00.000Z'],
    ['2026-05-31T00:00:00.000Z', 'P1Y3M', '2025-02-28T00:00:00.000Z'],
    ['2024-02-29T12:00:00.000Z', 'P1Y', '2023-02-28T12:00:00.000Z'],
    ['2026-03-01T00:30:00.000Z', 'PT1H', '2026-02-28T23:30:00.000Z'],
    ['2026-03-31T00:00:00.000Z', 'P1M1D', '2026-02-27T00:00:00.000Z'],
    ['2026-11-22T00:00:00.000Z', 'P1W', '2026-11-15T00:00:00.000Z'],
    ['2026-11-22T00:00:00.000Z', 'PT0.5S', '2026-11-21T23:59:59.500Z'],
  ])('%s − %s = %s', (from, dur, want) => {
    expect(iso(subtractDuration(Date.parse(from), d(dur)))).toBe(want);
  });

  it.each([
    ['2026-01-31T00:00:00.000Z', 'P1M', '2026-02-28T00:00:00.000Z'],
    ['2024-01-31T00:00:00.000Z', 'P1M', '2024-02-29T00:00:00.000Z'],
    ['2024-02-29T00:00:00.000Z', 'P1Y', '2025-02-28T00:00:00.000Z'],
    ['2026-08-31T00:00:00.000Z', 'P6M', '2027-02-28T00:00:00.000Z'],
    ['2026-12-15T06:00:00.000Z', 'P1M', '2027-01-15T06:00:00.000Z'],
    ['2026-01-31T00:00:00.000Z', 'P1M1D', '2026-03-01T00:00:00.000Z'],
    ['2026-11-22T23:00:00.000Z', 'PT2H', '2026-11-23T01:00:00.000Z'],
    ['2026-11-22T00:00:00.000Z', 'P13M', '2027-12-22T00:00:00.000Z'],
  ])('%s + %s = %s', (from, dur, want) => {
    expect(iso(addDuration(Date.parse(from), d(dur)))).toBe(want);
  });

  it('adds and subtracts fixed durations exactly, on any instant', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2090, 0, 1) }),
        fc.nat(400),
        fc.nat(48),
        fc.nat(59),
        (t, days, hours, minutes) => {
          const dur = d(`P${days}DT${hours}H${minutes}M`);
          const ms = ((days * 24 + hours) * 60 + minutes) * 60_000;
          expect(addDuration(t, dur)).toBe(t + ms);
          expect(subtractDuration(t, dur)).toBe(t - ms);
        },
      ),
      FC,
    );
  });

  it('moves whole months, keeping the time of day and clamping the day to the month', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2090, 0, 1) }), fc.integer({ min: 0, max: 40 }), (t, months) => {
        const from = new Date(t);
        const back = new Date(subtractDuration(t, d(`P${months}M`)));
        const monthIndex = from.getUTCFullYear() * 12 + from.getUTCMonth() - months;
        expect(back.getUTCFullYear() * 12 + back.getUTCMonth()).toBe(monthIndex);
        const lastDay = new Date(Date.UTC(Math.floor(monthIndex / 12), (monthIndex % 12) + 1, 0)).getUTCDate();
        expect(back.getUTCDate()).toBe(Math.min(from.getUTCDate(), lastDay));
        expect(back.getTime() % DAY).toBe(t % DAY);
      }),
      FC,
    );
  });
});

describe('fitsWithin', () => {
  it.each([
    ['P181D', 'P6M', true],
    ['P182D', 'P6M', false], // 1 Feb – 1 Aug 2025 is 181 days
    ['P6M', 'P6M', true],
    ['P7M', 'P6M', false],
    ['PT4320H', 'P6M', true], // 180 days
    ['PT4344H', 'P6M', true], // 181 days
    ['PT4345H', 'P6M', false], // 181 days and an hour
    ['P25W', 'P6M', true],
    ['P26W', 'P6M', false], // 182 days
    ['P5M', 'P6M', true],
    ['P5M30D', 'P6M', false], // February is shorter than 30 days
    ['P1Y', 'P6M', false],
    ['P0D', 'P6M', true],
    ['P28D', 'P1M', true],
    ['P29D', 'P1M', false],
    ['P1M', 'P28D', false], // most months are longer
    ['P12M', 'P1Y', true],
    ['P1Y', 'P12M', true],
  ])('%s fits within %s: %s', (dur, limit, want) => {
    expect(fitsWithin(d(dur), d(limit))).toBe(want);
  });
});
