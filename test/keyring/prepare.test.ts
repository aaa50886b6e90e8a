/**
 * The keyring off the hot path: prepare() loads, ahead of a batch and with
 * asynchronous I/O, every salt an accepted event can need; saltFor() then
 * answers from memory alone, never touches the file system and never
 * destroys anything; an open epoch nobody prepared is a bug (GALLRA_INTERNAL).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { HORIZON_SLACK_MS } from '../../src/keyring/index.js';
import { DEFAULT_PSEUDONYM_OPTIONS, Pseudonymiser } from '../../src/transforms/pseudonymise.js';
import { compileForChildren, removeCompiled } from '../helpers/compile.js';
import { bytesOf, DAY, duration, expectGallraError, HOUR, type KeyringFixture, keyringFixture, raceChildren, T0 } from '../helpers/keyring.js';

const MINUTE = 60_000;

let f: KeyringFixture;
let clock: { t: number };

beforeEach(() => {
  f = keyringFixture();
  clock = f.clock;
});

afterEach(() => f.cleanup());

/** Spies on every function of node:fs and node:fs/promises (the objects the keyring calls through); restores them after `fn`. */
async function countFsCalls(fn: () => unknown): Promise<string[]> {
  const spies: [string, MockInstance][] = [];
  for (const [name, target] of [
    ['fs', fs],
    ['fs/promises', fsp],
  ] as const) {
    for (const key of Object.keys(target)) {
      const v = (target as unknown as Record<string, unknown>)[key];
      if (typeof v !== 'function' || /^[A-Z]/.test(key)) continue; // classes (Stats, ReadStream…) are not calls
      spies.push([`${name}.${key}`, vi.spyOn(target as unknown as Record<string, (...a: unknown[]) => unknown>, key)]);
    }
  }
  try {
    await fn();
    return spies.filter(([, spy]) => spy.mock.calls.length > 0).map(([name]) => name);
  } finally {
    for (const [, spy] of spies) spy.mockRestore(); // (which also forgets the calls)
  }
}

describe('saltFor: memory only', () => {
  it('makes no file-system call on the per-line path, for open, closed, late and far-future events, also while epochs close', async () => {
    clock.t = Date.UTC(2026, 10, 23, 0, 30); // yesterday in its grace hour
    const kr = f.keyring();
    await kr.prepare(clock.t);
    // The spies see the keyring's own calls: a prepare that does load is seen.
    expect(await countFsCalls(() => f.keyring().prepare(clock.t))).not.toEqual([]);
    const p = new Pseudonymiser(kr, DEFAULT_PSEUDONYM_OPTIONS);
    const events = [clock.t, Date.UTC(2026, 10, 22, 23, 59), clock.t - 30 * DAY, Date.UTC(10_000, 0, 2), clock.t + 59 * MINUTE];
    const calls = await countFsCalls(() => {
      for (let k = 0; k < 5000; k++) {
        const t = events[k % events.length]!;
        kr.saltFor(t);
        p.pseudonym('user', `u${k % 97}`, t);
      }
      clock.t = Date.UTC(2026, 10, 23, 1, 0, 0, 1); // yesterday closes mid-batch
      for (const t of events) kr.saltFor(t);
    });
    expect(calls).toEqual([]);
  });

  it('keeps answering after the salt directory is removed, and never recreates it', async () => {
    const kr = f.keyring({ future: duration('P1D') });
    clock.t = Date.UTC(2026, 10, 22, 0, 30);
    await kr.prepare(clock.t);
    const today = kr.saltFor(clock.t);
    fs.rmSync(f.dir, { recursive: true, force: true });
    expect(kr.saltFor(clock.t + HOUR)).toBe(today);
    expect(kr.saltFor(Date.UTC(2026, 10, 21, 23)).ephemeral).toBe(false); // yesterday, prepared while its grace lasts
    expect(kr.saltFor(Date.UTC(2026, 10, 23, 0, 10)).ephemeral).toBe(false); // tomorrow, within the future allowance
    expect(kr.saltFor(T0 - 10 * DAY).ephemeral).toBe(true);
    clock.t = Date.UTC(2026, 10, 22, 1); // yesterday closes
    expect(kr.saltFor(Date.UTC(2026, 10, 21, 23)).ephemeral).toBe(true);
    expect(fs.existsSync(f.dir)).toBe(false);
  });

  it('never destroys: an epoch closed meanwhile gets the ephemeral salt while its file and in-memory salt wait, untouched, for housekeeping', async () => {
    const kr = f.keyring();
    await kr.prepare(clock.t);
    const live = kr.saltFor(T0);
    const kept = bytesOf(live.salt);
    const path = join(f.dir, 'P1D-20261122T000000Z.salt');
    clock.t = Date.UTC(2026, 10, 23, 1); // closed
    const e = kr.saltFor(T0);
    expect(e.ephemeral).toBe(true);
    expect(bytesOf(e.salt)).not.toEqual(kept);
    expect(live.wiped).toBe(false);
    expect(bytesOf(live.salt)).toEqual(kept);
    expect(bytesOf(fs.readFileSync(path))).toEqual(kept);
    // Only housekeeping destroys.
    await kr.destroyClosed();
    expect(live.wiped).toBe(true);
    expect(fs.existsSync(path)).toBe(false);
    expect(kr.saltFor(T0)).toBe(e);
  });
});

