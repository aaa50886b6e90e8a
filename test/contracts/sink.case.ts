/**
 * The contract every sink keeps, as one suite run against each registered
 * sink (sinks.test.ts gives each its harness: how to build it and read back
 * what it accepted).
 */
import { describe, expect, it } from 'vitest';
import type { Sink } from '../../src/sinks/sink.js';
import { batchOf } from '../helpers/batches.js';

export interface SinkHarness {
  /** A fresh sink through its registry entry. */
  make(): Promise<Sink>;
  /** Every line the sink has handed on or stored so far, in order (day files in day order). */
  read(): Promise<string[]>;
  /** Releases what the harness made. */
  cleanup(): Promise<void>;
}

/** Days since the epoch of "today" for the suite: any day works, the suite never reads the clock. */
const DAY = 20_790;

/**
 * Runs the sink contract for one sink.
 *
 * @example
 * sinkContract('stdout', () => stdoutHarness());
 */
export function sinkContract(name: string, harness: () => SinkHarness): void {
  describe(`sink ${name} (contract)`, () => {
    it('accepts batches and, once flushed, holds every line exactly as encoded, in order', async () => {
      const h = harness();
      try {
        const sink = await h.make();
        const lines = ['a', 'räksmörgås ✓ 🦐', '{"json":"line"}', 'x'.repeat(5000)];
        await sink.write(batchOf([{ day: DAY, text: `${lines.slice(0, 2).join('\n')}\n`, lines: 2 }]));
        await sink.write(batchOf([]));
        await sink.write(batchOf([{ day: DAY, text: `${lines.slice(2).join('\n')}\n`, lines: 2 }]));
        await sink.flush();
        expect(await h.read()).toEqual(lines);
        expect(sink.linesWritten).toBe(4);
        await sink.close();
      } finally {
        await h.cleanup();
      }
    });

    it('makes everything written durable on close, and counts every line it took', async () => {
      const h = harness();
      try {
        const sink = await h.make();
        for (let i = 0; i < 50; i++) await sink.write(batchOf([{ day: DAY, text: `line ${i}\n`, lines: 1 }]));
        await sink.close();
        expect(await h.read()).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i}`));
        expect(sink.linesWritten).toBe(50);
      } finally {
        await h.cleanup();
      }
    });

    it('keeps working across a reopen (SIGHUP after logrotate)', async () => {
      const h = harness();
      try {
        const sink = await h.make();
        await sink.write(batchOf([{ day: DAY, text: 'before\n', lines: 1 }]));
        await sink.reopen();
        await sink.write(batchOf([{ day: DAY, text: 'after\n', lines: 1 }]));
        await sink.close();
        expect(await h.read()).toEqual(['before', 'after']);
      } finally {
        await h.cleanup();
      }
    });

    it('reports health and metrics, when it does, in their shapes', async () => {
      const h = harness();
      try {
        const sink = await h.make();
        const health = sink.health?.();
        if (health !== undefined) expect(typeof health.ready).toBe('boolean');
        for (const m of sink.metrics?.() ?? []) expect(m.name).toMatch(/^gallra_[a-z0-9_]+$/);
        expect(typeof sink.name).toBe('string');
        await sink.close();
      } finally {
        await h.cleanup();
      }
    });
  });
}
