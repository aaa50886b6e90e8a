import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MATCH, MATCH_APPENDED, NO_MATCH } from '../../../../src/formats/format.js';
import { compileTemplate, parseAppended } from '../../../../src/formats/engines/template/template.js';
import type { PolicyConfig } from '../../../../src/policy/schema.js';
import { fieldsArb, FORMAT_OF, lineOf, TEXT_LAYOUTS, type TextLayout } from '../../../helpers/arbitraries.js';
import { type Anonymiser, anonymiseLine, BUILTIN_TEXT_FORMATS, HOUR, makeAnonymiser, makeContext, makeEnv, MINUTE, policyFrom, T0, type TestEnv, textFormat } from '../../../helpers/env.js';
import { clfTime, combinedLine, commonLine, vhostCombinedLine } from '../../../helpers/lines.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

// One seed per file: property tests explore the same cases on every run.
const SEED = 0x5eed_7e47;

/** The fields of an output line in `format`, by name (appended fields as `+0`, `+1`, …). */
function fieldsOf(format: keyof typeof BUILTIN_TEXT_FORMATS, line: string): Record<string, string> | undefined {
  const t = compileTemplate(BUILTIN_TEXT_FORMATS[format]);
  const n = t.fields.length;
  const starts = new Int32Array(n + 8);
  const ends = new Int32Array(n + 8);
  const stop = t.parse(line, 0, line.length, starts, ends);
  if (stop < 0) return undefined;
  const out: Record<string, string> = Object.fromEntries(t.fields.map((f, i) => [f.name, line.slice(starts[i], ends[i])]));
  const count = parseAppended(line, stop, line.length, starts, ends, new Uint8Array(8), n, 8);
  if (count < 0) return undefined;
  for (let k = 0; k < count; k++) out[`+${k}`] = line.slice(starts[n + k], ends[n + k]);
  return out;
}

const PSEUDONYM = /^[A-Za-z0-9_-]{22}$/;

describe('combined (nginx and Apache)', () => {
  let a: Anonymiser;
  beforeAll(() => {
    a = makeAnonymiser(env, 'input:\n  format: combined\n');
  });

  it('applies the default policy field by field and keeps the layout', () => {
    const line = combinedLine(T0, {
      remote_addr: '81.6.12.34',
      remote_logname: 'identd',
      remote_user: 'alice',
      request: 'GET /reset?email=jo@example.com HTTP/1.1',
      referer: 'https://www.example.com/u/81.6.12.34',
      user_agent: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
    });
    const out = anonymiseLine(a, line)!;
    const f = fieldsOf('combined', out)!;
    expect(f.remote_addr).toBe('81.6.12.0');
    expect(f.remote_logname).toBe('-');
    expect(f.remote_user).toMatch(PSEUDONYM);
    expect(f.time_local).toBe(clfTime(T0 - HOUR));
    expect(f.request).not.toContain('jo@example.com');
    expect(f.request).toMatch(/^GET \/reset\?email=\S+ HTTP\/1\.1$/);
    expect(f.status).toBe('200');
    expect(f.body_bytes_sent).toBe('5120');
    expect(f.http_referer).toBe('https://www.example.com/u/{ip}'); // a path segment shaped like an address is templated
    expect(f.http_user_agent).toBe('Mozilla/5.0 (Linux; Desktop) Firefox/125');
    expect(Object.keys(f)).toHaveLength(9);
  });

  it('gives the same user the same pseudonym within an epoch, and leaves "-" alone', () => {
    const one = fieldsOf('combined', anonymiseLine(a, combinedLine(T0, { remote_user: 'alice' }))!)!;
    const two = fieldsOf('combined', anonymiseLine(a, combinedLine(T0, { remote_user: 'alice', time: T0 - 2 * HOUR }))!)!;
    const bob = fieldsOf('combined', anonymiseLine(a, combinedLine(T0, { remote_user: 'bob' }))!)!;
    const none = fieldsOf('combined', anonymiseLine(a, combinedLine(T0, { remote_user: '-' }))!)!;
    expect(one.remote_user).toBe(two.remote_user);
    expect(bob.remote_user).not.toBe(one.remote_user);
    expect(none.remote_user).toBe('-');
  });

  it('handles Apache \\" and nginx \\x22 inside quoted fields', () => {
    // `sort` is on the query allow-list, so the request is kept as it is.
    const apache = combinedLine(T0, { request: 'GET /search?sort=\\"x\\" HTTP/1.1', user_agent: 'curl/8.5.0 \\"x\\"' });
    const nginx = combinedLine(T0, { request: 'GET /search?sort=\\x22x\\x22 HTTP/1.1', user_agent: 'curl/8.5.0 \\x22x\\x22' });
    for (const line of [apache, nginx]) {
      const f = fieldsOf('combined', anonymiseLine(a, line)!)!;
      expect(f.request).toBe(fieldsOf('combined', line)!.request);
      expect(f.status).toBe('200');
      expect(f.http_user_agent).toBe('curl/8 (Other; Bot)');
    }
  });

  it('does not match a line that is not combined', () => {
    expect(anonymiseLine(a, commonLine(T0))).toBeUndefined();
    expect(anonymiseLine(a, 'hello world')).toBeUndefined();
    expect(a.stats.dropped.unparsed).toBe(2);
  });
});