describe('prepare', () => {
  it('makes the previous epoch available while its grace lasts, and the current one', async () => {
    clock.t = Date.UTC(2026, 10, 23, 0, 30);
    const kr = f.keyring();
    await kr.prepare(clock.t);
    expect(f.saltFiles()).toEqual(['P1D-20261122T000000Z.salt', 'P1D-20261123T000000Z.salt']);
    expect(kr.saltFor(Date.UTC(2026, 10, 22, 23, 59)).ephemeral).toBe(false);
    expect(kr.saltFor(clock.t).ephemeral).toBe(false);
  });

  it('makes the next epoch available once an event may be stamped in it (now + future), and not before', async () => {
    const kr = f.keyring(); // future PT1H
    clock.t = Date.UTC(2026, 10, 22, 22, 0);
    await kr.prepare(clock.t);
    expect(f.saltFiles()).toEqual(['P1D-20261122T000000Z.salt']);
    await expectGallraError(() => kr.saltFor(Date.UTC(2026, 10, 23)), 'GALLRA_INTERNAL');
    // An hour before midnight (plus the slack for the gate's clock) tomorrow's events become acceptable.
    clock.t = Date.UTC(2026, 10, 23) - HOUR - HORIZON_SLACK_MS;
    await kr.prepare(clock.t);
    expect(f.saltFiles()).toEqual(['P1D-20261122T000000Z.salt', 'P1D-20261123T000000Z.salt']);
    expect(kr.saltFor(Date.UTC(2026, 10, 23, 0, 0, 30)).ephemeral).toBe(false);
  });

  it('loads the previous, current and next epochs of short periods (PT1H) in one call', async () => {
    clock.t = Date.UTC(2026, 10, 22, 12, 30);
    const kr = f.keyring({ period: 'PT1H' });
    await kr.prepare(clock.t);
    expect(f.saltFiles()).toEqual(['PT1H-20261122T110000Z.salt', 'PT1H-20261122T120000Z.salt', 'PT1H-20261122T130000Z.salt']);
    for (const h of [11, 12, 13]) expect(kr.saltFor(Date.UTC(2026, 10, 22, h, 5)).ephemeral).toBe(false);
    expect(kr.saltFor(Date.UTC(2026, 10, 22, 10, 5)).ephemeral).toBe(true); // closed at 12:00
  });

  it('is cheap when nothing changed: the same already-resolved promise and no file-system call', async () => {
    const kr = f.keyring();
    await kr.prepare(clock.t);
    const a = kr.prepare(clock.t + MINUTE);
    expect(kr.prepare(clock.t + 2 * MINUTE)).toBe(a);
    expect(await countFsCalls(() => kr.prepare(clock.t + 3 * MINUTE))).toEqual([]);
  });

  it('queues concurrent calls: one load, one salt per epoch, every caller ready when its promise resolves', async () => {
    const kr = f.keyring();
    await Promise.all([kr.prepare(clock.t), kr.prepare(clock.t), kr.prepare(clock.t + 1)]);
    expect(f.saltFiles()).toEqual(['P1D-20261122T000000Z.salt']);
    expect(kr.saltFor(T0).ephemeral).toBe(false);
  });

  it('does not reopen or recreate an epoch it saw closed when the clock steps back', async () => {
    const kr = f.keyring();
    clock.t = Date.UTC(2026, 10, 23, 2);
    await kr.prepare(clock.t);
    const late = kr.saltFor(Date.UTC(2026, 10, 22, 20));
    expect(late.ephemeral).toBe(true);
    clock.t = Date.UTC(2026, 10, 23, 0, 30); // an NTP step back, inside yesterday's former grace hour
    await kr.prepare(clock.t);
    expect(f.saltFiles()).toEqual(['P1D-20261123T000000Z.salt']);
    expect(kr.saltFor(Date.UTC(2026, 10, 22, 20))).toBe(late);
  });
});

describe('an open epoch that was not prepared', () => {
  it('is GALLRA_INTERNAL, a bug to report (exit 1), with no salt bytes or event time in the message', async () => {
    const kr = f.keyring();
    const err = await expectGallraError(() => kr.saltFor(T0), 'GALLRA_INTERNAL');
    expect(err.message).toContain('P1D-20261122T000000Z');
    expect(err.message).toContain('please report it');
    expect(err.message).not.toContain(String(T0));
    expect(ERROR_CODES.GALLRA_INTERNAL.exitCode).toBe(1);
    expect(f.saltFiles()).toEqual([]); // and the lookup created nothing
  });

  it('is GALLRA_INTERNAL beyond what prepare covered (an event the retention gate would have dropped as future)', async () => {
    const kr = f.keyring();
    await kr.prepare(clock.t);
    await expectGallraError(() => kr.saltFor(T0 + 2 * DAY), 'GALLRA_INTERNAL');
  });
});

describe('two processes preparing at once on an empty directory', () => {
  let distDir: string;

  beforeAll(() => {
    distDir = compileForChildren(['keyring/index.ts']);
  }, 60_000);

  afterAll(() => removeCompiled(distDir));

  it('agree on the previous, current and next epoch salts, leaving one file each and no temp files', async () => {
    const now = Date.UTC(2026, 10, 22, 12, 30);
    const events = [Date.UTC(2026, 10, 22, 11, 59), now, Date.UTC(2026, 10, 22, 13, 1)];
    const outputs = await raceChildren(distDir, 2, { dir: f.dir, period: 'PT1H', now, events });
    const prints = outputs.map((o) => [...o.matchAll(/fingerprint ([0-9a-f]{64})/g)].map((m) => m[1]));
    expect(prints[0]).toHaveLength(3);
    expect(prints[1]).toEqual(prints[0]);
    expect(new Set(prints[0]).size).toBe(3);
    const names = ['PT1H-20261122T110000Z.salt', 'PT1H-20261122T120000Z.salt', 'PT1H-20261122T130000Z.salt'];
    expect(fs.readdirSync(f.dir).sort()).toEqual(names);
    names.forEach((n, i) => expect(createHash('sha256').update(fs.readFileSync(join(f.dir, n))).digest('hex')).toBe(prints[0]![i]));
  }, 60_000);
});
