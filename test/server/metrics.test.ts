/**
 * The Prometheus registry of `gallra run`: counters read from the pipelines'
 * plain numbers at scrape time, so every scrape reports the running totals —
 * not more after repeated scrapes, not less.
 */
import { describe, expect, it } from 'vitest';
import { LineStats } from '../../src/pipeline/stats.js';
import { createMetrics, exposition, type MeteredSource } from '../../src/server/metrics.js';
import type { Sink } from '../../src/sinks/sink.js';
import type { Source } from '../../src/sources/source.js';
import { metric } from '../helpers/run.js';

function fakeSource(name: string, drops: Record<string, number>, lag: number): Source {
  return {
    name,
    drops,
    start: async () => undefined,
    batches: async function* () {},
    commit: async () => undefined,
    stop: () => undefined,
    lagBytes: () => lag,
  };
}

function fakeSink(name: string, written: { n: number }): Sink {
  return {
    name,
    get linesWritten() {
      return written.n;
    },
    write: async () => undefined,
    flush: async () => undefined,
    reopen: async () => undefined,
    close: async () => undefined,
  };
}

describe('createMetrics', () => {
  it('reports the same totals however often it is scraped, and the new totals after more lines', async () => {
    const a = new LineStats();
    const b = new LineStats();
    const drops = { oversize: 0, garbage_connection: 0 };
    const written = { n: 0 };
    const now = 1_000_000;
    const sources: MeteredSource[] = [
      { source: fakeSource('tail', {}, 120), stats: () => a, lagBytes: () => 120, oldestUnackedAt: () => now - 2500 },
      { source: fakeSource('sl', drops, 0), stats: () => b, lagBytes: () => 0, oldestUnackedAt: () => 0 },
    ];
    const registry = createMetrics(sources, [fakeSink('out', written)], () => now);
    a.linesIn = 10;
    a.linesOut = 7;
    a.scrubbed = 1;
    a.drop('unparsed', 2);
    b.linesIn = 4;
    drops.oversize = 3;
    drops.garbage_connection = 1;
    written.n = 11;

    const expectTotals = (text: string, read: number, unparsed: number, oversize: number, out: number): void => {
      expect(metric(text, 'gallra_lines_read_total', { source: 'tail' })).toBe(read);
      expect(metric(text, 'gallra_lines_read_total', { source: 'sl' })).toBe(4);
      expect(metric(text, 'gallra_lines_scrubbed_total', { source: 'tail' })).toBe(1);
      expect(metric(text, 'gallra_lines_dropped_total', { source: 'tail', reason: 'unparsed' })).toBe(unparsed);
      expect(metric(text, 'gallra_lines_dropped_total', { source: 'sl', reason: 'oversize' })).toBe(oversize);
      expect(metric(text, 'gallra_lines_dropped_total', { source: 'sl', reason: 'garbage_connection' })).toBe(1);
      expect(metric(text, 'gallra_lines_written_total', { sink: 'out' })).toBe(out);
    };
    for (let k = 0; k < 3; k++) expectTotals(await registry.metrics(), 10, 2, 3, 11);

    a.linesIn = 25;
    a.drop('unparsed');
    drops.oversize = 4;
    written.n = 30;
    for (let k = 0; k < 2; k++) expectTotals(await registry.metrics(), 25, 3, 4, 30);
  });

  it('reports checkpoint lag (bytes read, not yet acknowledged) and age (seconds since the oldest of them was read) per source, 0 when all is acknowledged', async () => {
    const now = 1_000_000;
    const registry = createMetrics(
      [
        { source: fakeSource('tail', {}, 120), stats: () => new LineStats(), lagBytes: () => 120, oldestUnackedAt: () => now - 2500 },
        { source: fakeSource('sl', {}, 0), stats: () => new LineStats(), lagBytes: () => 0, oldestUnackedAt: () => 0 },
      ],
      [],
      () => now,
    );
    const text = await registry.metrics();
    expect(metric(text, 'gallra_checkpoint_lag_bytes', { source: 'tail' })).toBe(120);
    expect(metric(text, 'gallra_checkpoint_age_seconds', { source: 'tail' })).toBe(2.5);
    expect(metric(text, 'gallra_checkpoint_age_seconds', { source: 'sl' })).toBe(0);
    expect(text).toMatch(/^# TYPE gallra_lines_read_total counter$/m);
    expect(text).toMatch(/^# TYPE gallra_checkpoint_lag_bytes gauge$/m);
    // The process's own metrics, under gallra's prefix (once: not gallra_process_process_…).
    expect(text).toMatch(/^gallra_process_cpu_seconds_total /m);
    expect(text).not.toMatch(/process_process_/);
    // Every series is there from the first scrape, at 0 before anything happened.
    expect(metric(text, 'gallra_lines_dropped_total', { source: 'tail', reason: 'unparsed' })).toBe(0);
    expect(metric(text, 'gallra_lines_scrubbed_total', { source: 'sl' })).toBe(0);
  });
});

describe('exposition', () => {
  it('writes components\' own samples in the Prometheus text format, one HELP and TYPE per name, labels escaped', () => {
    const text = exposition([
      { name: 'gallra_x_total', help: 'X.', type: 'counter', labels: { source: 'a' }, value: 3 },
      { name: 'gallra_x_total', help: 'X.', type: 'counter', labels: { source: 'b"\\' }, value: 4 },
      { name: 'gallra_lag', help: 'Lag.', type: 'gauge', labels: {}, value: Number.NaN },
    ]);
    expect(text).toBe('# HELP gallra_x_total X.\n# TYPE gallra_x_total counter\ngallra_x_total{source="a"} 3\ngallra_x_total{source="b\\"\\\\"} 4\n# HELP gallra_lag Lag.\n# TYPE gallra_lag gauge\ngallra_lag 0\n');
  });
});
