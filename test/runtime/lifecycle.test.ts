/**
 * The input monitor of `gallra run`: most of a source's recent lines dropped
 * (unparsed, expired, future, no timestamp) is a warning — at once, then at
 * most every five minutes, and a note when it is over — a not-ready /readyz
 * with the reason, and a ratio metric; the stop summary per source.
 */
import { describe, expect, it } from 'vitest';
import { LineStats } from '../../src/pipeline/stats.js';
import { InputMonitor, stopSummary } from '../../src/runtime/lifecycle.js';

function monitor(): { m: InputMonitor; warnings: string[]; infos: string[] } {
  const warnings: string[] = [];
  const infos: string[] = [];
  const m = new InputMonitor({
    source: 'web',
    explain: (c) => `${c.unparsed} did not parse as combined (they parse as json: set format: json on source web)`,
    warn: (msg) => warnings.push(msg),
    info: (msg) => infos.push(msg),
  });
  return { m, warnings, infos };
}

/** Counters after `good` lines written and `bad` unparsed, on top of `s`. */
function feed(s: LineStats, good: number, bad: number): LineStats {
  s.linesIn += good + bad;
  s.linesOut += good;
  s.drop('unparsed', bad);
  return s;
}

describe('InputMonitor', () => {
  it('warns at once when most recent lines do not parse, naming the format that would, and says not ready with the reason', () => {
    const { m, warnings } = monitor();
    const s = new LineStats();
    m.observe(feed(s, 0, 40), 1000);
    expect(warnings).toEqual(['web: 100% of the last 40 lines were dropped: 40 did not parse as combined (they parse as json: set format: json on source web)']);
    expect(m.health()).toEqual({ ready: false, reason: '100% of the last 40 lines were dropped: 40 did not parse as combined (they parse as json: set format: json on source web)' });
    expect(m.metrics()).toEqual([expect.objectContaining({ name: 'gallra_input_rejected_ratio', type: 'gauge', labels: { source: 'web' }, value: 1 })]);
  });

  it('repeats the warning at most every five minutes while it lasts', () => {
    const { m, warnings } = monitor();
    const s = new LineStats();
    for (let t = 0; t < 10 * 60_000; t += 1000) m.observe(feed(s, 0, 20), t);
    expect(warnings).toHaveLength(2);
  });

  it('says nothing about a few odd lines, nor before there are ten lines to judge', () => {
    const { m, warnings } = monitor();
    const s = new LineStats();
    m.observe(feed(s, 0, 9), 0);
    expect(warnings).toEqual([]);
    expect(m.health().ready).toBe(true);
    m.observe(feed(s, 100, 10), 1000);
    expect(warnings).toEqual([]);
    expect(m.health().ready).toBe(true);
  });

  it('is ready again, with a note, once most recent lines are written', () => {
    const { m, warnings, infos } = monitor();
    const s = new LineStats();
    m.observe(feed(s, 0, 50), 0);
    expect(m.health().ready).toBe(false);
    m.observe(feed(s, 2000, 0), 1000);
    expect(m.health()).toEqual({ ready: true });
    expect(warnings).toHaveLength(1);
    expect(infos).toEqual([expect.stringMatching(/^web: most recent lines are written again/)]);
  });

  it('judges the most recent lines, not all since the start', () => {
    const { m } = monitor();
    const s = new LineStats();
    m.observe(feed(s, 5000, 0), 0);
    m.observe(feed(s, 0, 1200), 1000);
    expect(m.health().ready).toBe(false);
  });
});

describe('stopSummary', () => {
  it('gives lines in and out and every non-zero drop by reason, the source\'s own drops included', () => {
    const s = new LineStats();
    feed(s, 7, 2);
    s.linesIn++;
    s.drop('expired');
    expect(stopSummary('web', s, { overflow: 3, oversize: 0, kernel: 5 })).toEqual({ source: 'web', lines_in: 10, lines_out: 7, dropped: { unparsed: 2, expired: 1, overflow: 3, kernel: 5 } });
  });

  it('gives the values redacted by kind when there were any (counts only)', () => {
    const s = new LineStats();
    feed(s, 3, 0);
    s.redactions.email = 2;
    s.redactions.query = 5;
    expect(stopSummary('web', s, {})).toEqual({ source: 'web', lines_in: 3, lines_out: 3, dropped: {}, redactions: { email: 2, query: 5 } });
  });
});
