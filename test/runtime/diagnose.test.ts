/**
 * Why lines were dropped, in words: the configured format that would have
 * parsed them (tried on a sample kept in memory), the retention window, the
 * clock. Only format names and counts come out, never input.
 */
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../src/policy/load.js';
import { explainRejects, formatThatParses } from '../../src/runtime/diagnose.js';

const policy = loadPolicy(undefined).config;
const json = Buffer.from(Array.from({ length: 5 }, (_, i) => `{"time":"2026-12-01T10:00:0${i}Z","remote_addr":"81.6.12.34","request":"GET /${i} HTTP/1.1","status":200}\n`).join(''));
const combined = Buffer.from(Array.from({ length: 5 }, (_, i) => `81.6.12.34 - - [01/Dec/2026:10:00:0${i} +0000] "GET /${i} HTTP/1.1" 200 5 "-" "curl/8"\n`).join(''));
const none = { unparsed: 0, expired: 0, future: 0, no_timestamp: 0 };

describe('formatThatParses', () => {
  it('names the configured format that decodes most of the sample', () => {
    expect(formatThatParses(policy, json, 'combined')).toBe('json');
    expect(formatThatParses(policy, combined, 'json')).toBe('combined');
  });

  it('names none when no other format decodes half of the lines, or there are no whole lines', () => {
    expect(formatThatParses(policy, Buffer.from('garbage\nmore garbage\n'), 'combined')).toBeUndefined();
    expect(formatThatParses(policy, Buffer.from('{"time":"2026-12-01T10'), 'combined')).toBeUndefined();
  });
});

describe('explainRejects', () => {
  const fix = (f: string): string => `use --format ${f}`;

  it('names the format that would parse the lines, and what to do', () => {
    expect(explainRejects({ ...none, unparsed: 12 }, { policy, format: 'combined', sample: json, fix })).toBe('12 did not parse as combined (they parse as json: use --format json)');
  });

  it('says when no configured format parses them', () => {
    expect(explainRejects({ ...none, unparsed: 3 }, { policy, format: 'auto', sample: Buffer.from('garbage\n'), fix })).toBe('3 did not parse as any configured format (no configured format parses them: define their layout under formats: <name>: log_format:)');
  });

  it('explains expired, future and timestamp-less lines, the most frequent first', () => {
    const text = explainRejects({ unparsed: 0, expired: 1, future: 5, no_timestamp: 2 }, { policy, format: 'combined', sample: undefined, fix });
    expect(text).toBe(
      "5 were stamped more than retention.max_future (PT1H) ahead: is the writer's clock or time zone right?; 2 had no timestamp gallra can read (set input.missing_timestamp: arrival to stamp them when read); 1 was older than the retention window (retention.keep P6M): old lines replayed, or a clock far behind?",
    );
    expect(text).not.toContain('81.6');
  });
});
