import { describe, expect, it } from 'vitest';
import { Waiter } from '../../src/sources/source.js';

describe('Waiter', () => {
  it('resolves when woken, before its time is up', async () => {
    const w = new Waiter();
    let woke = false;
    const p = w.wait(60_000).then(() => (woke = true));
    await new Promise((r) => setImmediate(r));
    expect(woke).toBe(false);
    w.wake();
    await p;
    expect(woke).toBe(true);
  });

  it('resolves by itself when its time is up', async () => {
    const w = new Waiter();
    await w.wait(1);
  });

  it('ignores a wake when nobody waits', async () => {
    const w = new Waiter();
    w.wake();
    let woke = false;
    const p = w.wait(60_000).then(() => (woke = true));
    await new Promise((r) => setImmediate(r));
    expect(woke).toBe(false);
    w.wake();
    await p;
  });
});
