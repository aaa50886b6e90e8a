import { describe, expect, it } from 'vitest';
import { Ledger, outgoing, valueOf, type WrittenBatch } from '../../../src/sinks/kafka/ledger.js';

/** A written batch of `lines` (ASCII), every third one unparsed, with a dead-letter topic. */
function written(lines: string[], dead: string | null = 'dlq'): WrittenBatch {
  const text = lines.map((l) => `${l}\n`).join('');
  const ends: number[] = [];
  let at = 0;
  for (const l of lines) ends.push((at += l.length + 1));
  return {
    topic: 'out',
    dead: dead ?? undefined,
    whole: Buffer.from(text),
    values: undefined,
    ends,
    times: lines.map((_, i) => 1000 + i),
    keys: lines.map((_, i) => `k${i}`),
    unparsed: lines.map((_, i) => i % 3 === 2),
    headers: undefined,
  };
}

const tally = (l: Ledger): Record<string, number> => {
  const t: Record<string, number> = {};
  l.delivered((topic, route, n) => void (t[`${topic}/${route}`] = (t[`${topic}/${route}`] ?? 0) + n));
  return t;
};

describe('Ledger (records produced since the last barrier, per written batch)', () => {
  it('gives each record back as it was produced: value, key, time, topic by route', () => {
    const b = written(['a', 'bb', 'ccc']);
    expect(valueOf(b, 1).toString()).toBe('bb');
    expect(outgoing(b, 2)).toMatchObject({ topic: 'dlq', route: 'unparsed', key: 'k2', timestamp: 1002, failed: false });
    expect(outgoing(written(['a', 'b', 'c'], null), 2)).toMatchObject({ topic: 'out', route: 'main' });
  });

  it('takes at a barrier only what was produced before its mark, splitting a run that grew after it', () => {
    const b = written(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    const l = new Ledger();
    l.add(b, 0);
    l.add(b, 1);
    const mark = l.mark();
    l.add(b, 2);
    l.add(b, 3);
    expect(l.size).toBe(4);
    const done = l.take(mark);
    expect(done.size).toBe(2);
    expect(done.undelivered().map((o) => o.value.toString())).toEqual(['r0', 'r1']);
    expect(l.size).toBe(2);
    // The rest goes on growing the same run.
    l.add(b, 4);
    expect(l.undelivered().map((o) => o.value.toString())).toEqual(['r2', 'r3', 'r4']);
    expect(tally(l.take(l.mark()))).toEqual({ 'out/main': 2, 'dlq/unparsed': 1 });
    expect(l.size).toBe(0);
  });

  it('settles the record a failure report names: not delivered, not sent again with the rest', () => {
    const b = written(['x', 'y', 'z', 'w']);
    const l = new Ledger();
    for (let i = 0; i < 4; i++) l.add(b, i);
    l.addOne({ ...outgoing(b, 0), value: Buffer.from('again') });
    const out = l.settle('out', Buffer.from('k1'), Buffer.from('y'));
    expect(out).toMatchObject({ key: 'k1', failed: true });
    expect(out?.value.toString()).toBe('y');
    expect(l.settle('out', Buffer.from('k1'), Buffer.from('y'))).toBeUndefined();
    expect(l.settle('out', 'k0', Buffer.from('again'))?.value.toString()).toBe('again');
    expect(l.undelivered().map((o) => o.value.toString())).toEqual(['x', 'z', 'w']);
    expect(tally(l)).toEqual({ 'out/main': 2, 'dlq/unparsed': 1 });
  });

  it('takes nothing at a mark from before a clear (a producer recreated in between)', () => {
    const b = written(['a', 'b']);
    const l = new Ledger();
    l.add(b, 0);
    const mark = l.mark();
    l.clear();
    l.add(b, 1);
    expect(l.take(mark).size).toBe(0);
    expect(l.size).toBe(1);
  });
});
