/**
 * The contract every source keeps, as one suite run against each registered
 * source (sources.test.ts gives each its harness: how to make it and feed it
 * a line).
 */
import { describe, expect, it } from 'vitest';
import type { BytesBatch, Source } from '../../src/sources/source.js';
import { until } from '../helpers/wait.js';

/**
 * Runs the source contract for one source.
 *
 * @example
 * sourceContract('stdin', async () => startedSourceWithALine());
 */
export function sourceContract(name: string, make: () => Promise<Source>): void {
  describe(`source ${name} (contract)`, () => {
  it('delivers its data, and ends batches() promptly when stopped while waiting for more', async () => {
    const src = await make();
    const batches: BytesBatch[] = [];
    let text = '';
    let ended = false;
    const done = (async () => {
      for await (const b of src.batches()) {
        // A record source's records are each one piece of input: the record `a` is the line `a`.
        if (b.kind === 'records') for (const r of b.records) text += `${r.value.toString('latin1')}\n`;
        else {
          batches.push(b);
          text += b.data.toString('latin1');
        }
      }
    })().finally(() => (ended = true));
    try {
      await until(() => text.includes('a\n'), 'the data', 30_000);
      src.stop();
      await until(() => ended, 'batches() to end after stop()', 3000);
      await done;
    } finally {
      src.stop();
      await src.close?.();
    }
    expect(text).toBe('a\n');
    src.stop(); // idempotent
  });

  it('reports drops as counts and lag as a number', async () => {
    const src = await make();
    try {
      expect(Object.values(src.drops).every((n) => Number.isInteger(n) && n >= 0)).toBe(true);
      expect(Number.isFinite(src.lagBytes())).toBe(true);
      expect(typeof src.name).toBe('string');
      for (const m of src.metrics?.() ?? []) expect(m.name).toMatch(/^gallra_[a-z0-9_]+$/);
    } finally {
      src.stop();
      await src.close?.();
    }
  });
});
}
