import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HOUSEKEEPING_MS, startHousekeeping } from '../../src/keyring/housekeeping.js';
import type { Keyring } from '../../src/keyring/keyring.js';
import { DEFAULT_PSEUDONYM_OPTIONS, Pseudonymiser } from '../../src/transforms/pseudonymise.js';
import { bytesOf, isAllZero, keyringFixture } from '../helpers/keyring.js';

afterEach(() => vi.useRealTimers());

describe('startHousekeeping', () => {
  it('destroys closed salts, forgets what pseudonymisers derived from them and runs the extra work, now and once a minute', async () => {
    vi.useFakeTimers();
    const calls: string[] = [];
    const keyring = { destroyClosed: async () => calls.push('destroy') } as unknown as Keyring;
    const p = { dropWiped: () => calls.push('drop') } as unknown as Pseudonymiser;
    const hk = startHousekeeping(keyring, () => [p, p], () => calls.push('error'), () => calls.push('retention'));
    await hk.runNow();
    expect(calls).toEqual(['destroy', 'drop', 'drop', 'retention']);
    await vi.advanceTimersByTimeAsync(HOUSEKEEPING_MS);
    expect(calls).toHaveLength(8);
    await hk.stop();
    await vi.advanceTimersByTimeAsync(10 * HOUSEKEEPING_MS);
    expect(calls).toHaveLength(8);
  });

  it('reports a failure and keeps its schedule', async () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    let n = 0;
    const keyring = {
      destroyClosed: async () => {
        if (n++ === 0) throw new Error('EACCES');
      },
    } as unknown as Keyring;
    const hk = startHousekeeping(keyring, () => [], (err) => errors.push(err));
    await hk.runNow();
    await vi.advanceTimersByTimeAsync(HOUSEKEEPING_MS);
    expect(errors).toHaveLength(1);
    expect(n).toBe(2);
    await hk.stop();
  });

  it('never runs twice at once: ticks during a slow run are skipped, runNow() queues behind it, and stop() waits for it', async () => {
    vi.useFakeTimers();
    let running = 0;
    let most = 0;
    let runs = 0;
    const keyring = {
      destroyClosed: async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 3 * HOUSEKEEPING_MS)); // slow storage: three intervals
        running--;
        runs++;
      },
    } as unknown as Keyring;
    const hk = startHousekeeping(keyring, () => [], () => undefined);
    const first = hk.runNow();
    const second = hk.runNow(); // asked while the first is under way: queued behind it
    await vi.advanceTimersByTimeAsync(10 * HOUSEKEEPING_MS);
    await Promise.all([first, second]);
    expect(most).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(runs).toBeLessThanOrEqual(4); // not one per tick: ticks during a run were skipped
    const stopped = hk.stop();
    let done = false;
    void stopped.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(running === 0);
    await vi.advanceTimersByTimeAsync(3 * HOUSEKEEPING_MS);
    await stopped;
    expect(running).toBe(0);
    const after = runs;
    await vi.advanceTimersByTimeAsync(10 * HOUSEKEEPING_MS);
    expect(runs).toBe(after);
  });

  it('with a file keyring: destroys a closed salt on schedule, and events of the epoch closed meanwhile get the ephemeral salt', async () => {
    const f = keyringFixture();
    try {
      const kr = f.keyring();
      await kr.prepare(f.clock.t);
      const p = new Pseudonymiser(kr, DEFAULT_PSEUDONYM_OPTIONS);
      const live = kr.saltFor(f.clock.t);
      const before = p.pseudonym('user', 'alice', f.clock.t);
      const hk = startHousekeeping(kr, () => [p], (err) => {
        throw err;
      }, undefined, 20);
      try {
        const path = join(f.dir, 'P1D-20261122T000000Z.salt');
        const event = f.clock.t;
        f.clock.t = Date.UTC(2026, 10, 23, 1); // the epoch closes between two runs
        const after = p.pseudonym('user', 'alice', event);
        expect(after).not.toBe(before);
        expect(kr.saltFor(event).ephemeral).toBe(true);
        // The next scheduled run (20 ms here, a minute in production) destroys file and memory.
        await vi.waitFor(() => expect(existsSync(path)).toBe(false), { timeout: 5000, interval: 10 });
        expect(live.wiped).toBe(true);
        expect(isAllZero(live.salt)).toBe(true);
        const states = (p as unknown as { states: Map<number, { salt: { ephemeral: boolean } }> }).states;
        expect([...states.values()].every((s) => s.salt.ephemeral)).toBe(true);
        // Same throw-away salt as before the run: consistent within the run.
        expect(p.pseudonym('user', 'alice', event)).toBe(after);
        expect(bytesOf(kr.saltFor(event).salt)).not.toEqual(bytesOf(new Uint8Array(32)));
      } finally {
        await hk.stop();
      }
    } finally {
      f.cleanup();
    }
  });
});
