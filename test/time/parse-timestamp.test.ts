import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createClfTimeParser, epochToMs, isTimestampAt, parseAnyTimestamp, parseClfTime, parseIsoTime } from '../../src/time/parse-timestamp.js';

const FC = { seed: 0x71e5, numRuns: 500 } as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `ms` as CLF local time in a zone `offsetMin` minutes east of UTC. */
function clf(ms: number, offsetMin: number): string {
  const t = new Date(ms + offsetMin * 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const off = Math.abs(offsetMin);
  return `${pad(t.getUTCDate())}/${MONTHS[t.getUTCMonth()]}/${t.getUTCFullYear()}:${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} ${sign}${pad(Math.floor(off / 60))}${pad(off % 60)}`;
}

const instants = fc.integer({ min: Date.UTC(1971, 0, 1) / 1000, max: Date.UTC(2100, 0, 1) / 1000 }).map((s) => s * 1000);
const offsets = fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 });

describe('parseClfTime', () => {
  it.each([
    ['10/Oct/2000:13:55:36 -0700', Date.UTC(2000, 9, 10, 20, 55, 36)],
    ['22/Nov/2026:10:11:12 +0000', Date.UTC(2026, 10, 22, 10, 11, 12)],
    ['22/Nov/2026:10:11:12 +0530', Date.UTC(2026, 10, 22, 4, 41, 12)],
    ['01/Jan/2027:00:30:00 +0100', Date.UTC(2026, 11, 31, 23, 30, 0)],
    ['31/Dec/2026:23:30:00 -0100', Date.UTC(2027, 0, 1, 0, 30, 0)],
    ['29/Feb/2024:12:00:00 +0000', Date.UTC(2024, 1, 29, 12)],
    ['31/Dec/2016:23:59:60 +0000', Date.UTC(2017, 0, 1)], // a leap second reads as the next second
  ])('parses %s', (text, want) => {
    expect(parseClfTime(text)).toBe(want);
  });

  it.each([
    ['31 February', '31/Feb/2026:10:11:12 +0000'],
    ['29 February in a common year', '29/Feb/2025:10:11:12 +0000'],
    ['31 April', '31/Apr/2026:10:11:12 +0000'],
    ['day 0', '00/Nov/2026:10:11:12 +0000'],
    ['day 32', '32/Nov/2026:10:11:12 +0000'],
    ['lower-case month', '22/nov/2026:10:11:12 +0000'],
    ['unknown month', '22/Foo/2026:10:11:12 +0000'],
    ['hour 24', '22/Nov/2026:24:00:00 +0000'],
    ['minute 60', '22/Nov/2026:10:60:00 +0000'],
    ['zone hour 24', '22/Nov/2026:10:11:12 +2400'],
    ['zone minute 60', '22/Nov/2026:10:11:12 +0060'],
    ['no zone sign', '22/Nov/2026:10:11:12 00000'],
    ['before 1970', '31/Dec/1969:23:59:59 +0000'],
    ['dots instead of colons', '22/Nov/2026:10.11.12 +0000'],
    ['dashes instead of slashes', '22-Nov-2026:10:11:12 +0000'],
    ['too short', '22/Nov/2026:10:11:12 +000'],
    ['too long', '22/Nov/2026:10:11:12 +00000'],
    ['with brackets', '[22/Nov/2026:10:11:12 +0000]'],
    ['digits replaced', '2x/Nov/2026:10:11:12 +0000'],
    ['empty', ''],
  ])('rejects %s', (_case, text) => {
    expect(parseClfTime(text)).toBeNaN();
  });

  it('parses every instant in every zone back to itself', () => {
    fc.assert(
      fc.property(instants, offsets, (ms, off) => {
        expect(parseClfTime(clf(ms, off))).toBe(ms);
      }),
      FC,
    );
  });
});