describe('common', () => {
  it('anonymises an NCSA common line into a common line', () => {
    const a = makeAnonymiser(env, 'input:\n  format: common\n');
    const out = anonymiseLine(a, commonLine(T0, { remote_addr: '2a02:aa1:1234:5678::1', remote_user: 'alice' }))!;
    const f = fieldsOf('common', out)!;
    expect(f).toMatchObject({ remote_addr: '2a02:aa1:1234::', remote_logname: '-', status: '200', body_bytes_sent: '5120', request: 'GET /index.html HTTP/1.1' });
    expect(f.remote_user).toMatch(PSEUDONYM);
    expect(out.endsWith('"GET /index.html HTTP/1.1" 200 5120')).toBe(true);
  });
});

describe('vhost_combined (Apache)', () => {
  it('keeps host and port, truncates an IPv6 client to /48 and keeps the layout', () => {
    const a = makeAnonymiser(env, 'input:\n  format: vhost_combined\n');
    const line = vhostCombinedLine(T0, { host: 'www.example.org', port: '443', remote_addr: '2001:db8:aaaa:bbbb::17', remote_user: 'bob' });
    const out = anonymiseLine(a, line)!;
    const f = fieldsOf('vhost_combined', out)!;
    expect(f).toMatchObject({ host: 'www.example.org', server_port: '443', remote_addr: '2001:db8:aaaa::', remote_logname: '-', bytes_sent: '5120' });
    expect(f.remote_user).toMatch(PSEUDONYM);
    expect(out.startsWith('www.example.org:443 2001:db8:aaaa:: - ')).toBe(true);
  });
});

describe('combined with appended fields', () => {
  it('truncates a named "$http_x_forwarded_for", drops an unnamed $request_time to "-" and keeps each field\'s quoting', () => {
    const a = makeAnonymiser(env, 'input:\n  format: combined\n');
    const out = anonymiseLine(a, combinedLine(T0, {}, ' "10.1.2.3, 2001:db8:1:2::9" 0.012'))!;
    expect(out.endsWith('"curl/8 (Other; Bot)" "10.1.2.0, 2001:db8:1::" -')).toBe(true);
  });

  it('writes a quoted unnamed appended field as "-" with its quotes', () => {
    const a = makeAnonymiser(env, 'input:\n  format: combined\n');
    const out = anonymiseLine(a, combinedLine(T0, {}, ' "-" "secret@example.com" 0.5 "x y"'))!;
    expect(out.endsWith('"curl/8 (Other; Bot)" "-" "-" - "-"')).toBe(true);
  });

  it('keeps a named appended field the policy keeps ($request_time)', () => {
    const a = makeAnonymiser(env, 'input:\n  format: combined\nformats:\n  combined:\n    extra_fields: [http_x_forwarded_for, request_time]\n');
    const out = anonymiseLine(a, combinedLine(T0, {}, ' "-" 0.012'))!;
    expect(out.endsWith('"curl/8 (Other; Bot)" "-" 0.012')).toBe(true);
  });

  it('drops a named appended field that no policy names', () => {
    const a = makeAnonymiser(env, 'input:\n  format: combined\nformats:\n  combined:\n    extra_fields: [http_x_forwarded_for, x_secret]\n');
    const out = anonymiseLine(a, combinedLine(T0, {}, ' "1.2.3.4" "s3cr3t"'))!;
    expect(out.endsWith('"1.2.3.0" "-"')).toBe(true);
  });

  it('reports MATCH_APPENDED for appended fields and MATCH for a plain line', () => {
    const ctx = makeContext(env);
    const policy = policyFrom(env).config;
    const f = textFormat('combined', BUILTIN_TEXT_FORMATS.combined, ['http_x_forwarded_for'], policy.fields, ctx);
    const plain = combinedLine(T0);
    const xff = combinedLine(T0, {}, ' "1.2.3.4"');
    expect(f.parse(plain, 0, plain.length, f.record)).toBe(MATCH);
    expect(f.parse(xff, 0, xff.length, f.record)).toBe(MATCH_APPENDED);
    expect(f.parse('nope', 0, 4, f.record)).toBe(NO_MATCH);
    expect(f.parse(`${plain} "open`, 0, plain.length + 6, f.record)).toBe(NO_MATCH);
  });
});

