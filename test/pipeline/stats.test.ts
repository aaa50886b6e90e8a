import { describe, expect, it } from 'vitest';
import { DROP_REASONS, LineStats } from '../../src/pipeline/stats.js';

describe('LineStats', () => {
  it('starts at zero for every reason', () => {
    const s = new LineStats();
    expect(s.droppedTotal).toBe(0);
    expect(Object.keys(s.dropped)).toEqual([...DROP_REASONS]);
    expect(s.summary()).toBe('0 lines in, 0 out, 0 dropped');
  });

  it('counts drops by reason, n at a time', () => {
    const s = new LineStats();
    s.drop('unparsed');
    s.drop('expired', 4);
    expect(s.dropped.unparsed).toBe(1);
    expect(s.dropped.expired).toBe(4);
    expect(s.droppedTotal).toBe(5);
  });

  it('summarises in one line, reasons in their fixed order, scrubbed when any', () => {
    const s = new LineStats();
    s.linesIn = 1000;
    s.linesOut = 990;
    s.drop('expired', 2);
    s.drop('unparsed', 8);
    expect(s.summary()).toBe('1000 lines in, 990 out, 10 dropped (unparsed 8, expired 2)');
    s.scrubbed = 3;
    expect(s.summary()).toBe('1000 lines in, 990 out, 3 scrubbed, 10 dropped (unparsed 8, expired 2)');
  });

  it('adds another set of counters', () => {
    const a = new LineStats();
    const b = new LineStats();
    a.linesIn = 3;
    a.linesOut = 2;
    a.drop('empty');
    b.linesIn = 5;
    b.linesOut = 1;
    b.scrubbed = 1;
    b.drop('empty');
    b.drop('future', 3);
    a.redactions.email = 2;
    b.redactions.email = 1;
    b.redactions.query = 4;
    a.add(b);
    expect(a.toJSON()).toEqual({
      lines_in: 8,
      lines_out: 3,
      scrubbed: 1,
      headers: 0,
      dropped: { unparsed: 0, invalid_utf8: 0, nul_byte: 0, too_long: 0, no_timestamp: 0, expired: 0, future: 3, empty: 2 },
      decoded: {},
      rejected: {},
      redactions: { email: 3, query: 4 },
    });
    // A worker's counters arrive as JSON.
    const c = new LineStats();
    c.addJson(a.toJSON());
    c.addJson(b.toJSON());
    expect(c.redactions).toEqual({ email: 4, query: 8 });
    expect(a.summary()).toBe('8 lines in, 3 out, 1 scrubbed, 5 dropped (future 3, empty 2); 7 values redacted (email 3, query 4)');
  });

  it('serialises a copy of its counters', () => {
    const s = new LineStats();
    const json = s.toJSON();
    s.drop('empty');
    expect(json.dropped.empty).toBe(0);
  });
});