describe('createClfTimeParser', () => {
  it('reads a range of a line in place, with the same results as parseClfTime', () => {
    const parse = createClfTimeParser();
    const line = '81.6.12.0 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 2326';
    const s = line.indexOf('[') + 1;
    expect(parse(line, s, s + 26)).toBe(Date.UTC(2000, 9, 10, 20, 55, 36));
    expect(parse(line, s, s + 25)).toBeNaN();
    expect(parse(line, s - 1, s + 25)).toBeNaN();
  });

  it('agrees with parseClfTime over consecutive lines that change second, day and zone', () => {
    const line = fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 3 }), fc.nat(20)).map(([step, zone, at]) => ({ step, zone, at }));
    fc.assert(
      fc.property(instants, fc.array(line, { minLength: 1, maxLength: 60 }), (start, lines) => {
        const parse = createClfTimeParser();
        let t = start;
        const zones = [0, 60, -420, 330];
        for (const { step, zone, at } of lines) {
          // Mostly small steps (same day), sometimes across midnight.
          t += step < 390 ? step * 1000 : (step - 389) * 7 * 3_600_000;
          const text = clf(t, zones[zone]!);
          const src = `${'x'.repeat(at)}[${text}] "GET /"`;
          expect(parse(src, at + 1, at + 27), text).toBe(parseClfTime(text));
          expect(parse(src, at + 1, at + 27)).toBe(t);
        }
      }),
      { ...FC, numRuns: 200 },
    );
  });

  it('keeps its memory right across invalid lines', () => {
    const parse = createClfTimeParser();
    const a = '22/Nov/2026:10:11:12 +0000';
    expect(parse(a, 0, 26)).toBe(Date.UTC(2026, 10, 22, 10, 11, 12));
    expect(parse('22/Nov/2026:25:11:12 +0000', 0, 26)).toBeNaN(); // same date, bad time
    expect(parse('31/Feb/2026:10:11:12 +0000', 0, 26)).toBeNaN(); // bad date
    expect(parse('22/Nov/2026:10:11:12 +0000'.replace(':10:', '.10:'), 0, 26)).toBeNaN();
    expect(parse('22/Nov/2026:23:59:59 +0000', 0, 26)).toBe(Date.UTC(2026, 10, 22, 23, 59, 59));
    expect(parse('22/Nov/2026:23:59:59 +0100', 0, 26)).toBe(Date.UTC(2026, 10, 22, 22, 59, 59)); // same date, another zone
    expect(parse('23/Nov/2026:00:00:00 +0100', 0, 26)).toBe(Date.UTC(2026, 10, 22, 23, 0, 0));
    // Two parsers do not share memory.
    const other = createClfTimeParser();
    expect(other('23/Nov/2026:00:00:01 +0100', 0, 26)).toBe(Date.UTC(2026, 10, 22, 23, 0, 1));
  });
});