describe('custom log_format templates', () => {
  const policy = [
    'input:',
    '  format: timed',
    'formats:',
    '  timed:',
    '    log_format: \'$remote_addr [$time_iso8601] "$request" $status $msec\'',
    '  epoch:',
    '    log_format: \'$msec $remote_addr $status "$http_user_agent"\'',
    '',
  ].join('\n');

  it('parses and writes a layout from the config, reading the time from $time_iso8601', () => {
    const a = makeAnonymiser(env, policy);
    const t = new Date(T0 - HOUR).toISOString();
    const out = anonymiseLine(a, `81.6.12.34 [${t}] "GET /?mail=jo@example.com HTTP/1.1" 404 ${(T0 - HOUR) / 1000}.250`);
    expect(out).toMatch(new RegExp(`^81\\.6\\.12\\.0 \\[${t}\\] "GET /\\?mail=\\S+ HTTP/1\\.1" 404 ${(T0 - HOUR) / 1000}\\.250$`));
    expect(out).not.toContain('jo@example.com');
  });

  it('reads the time from $msec (seconds with milliseconds)', () => {
    const a = makeAnonymiser(env, policy, { format: 'epoch' });
    expect(anonymiseLine(a, `${(T0 - HOUR) / 1000}.123 81.6.12.34 200 "curl/8.5.0"`)).toBe(`${(T0 - HOUR) / 1000}.123 81.6.12.0 200 "curl/8 (Other; Bot)"`);
    // Two months old by $msec: still inside; a year old: expired.
    expect(anonymiseLine(a, `${(T0 - 60 * 24 * HOUR) / 1000} 81.6.12.34 200 "-"`)).toBeDefined();
    expect(anonymiseLine(a, `${(T0 - 365 * 24 * HOUR) / 1000} 81.6.12.34 200 "-"`)).toBeUndefined();
    expect(a.stats.dropped.expired).toBe(1);
  });

  it('is tried before the built-ins by auto-detection', () => {
    const a = makeAnonymiser(env, policy, { format: 'auto' });
    const t = new Date(T0 - HOUR).toISOString();
    const msec = `${(T0 - HOUR) / 1000}.500`;
    expect(anonymiseLine(a, `81.6.12.34 [${t}] "GET / HTTP/1.1" 200 ${msec}`)).toBe(`81.6.12.0 [${t}] "GET / HTTP/1.1" 200 ${msec}`);
    expect(anonymiseLine(a, combinedLine(T0))).toMatch(/^81\.6\.12\.0 - - \[/);
  });

  it('does not take a combined+XFF line for a layout ending in an unquoted $request_time (the XFF would be kept raw)', () => {
    const p = policyFrom(
      env,
      `formats:\n  main_rt:\n    log_format: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time'\n`,
    ).config;
    const xff = combinedLine(T0, {}, ' "10.1.2.3, 10.9.8.7" 0.012');
    expect(anonymiseLine(makeAnonymiser(env, p, { format: 'main_rt' }), xff)).toBeUndefined();
    expect(anonymiseLine(makeAnonymiser(env, p), xff)!.endsWith('"10.1.2.0, 10.9.8.0" -')).toBe(true);
    expect(anonymiseLine(makeAnonymiser(env, p), `${combinedLine(T0)} 0.012`)!.endsWith('"curl/8 (Other; Bot)" 0.012')).toBe(true);
  });

  it('writes "-" for an empty field the policy drops, even at the start of the line', () => {
    const p = policyFrom(env, "formats:\n  lead:\n    log_format: '$remote_user [$time_local] $status'\nfields:\n  remote_user: drop\n").config;
    const a = makeAnonymiser(env, p, { format: 'lead' });
    expect(anonymiseLine(a, ` [${clfTime(T0 - HOUR)}] 200`)).toBe(`- [${clfTime(T0 - HOUR)}] 200`);
    expect(anonymiseLine(a, `alice [${clfTime(T0 - HOUR)}] 200`)).toBe(`- [${clfTime(T0 - HOUR)}] 200`);
  });
});

describe('format-preserving output', () => {
  it('writes a field the policy drops as "-" (quoted fields keep their quotes)', () => {
    const a = makeAnonymiser(env, 'input:\n  format: combined\nfields:\n  http_referer: drop\n  request: drop\n  remote_addr: drop\n');
    const out = anonymiseLine(a, combinedLine(T0))!;
    expect(out).toBe(`- - - [${clfTime(T0 - HOUR)}] "-" 200 5120 "-" "curl/8 (Other; Bot)"`);
  });

  it('drops a field no policy names (fail closed)', () => {
    const ctx = makeContext(env);
    const f = textFormat('combined', BUILTIN_TEXT_FORMATS.combined, [], { time_local: { transform: 'keep' } }, ctx);
    const line = combinedLine(T0, { remote_user: 'alice' });
    expect(f.parse(line, 0, line.length, f.record)).toBe(MATCH);
    expect(f.write(f.record)).toBe(`- - - [${clfTime(T0 - HOUR)}] "-" - - "-" "-"`);
  });

  it('returns the line unchanged when the policy keeps every field', () => {
    const ctx = makeContext(env);
    const keep = { transform: 'keep' } as const;
    const fields = Object.fromEntries(compileTemplate(BUILTIN_TEXT_FORMATS.combined).fields.map((f) => [f.name, keep]));
    const f = textFormat('combined', BUILTIN_TEXT_FORMATS.combined, [], fields, ctx);
    const chunk = `x\n${combinedLine(T0)}\ny`;
    expect(f.parse(chunk, 2, chunk.length - 2, f.record)).toBe(MATCH);
    expect(f.write(f.record)).toBe(combinedLine(T0));
  });

  it('parses the event time from $time_local with its zone', () => {
    const ctx = makeContext(env);
    const f = textFormat('common', BUILTIN_TEXT_FORMATS.common, [], {}, ctx);
    const line = commonLine(T0, { time: T0 - 30 * MINUTE }).replace(clfTime(T0 - 30 * MINUTE), clfTime(T0 - 30 * MINUTE, 120));
    f.parse(line, 0, line.length, f.record);
    expect(f.record.time).toBe(T0 - 30 * MINUTE);
    const bad = commonLine(T0).replace(/\[[^\]]+\]/, '[32/Nov/2026:10:00:00 +0000]');
    expect(f.parse(bad, 0, bad.length, f.record)).toBe(MATCH);
    expect(f.record.time).toBeNaN();
  });
});

