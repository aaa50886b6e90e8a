import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { retentionConfigSchema, retentionWindowFromConfig } from '../../src/retention/config.js';
import {
  DAY_MS,
  dayVerdict,
  isAllowedRetention,
  isExpiredAt,
  MAX_RETENTION,
  RetentionGate,
  retentionCutoff,
  type RetentionWindow,
  WINDOW_EXPIRED,
  WINDOW_FUTURE,
  WINDOW_INSIDE,
} from '../../src/retention/window.js';
import { mustParseDuration, subtractDuration } from '../../src/time/duration.js';

const FC = { seed: 0x6a7e, numRuns: 300 } as const;
const HOUR = 3_600_000;

const SIX_MONTHS: RetentionWindow = { keep: mustParseDuration('P6M'), maxFuture: mustParseDuration('PT1H') };
const NOW = Date.UTC(2026, 7, 31, 12); // 31 Aug 2026 12:00Z: the window starts 28 Feb 2026 12:00Z

function gateAt(nowMs: number, window: RetentionWindow = SIX_MONTHS): { gate: RetentionGate; clock: { t: number } } {
  const clock = { t: nowMs };
  const gate = new RetentionGate(window, () => clock.t);
  gate.refresh();
  return { gate, clock };
}

describe('retentionCutoff', () => {
  it('goes back six calendar months, clamping to the end of February', () => {
    expect(retentionCutoff(NOW, SIX_MONTHS)).toBe(Date.UTC(2026, 1, 28, 12));
    expect(retentionCutoff(Date.UTC(2024, 7, 31), SIX_MONTHS)).toBe(Date.UTC(2024, 1, 29));
    expect(retentionCutoff(Date.UTC(2026, 10, 22), { ...SIX_MONTHS, keep: mustParseDuration('P90D') })).toBe(Date.UTC(2026, 7, 24));
  });
});

describe('the window on the calendar (UTC, calendar months, month ends clamped)', () => {
  // [now, keep, the instant the window starts]
  it.each([
    ['31 Aug 2026 − P6M ends on 28 Feb (no leap day)', Date.UTC(2026, 7, 31), 'P6M', Date.UTC(2026, 1, 28)],
    ['31 Aug 2028 − P6M ends on 29 Feb (leap year)', Date.UTC(2028, 7, 31), 'P6M', Date.UTC(2028, 1, 29)],
    ['31 Aug 2024 − P6M ends on 29 Feb (leap year)', Date.UTC(2024, 7, 31, 23, 59, 59, 999), 'P6M', Date.UTC(2024, 1, 29, 23, 59, 59, 999)],
    ['31 Aug 2100 − P6M ends on 28 Feb (2100 is no leap year)', Date.UTC(2100, 7, 31), 'P6M', Date.UTC(2100, 1, 28)],
    ['30 Aug 2027 − P6M clamps to 28 Feb', Date.UTC(2027, 7, 30, 6), 'P6M', Date.UTC(2027, 1, 28, 6)],
    ['29 Aug 2028 − P6M is 29 Feb itself', Date.UTC(2028, 7, 29), 'P6M', Date.UTC(2028, 1, 29)],
    ['1 Sep 2026 − P6M is 1 Mar', Date.UTC(2026, 8, 1), 'P6M', Date.UTC(2026, 2, 1)],
    ['31 Oct − P6M clamps to 30 Apr', Date.UTC(2026, 9, 31, 18), 'P6M', Date.UTC(2026, 3, 30, 18)],
    ['31 Mar − P6M crosses the year into 30 Sep', Date.UTC(2027, 2, 31), 'P6M', Date.UTC(2026, 8, 30)],
    ['31 Dec − P6M is 30 Jun', Date.UTC(2026, 11, 31, 12), 'P6M', Date.UTC(2026, 5, 30, 12)],
    ['31 Mar − P1M clamps to 28 Feb', Date.UTC(2027, 2, 31), 'P1M', Date.UTC(2027, 1, 28)],
    ['29 Feb 2028 − P90D counts days, not months', Date.UTC(2028, 1, 29), 'P90D', Date.UTC(2027, 11, 1)],
  ])('%s', (_name, now, keep, start) => {
    expect(retentionCutoff(now, { keep: mustParseDuration(keep) })).toBe(start);
  });

  it('keeps what is stamped exactly at the window start and drops what is a millisecond older, at every month end of a leap cycle', () => {
    for (let y = 2027; y <= 2030; y++) {
      for (let m = 0; m < 12; m++) {
        const monthEnd = Date.UTC(y, m + 1, 0, 12); // the last day of month m, noon
        const clock = { t: monthEnd };
        const gate = new RetentionGate(SIX_MONTHS, () => clock.t);
        gate.refresh();
        const cutoff = retentionCutoff(clock.t, SIX_MONTHS);
        expect(gate.verdict(cutoff), `${new Date(monthEnd).toISOString()} exactly at`).toBe(WINDOW_INSIDE);
        expect(gate.verdict(cutoff + 1), 'just inside').toBe(WINDOW_INSIDE);
        expect(gate.verdict(cutoff - 1), 'just outside').toBe(WINDOW_EXPIRED);
        expect(isExpiredAt(cutoff, cutoff)).toBe(false);
        expect(isExpiredAt(cutoff + 1, cutoff)).toBe(false);
        expect(isExpiredAt(cutoff - 1, cutoff)).toBe(true);
      }
    }
  });

  it('counts what has no time as outside the window', () => {
    expect(isExpiredAt(NaN, 0)).toBe(true);
  });

  it('places a UTC day wholly before, across or after the window start', () => {
    const cutoff = retentionCutoff(NOW, SIX_MONTHS); // 28 Feb 2026 12:00Z
    expect(dayVerdict(Date.UTC(2026, 1, 27), cutoff)).toBe('expired');
    expect(dayVerdict(Date.UTC(2026, 1, 28), cutoff)).toBe('straddles');
    expect(dayVerdict(Date.UTC(2026, 2, 1), cutoff)).toBe('inside');
    // A day that ends exactly at the cutoff is wholly outside; one that begins there wholly inside.
    expect(dayVerdict(Date.UTC(2026, 1, 28) - DAY_MS, Date.UTC(2026, 1, 28))).toBe('expired');
    expect(dayVerdict(Date.UTC(2026, 1, 28), Date.UTC(2026, 1, 28))).toBe('inside');
    expect(dayVerdict(Date.UTC(2026, 1, 28), Date.UTC(2026, 1, 28) + 1)).toBe('straddles');
  });

  it('agrees with the gate: a day is expired exactly when its last instant is, and inside exactly when its first is', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }), fc.integer({ min: -400, max: 2 }), (now, days) => {
        const { gate } = gateAt(now);
        const cutoff = retentionCutoff(now, SIX_MONTHS);
        const day = (Math.floor(now / DAY_MS) + days) * DAY_MS;
        const v = dayVerdict(day, cutoff);
        expect(v === 'expired').toBe(gate.verdict(day + DAY_MS - 1) === WINDOW_EXPIRED);
        expect(v === 'inside').toBe(gate.verdict(day) !== WINDOW_EXPIRED);
      }),
      FC,
    );
  });
});

