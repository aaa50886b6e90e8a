import { describe, expect, it } from 'vitest';
import { LineCarry } from '../../src/pipeline/line-carry.js';

describe('LineCarry', () => {
  it('holds pieces of a line and hands back their bytes, copied, at take()', () => {
    const c = new LineCarry(100);
    const chunk = Buffer.from('abcdef');
    c.hold(chunk, 0, 3);
    c.hold(Buffer.from('xyz'), 1, 3);
    chunk.fill(0); // the caller reuses its chunk
    expect(c.active).toBe(true);
    expect(c.pendingBytes).toBe(5);
    expect(c.take()?.toString()).toBe('abcyz');
    expect(c.active).toBe(false);
    expect(c.take()).toBeUndefined();
  });

  it('feeds chunks: completes the carried line, holds the tail, and points at the whole lines between', () => {
    const c = new LineCarry(100);
    const carried: string[] = [];
    const onCarried = (line: Buffer | 'too_long'): void => {
      carried.push(typeof line === 'string' ? line : line.toString());
    };
    expect(c.feed(Buffer.from('par'), onCarried)).toBe(false); // no newline: all held
    const chunk = Buffer.from('tial\none\ntwo\nta');
    expect(c.feed(chunk, onCarried)).toBe(true);
    expect(carried).toEqual(['partial']);
    expect(chunk.toString('latin1', c.regionStart, c.regionEnd)).toBe('one\ntwo');
    expect(c.feed(Buffer.from('il\n'), onCarried)).toBe(false); // only the carried line, nothing between
    expect(carried).toEqual(['partial', 'tail']);
    expect(c.active).toBe(false);
  });

  it('lets go of a line past the limit, counts what it skips, and reports it as too_long', () => {
    const c = new LineCarry(10);
    c.hold(Buffer.alloc(8, 97), 0, 8);
    c.hold(Buffer.alloc(8, 97), 0, 8); // 16 > 10 + 1
    c.hold(Buffer.alloc(100, 97), 0, 100);
    expect(c.pendingBytes).toBe(116);
    expect((c as unknown as { bytes: number }).bytes).toBe(0);
    expect(c.take()).toBe('too_long');
    expect(c.pendingBytes).toBe(0);
    c.hold(Buffer.from('ok'), 0, 2);
    expect(c.take()?.toString()).toBe('ok');
  });

  it('allows one byte over the limit for a trailing carriage return', () => {
    const c = new LineCarry(4);
    c.hold(Buffer.from('abcd\r'), 0, 5);
    expect(c.take()?.toString()).toBe('abcd\r');
  });
});