describe('round trip (property)', () => {
  const KEEP_ALL = [
    'fields:',
    ...['remote_addr', 'remote_logname', 'remote_user', 'time_local', 'request', 'status', 'body_bytes_sent', 'bytes_sent', 'http_referer', 'http_user_agent', 'host', 'server_port', 'http_x_forwarded_for', 'request_time'].map(
      (n) => `  ${n}: keep`,
    ),
    'formats:',
    '  combined:',
    '    extra_fields: [http_x_forwarded_for, request_time]',
    '',
  ].join('\n');

  it.each(TEXT_LAYOUTS)('parse then write under an all-keep policy is byte-identical for %s lines', (layout: TextLayout) => {
    const policy = policyFrom(env, KEEP_ALL).config;
    const a = makeAnonymiser(env, policy, { format: FORMAT_OF[layout] });
    fc.assert(
      fc.property(fieldsArb(T0), (f) => {
        const line = lineOf(layout, f);
        expect(anonymiseLine(a, line)).toBe(line);
      }),
      { seed: SEED, numRuns: 300 },
    );
    expect(a.stats.linesOut).toBe(a.stats.linesIn);
  });

  it.each(TEXT_LAYOUTS)('under the default policy a %s line comes out valid in its format, and every field the policy keeps is byte-identical', (layout: TextLayout) => {
    const policy: PolicyConfig = policyFrom(env).config;
    const format = FORMAT_OF[layout] as keyof typeof BUILTIN_TEXT_FORMATS;
    const a = makeAnonymiser(env, policy, { format });
    const names = compileTemplate(BUILTIN_TEXT_FORMATS[format]).fields.map((f) => f.name);
    const named = ['http_x_forwarded_for'];
    fc.assert(
      fc.property(fieldsArb(T0, 2), (f) => {
        const line = lineOf(layout, f);
        const out = anonymiseLine(a, line);
        expect(out).toBeDefined();
        const before = fieldsOf(format, line)!;
        const after = fieldsOf(format, out!)!;
        expect(after, out).toBeDefined();
        expect(Object.keys(after)).toEqual(Object.keys(before));
        for (const name of names) {
          const spec = policy.fields[name];
          if (spec?.transform === 'keep') expect(after[name]).toBe(before[name]);
          if (spec === undefined || spec.transform === 'drop') expect(after[name]).toBe('-');
        }
        // Appended: the named XFF is truncated in place, the unnamed request_time dropped.
        for (let k = named.length; `+${k}` in before; k++) expect(after[`+${k}`]).toBe('-');
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