describe('RetentionGate', () => {
  it('keeps an event stamped exactly at the cutoff and expires one stamped a millisecond before', () => {
    const { gate } = gateAt(NOW);
    const cutoff = Date.UTC(2026, 1, 28, 12);
    expect(gate.verdict(cutoff)).toBe(WINDOW_INSIDE);
    expect(gate.verdict(cutoff - 1)).toBe(WINDOW_EXPIRED);
    expect(gate.verdict(cutoff + 1)).toBe(WINDOW_INSIDE);
    expect(gate.verdict(NOW)).toBe(WINDOW_INSIDE);
    expect(gate.verdict(0)).toBe(WINDOW_EXPIRED);
  });

  it('keeps events up to max_future ahead of the clock and drops those beyond', () => {
    const { gate } = gateAt(NOW);
    expect(gate.verdict(NOW + HOUR)).toBe(WINDOW_INSIDE);
    expect(gate.verdict(NOW + HOUR + 1)).toBe(WINDOW_FUTURE);
    const strict = gateAt(NOW, { ...SIX_MONTHS, maxFuture: mustParseDuration('PT0S') }).gate;
    expect(strict.verdict(NOW)).toBe(WINDOW_INSIDE);
    expect(strict.verdict(NOW + 1)).toBe(WINDOW_FUTURE);
  });

  it('agrees with the calendar definition for any clock and event', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }), fc.integer({ min: -200 * 24 * HOUR, max: 2 * HOUR }), (now, delta) => {
        const { gate } = gateAt(now);
        const event = now + delta;
        const cutoff = subtractDuration(now, MAX_RETENTION);
        const want = event < cutoff ? WINDOW_EXPIRED : event > now + HOUR ? WINDOW_FUTURE : WINDOW_INSIDE;
        expect(gate.verdict(event)).toBe(want);
      }),
      FC,
    );
  });

  it('recomputes its bounds only when the clock has moved by a second or more, either way', () => {
    const { gate, clock } = gateAt(NOW);
    const cutoff = Date.UTC(2026, 1, 28, 12);
    clock.t = NOW + 999;
    gate.refresh();
    expect(gate.verdict(cutoff)).toBe(WINDOW_INSIDE); // still the old cutoff
    expect(gate.verdict(NOW + HOUR + 500)).toBe(WINDOW_FUTURE); // still the old latest instant
    clock.t = NOW + 1000;
    gate.refresh();
    expect(gate.verdict(cutoff + 999)).toBe(WINDOW_EXPIRED);
    expect(gate.verdict(cutoff + 1000)).toBe(WINDOW_INSIDE);
    expect(gate.verdict(NOW + HOUR + 1000)).toBe(WINDOW_INSIDE);
    gate.refresh(NOW + 1000 - 999); // back by less than a second: no change
    expect(gate.verdict(cutoff + 999)).toBe(WINDOW_EXPIRED);
    gate.refresh(NOW); // back by a second: recomputed
    expect(gate.verdict(cutoff)).toBe(WINDOW_INSIDE);
  });

  it('keeps nothing before its first refresh (fail closed)', () => {
    const gate = new RetentionGate(SIX_MONTHS, () => NOW);
    expect(gate.verdict(NOW)).not.toBe(WINDOW_INSIDE);
    gate.refresh();
    expect(gate.verdict(NOW)).toBe(WINDOW_INSIDE);
  });

  it('reads the injected clock when refresh() is given no time', () => {
    const clock = { t: NOW };
    const gate = new RetentionGate(SIX_MONTHS, () => clock.t);
    gate.refresh();
    expect(gate.verdict(Date.UTC(2026, 1, 28, 12))).toBe(WINDOW_INSIDE);
    clock.t = Date.UTC(2026, 8, 30, 12); // a month later: the window starts 30 Mar
    gate.refresh();
    expect(gate.verdict(Date.UTC(2026, 2, 30, 12) - 1)).toBe(WINDOW_EXPIRED);
    expect(gate.verdict(Date.UTC(2026, 2, 30, 12))).toBe(WINDOW_INSIDE);
    expect(gate.window).toBe(SIX_MONTHS);
  });
});

