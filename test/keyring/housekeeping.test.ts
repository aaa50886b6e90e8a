import { afterEach, describe, expect, it, vi } from 'vitest';
import { HOUSEKEEPING_MS, startHousekeeping } from '../../src/keyring/housekeeping.js';
import type { Keyring } from '../../src/keyring/keyring.js';
import type { Pseudonymiser } from '../../src/transforms/pseudonymise.js';

afterEach(() => vi.useRealTimers());

describe('startHousekeeping', () => {
  it('destroys closed salts, forgets what pseudonymisers derived from them and runs the extra work, now and once a minute', () => {
    vi.useFakeTimers();
    const calls: string[] = [];
    const keyring = { destroyClosed: () => calls.push('destroy') } as unknown as Keyring;
    const p = { dropWiped: () => calls.push('drop') } as unknown as Pseudonymiser;
    const hk = startHousekeeping(keyring, () => [p, p], () => calls.push('error'), () => calls.push('retention'));
    hk.runNow();
    expect(calls).toEqual(['destroy', 'drop', 'drop', 'retention']);
    vi.advanceTimersByTime(HOUSEKEEPING_MS);
    expect(calls).toHaveLength(8);
    hk.stop();
    vi.advanceTimersByTime(10 * HOUSEKEEPING_MS);
    expect(calls).toHaveLength(8);
  });

  it('reports a failure and keeps its schedule', () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    let n = 0;
    const keyring = {
      destroyClosed: () => {
        if (n++ === 0) throw new Error('EACCES');
      },
    } as unknown as Keyring;
    const hk = startHousekeeping(keyring, () => [], (err) => errors.push(err));
    hk.runNow();
    vi.advanceTimersByTime(HOUSEKEEPING_MS);
    expect(errors).toHaveLength(1);
    expect(n).toBe(2);
    hk.stop();
  });
});
