import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { retentionConfigSchema, retentionWindowFromConfig } from '../../src/retention/config.js';
import {
  isAllowedRetention,
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