describe('isAllowedRetention', () => {
  it.each([
    ['P6M', true],
    ['P90D', true],
    ['P181D', true],
    ['P182D', false],
    ['P26W', false],
    ['P7M', false],
    ['P1Y', false],
    ['P6M1D', false],
    ['PT4320H', true],
  ])('%s: %s', (text, want) => {
    expect(isAllowedRetention(mustParseDuration(text))).toBe(want);
  });
});

describe('retentionConfigSchema', () => {
  it('defaults to six months and an hour of future', () => {
    const c = retentionConfigSchema.parse({});
    expect(c).toEqual({ keep: 'P6M', max_future: 'PT1H' });
    const w = retentionWindowFromConfig(c);
    expect(w.keep.months).toBe(6);
    expect(w.maxFuture.hours).toBe(1);
  });

  it('accepts P90D and lower-case durations', () => {
    expect(retentionWindowFromConfig(retentionConfigSchema.parse({ keep: 'P90D' })).keep.days).toBe(90);
    expect(retentionConfigSchema.safeParse({ keep: 'p3m', max_future: 'pt5m' }).success).toBe(true);
  });

  it.each(['P7M', 'P1Y', 'P182D', 'P6M1D'])('rejects %s with a message naming P6M', (keep) => {
    const r = retentionConfigSchema.safeParse({ keep });
    expect(r.success).toBe(false);
    const issue = r.error!.issues[0]!;
    expect(issue.path).toEqual(['keep']);
    expect(issue.message).toContain('P6M');
  });

  it('rejects text that is not a duration, and unknown keys', () => {
    const r = retentionConfigSchema.safeParse({ keep: 'six months' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toContain('ISO 8601 duration');
    expect(retentionConfigSchema.safeParse({ max_future: '1h' }).success).toBe(false);
  });

  it.each(['P2D', 'P1M', 'P10Y', 'PT25H'])('rejects a max_future of %s: events stamped that far ahead would outlive the window', (maxFuture) => {
    const r = retentionConfigSchema.safeParse({ max_future: maxFuture });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toContain('P1D');
  });

  it.each(['P1D', 'PT24H', 'PT5M'])('accepts a max_future of %s', (maxFuture) => {
    expect(retentionConfigSchema.safeParse({ max_future: maxFuture }).success).toBe(true);
    expect(retentionConfigSchema.safeParse({ keep: 'P6M', days: 10 }).success).toBe(false);
  });
});
