/**
 * The in-memory half every keyring backend shares: which epochs a batch
 * needs, what the lookup hands out, and when salts are retired and wiped.
 * No disk here: bytes are made up by the test.
 */
import { describe, expect, it } from 'vitest';
import { isGallraError } from '../../src/errors.js';
import { HORIZON_SLACK_MS, SaltTable } from '../../src/keyring/salt-table.js';
import { epochOf } from '../../src/time/epoch.js';
import { duration, HOUR, isAllZero } from '../helpers/keyring.js';

const NOW = Date.UTC(2026, 10, 22, 12, 30);
const iso = (ms: number): string => new Date(ms).toISOString();

function table(period: 'PT1H' | 'P1D' = 'PT1H'): SaltTable {
  return new SaltTable({ period, grace: duration('PT1H'), future: duration('PT1H') });
}

function bytes(n: number): Uint8Array {
  return new Uint8Array(32).fill(n);
}

describe('SaltTable', () => {
  it('lists as missing exactly the open epochs from now − grace to now + future (+ slack), oldest first, and none once installed', () => {
    const t = table();
    expect(t.missing(NOW).map((e) => iso(e.start))).toEqual(['2026-11-22T11:00:00.000Z', '2026-11-22T12:00:00.000Z', '2026-11-22T13:00:00.000Z']);
    // Just before the next hour comes within reach it is not listed; at that instant it is.
    expect(t.missing(Date.UTC(2026, 10, 22, 13) - HOUR - HORIZON_SLACK_MS - 1).map((e) => iso(e.start))).not.toContain('2026-11-22T13:00:00.000Z');
    for (const [i, e] of t.missing(NOW).entries()) expect(t.install(e, bytes(i + 1))).toBe(true);
    expect(t.missing(NOW)).toEqual([]);
  });

  it('is prepared after markPrepared until the horizon reaches an epoch it has not loaded', () => {
    const t = table();
    expect(t.isPrepared(NOW)).toBe(false);
    for (const e of t.missing(NOW)) t.install(e, bytes(1));
    t.markPrepared(NOW);
    expect(t.isPrepared(NOW)).toBe(true);
    expect(t.isPrepared(Date.UTC(2026, 10, 22, 12, 58) - HORIZON_SLACK_MS)).toBe(true);
    expect(t.isPrepared(Date.UTC(2026, 10, 22, 13) - HORIZON_SLACK_MS)).toBe(false); // 14:00 comes within reach
  });

  it('hands out installed salts, ephemeral ones for closed epochs, and throws GALLRA_INTERNAL for an open epoch it does not hold', () => {
    const t = table();
    const [e] = t.missing(NOW).slice(1);
    t.install(e!, bytes(3));
    const s = t.lookup(NOW, NOW);
    expect(s.ephemeral).toBe(false);
    expect(Array.from(s.salt)).toEqual(Array.from(bytes(3)));
    expect(t.lookup(NOW - 5 * HOUR, NOW).ephemeral).toBe(true);
    let err: unknown;
    try {
      t.lookup(NOW + HOUR, NOW);
    } catch (e) {
      err = e;
    }
    expect(isGallraError(err) && err.code === 'GALLRA_INTERNAL').toBe(true);
  });

  it('refuses to install a closed epoch or a second salt for one epoch, zero-filling the bytes it refuses', () => {
    const t = table();
    const open = epochOf(NOW, 'PT1H');
    expect(t.install(open, bytes(1))).toBe(true);
    const dup = bytes(2);
    expect(t.install(open, dup)).toBe(false);
    expect(isAllZero(dup)).toBe(true);
    t.observe(NOW);
    const closed = bytes(3);
    expect(t.install(epochOf(NOW - 3 * HOUR, 'PT1H'), closed)).toBe(false);
    expect(isAllZero(closed)).toBe(true);
  });

  it('retires a salt when the clock passes its close (never handed out again, even after a step back) and wipes it only in wipeClosed', () => {
    const t = table();
    const e = epochOf(NOW, 'PT1H');
    t.install(e, bytes(4));
    const live = t.lookup(NOW, NOW);
    const closeAt = Date.UTC(2026, 10, 22, 14);
    expect(t.lookup(NOW, closeAt)).not.toBe(live);
    expect(t.lookup(NOW, NOW).ephemeral).toBe(true); // the clock stepped back: still closed
    expect(live.wiped).toBe(false);
    t.wipeClosed(closeAt);
    expect(live.wiped).toBe(true);
    // Asked again for the earlier time, the table does not bring back the closed hour.
    expect(t.missing(NOW).map((x) => iso(x.start))).toEqual(['2026-11-22T13:00:00.000Z']);
  });

  it('wipeAll wipes everything and asks for a new prepare', () => {
    const t = table();
    for (const e of t.missing(NOW)) t.install(e, bytes(5));
    t.markPrepared(NOW);
    const s = t.lookup(NOW, NOW);
    const eph = t.lookup(NOW - 10 * HOUR, NOW);
    t.wipeAll();
    expect(s.wiped && eph.wiped).toBe(true);
    expect(t.isPrepared(NOW)).toBe(false);
    expect(t.missing(NOW)).toHaveLength(3);
  });
});