describe('parseIsoTime', () => {
  it.each([
    ['2026-11-22T10:11:12Z', Date.UTC(2026, 10, 22, 10, 11, 12)],
    ['2026-11-22t10:11:12z', Date.UTC(2026, 10, 22, 10, 11, 12)],
    ['2026-11-22T10:11:12+01:00', Date.UTC(2026, 10, 22, 9, 11, 12)],
    ['2026-11-22T10:11:12+0100', Date.UTC(2026, 10, 22, 9, 11, 12)],
    ['2026-11-22T10:11:12+01', Date.UTC(2026, 10, 22, 9, 11, 12)],
    ['2026-11-22T10:11:12-07:00', Date.UTC(2026, 10, 22, 17, 11, 12)],
    ['2026-11-22T10:11:12+05:30', Date.UTC(2026, 10, 22, 4, 41, 12)],
    ['2026-11-22T10:11:12.123Z', Date.UTC(2026, 10, 22, 10, 11, 12, 123)],
    ['2026-11-22T10:11:12.1Z', Date.UTC(2026, 10, 22, 10, 11, 12, 100)],
    ['2026-11-22T10:11:12.123456789Z', Date.UTC(2026, 10, 22, 10, 11, 12, 123)],
    ['2026-11-22T10:11:12,5+00:00', Date.UTC(2026, 10, 22, 10, 11, 12, 500)],
    ['2026-11-22 10:11:12', Date.UTC(2026, 10, 22, 10, 11, 12)],
    ['2026-11-22T10:11', Date.UTC(2026, 10, 22, 10, 11)],
    ['2026-11-22T10:11:12', Date.UTC(2026, 10, 22, 10, 11, 12)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
  ])('parses %s', (text, want) => {
    expect(parseIsoTime(text)).toBe(want);
  });

  it.each([
    '2026-02-30T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-11-22T24:00:00Z',
    '2026-11-22T10:11:12+24:00',
    '2026-11-22T10:11:12+01:60',
    '2026-11-22',
    '2026-11-22T10:11:12 Z',
    '2026-11-22T10:11:12.Z',
    '1969-12-31T23:59:59Z',
    '22/Nov/2026:10:11:12 +0000',
    '',
  ])('rejects %j', (text) => {
    expect(parseIsoTime(text)).toBeNaN();
  });

  it('keeps every millisecond of a three-digit fraction', () => {
    for (let f = 0; f < 1000; f++) {
      expect(parseIsoTime(`2026-11-22T10:11:12.${pad(f, 3)}Z`)).toBe(Date.UTC(2026, 10, 22, 10, 11, 12, f));
    }
  });

  describe('without an offset', () => {
    const saved = process.env.TZ;
    afterEach(() => {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    });

    it.each(['America/Los_Angeles', 'Asia/Kolkata', 'Europe/Stockholm', 'UTC'])('reads UTC whatever the process time zone (TZ=%s)', (tz) => {
      process.env.TZ = tz;
      // The zone change took effect for local-time functions (so the check below means something).
      const localOffset = new Date(Date.UTC(2026, 6, 1)).getTimezoneOffset();
      expect(localOffset).toBe({ 'America/Los_Angeles': 420, 'Asia/Kolkata': -330, 'Europe/Stockholm': -120, UTC: 0 }[tz]);
      expect(parseIsoTime('2026-07-01T10:11:12')).toBe(Date.UTC(2026, 6, 1, 10, 11, 12));
      expect(parseIsoTime('2026-07-01 10:11:12.5')).toBe(Date.UTC(2026, 6, 1, 10, 11, 12, 500));
      expect(parseAnyTimestamp('2026-07-01T10:11')).toBe(Date.UTC(2026, 6, 1, 10, 11));
      expect(parseClfTime('01/Jul/2026:10:11:12 +0000')).toBe(Date.UTC(2026, 6, 1, 10, 11, 12));
    });
  });
});

describe('epochToMs', () => {
  const t = 1763806272; // 2025-11-22T10:11:12Z

  it.each([
    ['seconds', t, t * 1000],
    ['seconds with a fraction', 1763806272.123, 1763806272123],
    ['milliseconds', t * 1000 + 456, t * 1000 + 456],
    ['microseconds', t * 1e6 + 456789, t * 1000 + 456],
    ['nanoseconds', 1763806272123456789, t * 1000 + 123],
    ['the first second taken as seconds', 1e9, 1e12],
    ['the last second taken as seconds', 1e10 - 1, (1e10 - 1) * 1000],
    ['the first millisecond taken as ms', 1e12, 1e12],
  ])('reads %s', (_case, n, want) => {
    expect(epochToMs(n)).toBe(want);
  });

  it.each([0, -1, -t, 999_999_999, 5e10, 5e13, 5e16, 1e19, 1e20, NaN, Infinity, -Infinity])('rejects %d', (n) => {
    expect(epochToMs(n)).toBeNaN();
  });

  it('reads the same instant in every unit', () => {
    fc.assert(
      // Up to 2255: later microsecond counts pass 2^53 and are no longer exact doubles.
      fc.property(fc.integer({ min: 1e9, max: 9e9 }), fc.nat(999), (s, ms) => {
        const want = s * 1000 + ms;
        expect(epochToMs(want)).toBe(want);
        expect(epochToMs(want * 1000 + 999)).toBe(want);
        expect(epochToMs(s)).toBe(s * 1000);
      }),
      FC,
    );
  });
});

describe('parseAnyTimestamp', () => {
  const want = Date.UTC(2026, 10, 22, 10, 11, 12);

  it.each([
    ['ISO text', '2026-11-22T10:11:12Z', want],
    ['ISO text with spaces around', '  2026-11-22T10:11:12+00:00\n', want],
    ['bracketed CLF', '[22/Nov/2026:10:11:12 +0000]', want],
    ['CLF', '22/Nov/2026:11:11:12 +0100', want],
    ['epoch seconds as text', String(want / 1000), want],
    ['epoch seconds with a fraction as text', `${want / 1000}.250`, want + 250],
    ['epoch milliseconds as text', String(want), want],
    ['epoch nanoseconds as text', `${want}000000`, want],
    ['epoch seconds', want / 1000, want],
    ['epoch milliseconds', want, want],
  ])('parses %s', (_case, value, ms) => {
    expect(parseAnyTimestamp(value)).toBe(ms);
  });

  it.each([
    ['an empty string', ''],
    ['spaces', '   '],
    ['garbage', 'yesterday'],
    ['a short number', '12345'],
    ['a negative number', -1],
    ['null', null],
    ['undefined', undefined],
    ['a boolean', true],
    ['an object', { t: 1 }],
    ['a Date', new Date(want)],
    ['an invalid CLF date', '[31/Feb/2026:10:11:12 +0000]'],
    ['unbalanced brackets', '[22/Nov/2026:10:11:12 +0000'],
  ])('rejects %s', (_case, value) => {
    expect(parseAnyTimestamp(value)).toBeNaN();
  });
});

describe('isTimestampAt', () => {
  const pieces = fc.constantFrom('2026', '2024', '1969', '-', '-02', '-11', '-29', '-30', '-31', 'T', 't', ' ', '10', '23', '24', ':', ':59', ':60', ':61', '.', '.5', '.123456789', '0', 'Z', 'z', '+01:00', '[', '/');
  it('agrees with parseAnyTimestamp on ISO-like texts, inside a longer string', () => {
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 14 }), (parts) => {
        const v = parts.join('');
        expect(isTimestampAt(`x ${v} y`, 2, 2 + v.length)).toBe(Number.isFinite(parseAnyTimestamp(v)));
      }),
      { ...FC, numRuns: 3000 },
    );
  });

  it.each(['2026-11-22T10:11:12Z', '2026-11-22T10:11:12.123456789Z', '2024-02-29T23:59:60Z', '2026-11-22 10:11:12', '1763806272'])('reads %s', (v) => {
    expect(isTimestampAt(v, 0, v.length)).toBe(true);
  });

  it.each(['2026-02-29T10:11:12Z', '2026-11-22T24:11:12Z', '2026-11-22T10:11:12.Z', '2026-11-22T10:11:12.1234567890Z', '1969-12-31T23:59:59Z'])('rejects %s', (v) => {
    expect(isTimestampAt(v, 0, v.length)).toBe(false);
  });
});
