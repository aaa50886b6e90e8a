/** `keep-own-ip`: the operator's own server addresses kept, any other truncated. */
import { describe, expect, it } from 'vitest';
import { parseRanges } from '../../src/transforms/keep-own-ip/own-ranges.js';
import { keepOwnIpTransform } from '../../src/transforms/keep-own-ip/index.js';
import { DEFAULT_IP_TRUNCATION } from '../../src/transforms/truncate-ip.js';
import type { TransformContext } from '../../src/transforms/transform.js';

const ctx = { truncation: DEFAULT_IP_TRUNCATION } as unknown as TransformContext;
const op = (own: string[]): ((v: string) => string) => {
  const c = keepOwnIpTransform.compile({ own }, { name: 'target_ip', role: 'server_ip' }, ctx);
  if (c.kind !== 'pure') throw new Error('pure expected');
  return c.fn;
};

describe('keep-own-ip', () => {
  it('keeps addresses in the own ranges whole (with their port) and truncates the rest', () => {
    const f = op(['10.0.0.0/8', '2001:db8:42::/48']);
    expect(f('10.1.2.3')).toBe('10.1.2.3');
    expect(f('10.1.2.3:8080')).toBe('10.1.2.3:8080');
    expect(f('81.6.12.34')).toBe('81.6.12.0');
    expect(f('81.6.12.34:443')).toBe('81.6.12.0');
    expect(f('2001:db8:42::7')).toBe('2001:db8:42::7');
    expect(f('[2001:db8:42::7]:443')).toBe('[2001:db8:42::7]:443');
    expect(f('2001:db8:99::7')).toBe('2001:db8:99::');
  });

  it('reads lists item by item, comma- or space-separated, and writes - for an item that is no address', () => {
    const f = op(['10.0.0.0/8']);
    expect(f('10.0.0.1:80 81.6.12.34:80')).toBe('10.0.0.1:80 81.6.12.0');
    expect(f('10.0.0.1, 81.6.12.34')).toBe('10.0.0.1, 81.6.12.0');
    expect(f('backend.example.com')).toBe('-');
    expect(f('-')).toBe('-');
  });

  it('with no own ranges is truncate-ip', () => {
    expect(op([])('10.1.2.3')).toBe('10.1.2.0');
  });

  it('matches IPv4-mapped addresses against IPv4 ranges and refuses ranges that do not parse', () => {
    expect(parseRanges(['192.0.2.0/24'])!.has('::ffff:192.0.2.9')).toBe(true);
    expect(parseRanges(['10.0.0.0/33'])).toBeUndefined();
    expect(parseRanges(['not-an-address'])).toBeUndefined();
    expect(keepOwnIpTransform.options.own!.safeParse(['10.0.0.0/8']).success).toBe(true);
    expect(keepOwnIpTransform.options.own!.safeParse(['10.0.0.0/40']).success).toBe(false);
  });
});
