import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFormat, candidateNames } from '../../src/runtime/build.js';
import { DROP_REASONS } from '../../src/pipeline/stats.js';
import { fieldsArb, FORMAT_OF, lineOf, TEXT_LAYOUTS } from '../helpers/arbitraries.js';
import { anonymiseLine, anonymiseText, DAY, HOUR, makeAnonymiser, makeContext, makeEnv, MINUTE, policyFrom, T0, type TestEnv } from '../helpers/env.js';
import { clfTime, combinedLine, commonLine, isoTime, jsonLine, vhostCombinedLine } from '../helpers/lines.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

const SEED = 0x0a11_0de7;

describe('timestamps', () => {
  const noTime = commonLine(T0).replace(/\[[^\]]+\]/, '[yesterday at noon, roughly]');

  it('counts and drops an event whose timestamp does not parse (input.missing_timestamp: drop)', () => {
    const a = makeAnonymiser(env);
    expect(anonymiseLine(a, noTime)).toBeUndefined();
    expect(anonymiseLine(a, JSON.stringify({ client_ip: '81.6.12.34' }))).toBeUndefined();
    expect(a.stats.dropped.no_timestamp).toBe(2);
    expect(a.stats.linesOut).toBe(0);
  });

  it('stamps such an event with the read time and keeps it under input.missing_timestamp: arrival', () => {
    const a = makeAnonymiser(env, 'input:\n  missing_timestamp: arrival\n');
    // The unparseable time text is not kept: the line shows the stamp, so it still reads as a line of its format.
    expect(anonymiseLine(a, noTime)).toBe(`81.6.12.0 - - [${clfTime(T0)}] "GET /index.html HTTP/1.1" 200 5120`);
    expect(anonymiseLine(a, noTime.replace(/\[[^\]]+\]/, '[-]'))).toBe(`81.6.12.0 - - [${clfTime(T0)}] "GET /index.html HTTP/1.1" 200 5120`);
    const doc = JSON.parse(anonymiseLine(a, JSON.stringify({ client_ip: '81.6.12.34', user_id: 'alice' }))!) as Record<string, string>;
    expect(doc.client_ip).toBe('81.6.12.0');
    // The document says when: the stamp goes in the first time field the policy keeps.
    expect(doc.time).toBe(new Date(T0).toISOString());
    // Pseudonymised under the salt of the arrival time (the injected clock).
    const ctx = makeContext(env);
    expect(doc.user_id).toBe(ctx.pseudonymiser.pseudonym('user', 'alice', T0));
    expect(a.stats.dropped.no_timestamp).toBe(0);
    expect(a.stats.linesOut).toBe(3);
  });

  it('puts the arrival stamp of a JSON event in the first kept time field, over text that is not a time, never over a kept value', () => {
    const a = makeAnonymiser(env, 'input:\n  missing_timestamp: arrival\n  format: json\n');
    const stamp = new Date(T0).toISOString();
    // `time` holds no time: that text is not kept, and the stamp takes its place.
    const doc = JSON.parse(anonymiseLine(a, JSON.stringify({ time: 'slow', client_ip: '81.6.12.34' }))!) as Record<string, string>;
    expect(doc.time).toBe(stamp);
    expect(doc.timestamp).toBeUndefined();
    // A kept value on the way to a nested time field is not replaced by an object.
    const nested = makeAnonymiser(env, 'input:\n  missing_timestamp: arrival\n  format: json\nfields:\n  event: keep\n  event.created: keep\nformats:\n  json:\n    timestamp_fields: [event.created, ts]\n    visitor_id: false\n');
    expect(JSON.parse(anonymiseLine(nested, JSON.stringify({ event: 'login' }))!)).toEqual({ event: 'login', ts: stamp });
    expect(JSON.parse(anonymiseLine(nested, JSON.stringify({ event: { created: 'garbage' } }))!)).toEqual({ event: { created: 'garbage' }, ts: stamp });
    // Every time field dropped by the policy: the stamp is not written anywhere.
    const b = makeAnonymiser(env, 'input:\n  missing_timestamp: arrival\n  format: json\nfields:\n  time: drop\n  timestamp: drop\n  "@timestamp": drop\n  time_iso8601: drop\n  time_local: drop\n  ts: drop\n  msec: drop\n');
    const out = JSON.parse(anonymiseLine(b, JSON.stringify({ client_ip: '81.6.12.34' }))!) as Record<string, string>;
    expect(Object.keys(out).sort()).toEqual(['client_ip', 'visitor_id']);
  });

  it('writes the arrival stamp in the form of the time variable of the layout', () => {
    const layouts = {
      iso: ['$remote_addr [$time_iso8601] "$request" $status', isoTime(T0)],
      msec: ['$remote_addr $msec "$request" $status', (T0 / 1000).toFixed(3)],
    } as const;
    for (const [name, [layout, stamp]] of Object.entries(layouts)) {
      const a = makeAnonymiser(env, `input:\n  missing_timestamp: arrival\n  format: ${name}\nformats:\n  ${name}:\n    log_format: '${layout}'\n`);
      const line = layout.replace('$remote_addr', '81.6.12.34').replace('$time_iso8601', 'not-a-time').replace('$msec', '-').replace('$request', 'GET / HTTP/1.1').replace('$status', '200');
      expect(anonymiseLine(a, line)).toBe(layout.replace('$remote_addr', '81.6.12.0').replace('$time_iso8601', stamp).replace('$msec', stamp).replace('$request', 'GET / HTTP/1.1').replace('$status', '200'));
    }
  });

  it('reads the clock at each batch, not per line', () => {
    const local = makeEnv();
    try {
      const a = makeAnonymiser(local, 'input:\n  missing_timestamp: arrival\n  format: json\n');
      const ctx = makeContext(local);
      a.beginBatch();
      local.clock.t = T0 + 3 * DAY;
      const line = JSON.stringify({ user_id: 'alice' });
      a.source(line, undefined, 0);
      const first = JSON.parse(a.line(0, line.length)!) as { user_id: string };
      expect(first.user_id).toBe(ctx.pseudonymiser.pseudonym('user', 'alice', T0));
    } finally {
      local.cleanup();
    }
  });
});

describe('retention gate at ingest', () => {
  it('drops events older than P6M as expired and keeps those just inside', () => {
    const a = makeAnonymiser(env);
    const t0 = new Date(T0);
    const sixMonthsAgo = Date.UTC(t0.getUTCFullYear(), t0.getUTCMonth() - 6, t0.getUTCDate(), 12); // T0 − P6M (T0 is mid-month at noon)
    expect(anonymiseLine(a, combinedLine(T0, { time: sixMonthsAgo + 1000 }))).toBeDefined();
    expect(anonymiseLine(a, combinedLine(T0, { time: sixMonthsAgo - 1000 }))).toBeUndefined();
    expect(anonymiseLine(a, jsonLine(T0 - 200 * DAY, { status: 200 }))).toBeUndefined();
    expect(a.stats.dropped.expired).toBe(2);
  });

  it('drops events stamped beyond max_future as future', () => {
    const a = makeAnonymiser(env);
    expect(anonymiseLine(a, combinedLine(T0, { time: T0 + 59 * MINUTE }))).toBeDefined();
    expect(anonymiseLine(a, combinedLine(T0, { time: T0 + 61 * MINUTE }))).toBeUndefined();
    expect(a.stats.dropped.future).toBe(1);
  });

  it('honours a shorter retention.keep and a longer max_future', () => {
    const a = makeAnonymiser(env, 'retention:\n  keep: P30D\n  max_future: P1D\n');
    expect(anonymiseLine(a, combinedLine(T0, { time: T0 - 31 * DAY }))).toBeUndefined();
    expect(anonymiseLine(a, combinedLine(T0, { time: T0 - 29 * DAY }))).toBeDefined();
    expect(anonymiseLine(a, combinedLine(T0, { time: T0 + 23 * HOUR }))).toBeDefined();
    expect(a.stats.dropped.expired).toBe(1);
  });

  it('moves the window with the injected clock', () => {
    const local = makeEnv();
    try {
      const a = makeAnonymiser(local);
      const line = combinedLine(T0, { time: T0 - 100 * DAY });
      expect(anonymiseLine(a, line)).toBeDefined();
      local.clock.t = T0 + 100 * DAY;
      expect(anonymiseLine(a, line)).toBeUndefined();
      expect(a.stats.dropped.expired).toBe(1);
    } finally {
      local.cleanup();
    }
  });
});

describe('auto-detection per line', () => {
  const lines = {
    combined: combinedLine(T0, { remote_user: 'alice' }),
    common: commonLine(T0, { remote_user: 'carol' }),
    vhost: vhostCombinedLine(T0, { remote_addr: '2001:db8:aaaa:bbbb::1', remote_user: 'bob' }),
    vhostIpHost: vhostCombinedLine(T0, { host: '10.0.0.1', port: '80', remote_addr: '2001:db8:aaaa:bbbb::1', remote_user: 'bob' }),
    vhostHexHost: vhostCombinedLine(T0, { host: 'cafe.de', remote_addr: '81.6.12.34' }),
    xff: combinedLine(T0, {}, ' "10.1.2.3" 0.012'),
    json: jsonLine(T0, { client_ip: '81.6.12.34', status: 200 }),
  };
  type Key = keyof typeof lines;
  const formatOf: Record<Key, string> = { combined: 'combined', common: 'common', vhost: 'vhost_combined', vhostIpHost: 'vhost_combined', vhostHexHost: 'vhost_combined', xff: 'combined', json: 'json' };

  /** What the line's own format makes of it. */
  function expected(key: Key): string {
    return anonymiseLine(makeAnonymiser(env, undefined, { format: formatOf[key] }), lines[key])!;
  }

  it('parses each line of a mixed file by its own format, in every order', () => {
    const keys = Object.keys(lines) as Key[];
    const want = Object.fromEntries(keys.map((k) => [k, expected(k)])) as Record<Key, string>;
    const policy = policyFrom(env).config;
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...keys), { minLength: 1, maxLength: 12 }), (order) => {
        // A fresh anonymiser each time: detection starts from the first line of the order.
        const a = makeAnonymiser(env, policy);
        const out = anonymiseText(a, order.map((k) => lines[k]).join('\n'));
        expect(out).toEqual(order.map((k) => want[k]));
      }),
      { seed: SEED, numRuns: 80 },
    );
  });

  it('does not take a vhost_combined line after a combined one for combined with "- bob" as remote_user', () => {
    const a = makeAnonymiser(env);
    anonymiseLine(a, lines.combined);
    for (const key of ['vhostIpHost', 'vhostHexHost', 'vhost'] as const) {
      const out = anonymiseLine(a, lines[key])!;
      expect(out, key).toBe(expected(key));
      expect(out).not.toMatch(/ - - [A-Za-z0-9_-]{22} \[/);
    }
  });

  it('does not take a combined line after a common one for common with two unnamed appended fields', () => {
    const a = makeAnonymiser(env);
    anonymiseLine(a, lines.common);
    const out = anonymiseLine(a, lines.combined)!;
    expect(out).toBe(expected('combined'));
    expect(out.endsWith('"https://www.example.com/start" "curl/8 (Other; Bot)"')).toBe(true);
  });

  it('keeps a combined+XFF line combined after a common line (the XFF is truncated, not dropped)', () => {
    const a = makeAnonymiser(env);
    anonymiseLine(a, lines.common);
    expect(anonymiseLine(a, lines.xff)!.endsWith('"10.1.2.0" -')).toBe(true);
  });

  it('matches generated lines of every layout, shuffled, as their own format does', () => {
    const policy = policyFrom(env).config;
    const fixed = Object.fromEntries(TEXT_LAYOUTS.map((l) => [l, makeAnonymiser(env, policy, { format: FORMAT_OF[l] })]));
    const auto = makeAnonymiser(env, policy);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...TEXT_LAYOUTS), fieldsArb(T0, 2)), { minLength: 1, maxLength: 6 }), (items) => {
        for (const [layout, f] of items) {
          const line = lineOf(layout, f);
          expect(anonymiseLine(auto, line)).toBe(anonymiseLine(fixed[layout]!, line));
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
    expect(auto.stats.dropped.unparsed).toBe(0);
  });

  it('never writes a client or forwarded address in full, whichever format takes the line, custom layouts included (property)', () => {
    // Custom layouts ending in an unquoted field used to take a combined+XFF line,
    // reading the quoted XFF as a kept $request_time or $msec.
    const policy = policyFrom(
      env,
      [
        'formats:',
        '  main_rt:',
        `    log_format: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time'`,
        '  iso:',
        `    log_format: '$remote_addr [$time_iso8601] "$request" $status $msec'`,
        '',
      ].join('\n'),
    ).config;
    const ipv4 = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat({ max: 255 }), fc.nat({ max: 255 }), fc.integer({ min: 1, max: 254 })).map((o) => o.join('.'));
    const arb = fc
      .tuple(fc.constantFrom(...TEXT_LAYOUTS), fieldsArb(T0, 2), ipv4, fc.array(ipv4, { minLength: 1, maxLength: 3 }))
      .map(([layout, f, ip, xff]) => ({ line: lineOf(layout, { ...f, remote_addr: ip, xff: xff.join(', ') }), addresses: [ip, ...xff] }));
    for (const format of ['auto', 'main_rt', 'iso']) {
      const a = makeAnonymiser(env, policy, { format });
      fc.assert(
        fc.property(arb, ({ line, addresses }) => {
          const out = anonymiseLine(a, line);
          if (out === undefined) return;
          for (const ip of addresses) expect(out).not.toMatch(new RegExp(`(^|[^0-9.])${ip.replaceAll('.', '\\.')}($|[^0-9])`));
        }),
        { seed: SEED, numRuns: 150 },
      );
    }
  });

  it('rejects an unknown fixed format', () => {
    expect(() => makeAnonymiser(env, undefined, { format: 'nginx_main' })).toThrow(/unknown format nginx_main/);
  });
});

describe('chunking', () => {
  it('gives the same output and counts however the input is chunked, with or without bytes alongside the text (property)', () => {
    const policy = policyFrom(env).config;
    const junk = fc.constantFrom('', 'garbage', '\u0000', 'caf\u00e9 81.6.12.34', '{"time": 1}');
    const lineArb = fc.oneof(
      { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...TEXT_LAYOUTS), fieldsArb(T0, 2)).map(([l, f]) => lineOf(l, f)) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...TEXT_LAYOUTS), fieldsArb(T0, 2)).map(([l, f]) => `${lineOf(l, f)}`.replace('GET /', 'GET /ä')) },
      { weight: 1, arbitrary: junk },
    );
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 8 }), fc.constantFrom('\n', '\r\n'), fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 5 }), (ls, eol, sizes) => {
        const input = ls.join(eol);
        const whole = makeAnonymiser(env, policy);
        const chunked = makeAnonymiser(env, policy);
        expect(anonymiseText(chunked, input, sizes)).toEqual(anonymiseText(whole, input));
        expect(chunked.stats.toJSON()).toEqual(whole.stats.toJSON());
      }),
      { seed: SEED, numRuns: 60 },
    );
  });
});

describe('bad input', () => {
  it('never throws on random bytes or mangled lines, and counts every line in or dropped (property)', () => {
    const policy = policyFrom(env, 'input:\n  max_line_length: 256\n').config;
    const real = fc.tuple(fc.constantFrom(...TEXT_LAYOUTS), fieldsArb(T0, 2)).map(([l, f]) => lineOf(l, f));
    // A real line with a slice cut out, repeated or replaced by random bytes.
    const mangled = fc.tuple(real, fc.nat(), fc.nat(), fc.uint8Array({ maxLength: 8 })).map(([line, i, j, junk]) => {
      const b = Buffer.from(line);
      const a = i % (b.length + 1);
      const c = a + (j % (b.length - a + 1));
      return Buffer.concat([b.subarray(0, a), Buffer.from(junk), b.subarray(c)]);
    });
    const piece = fc.oneof(
      real.map((l) => Buffer.from(l)),
      mangled,
      fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
      fc.constantFrom('{', '{"time":', '{"client_ip":[{}]}', '"', '[', '\\', '\r').map((t) => Buffer.from(t)),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), fc.integer({ min: 1, max: 97 }), (pieces, size) => {
        const a = makeAnonymiser(env, policy, { unparsed: 'scrub' });
        const input = Buffer.concat(pieces.flatMap((p) => [p, Buffer.from('\n')]));
        const out = anonymiseText(a, input, [size], 256);
        expect(a.stats.linesIn).toBe(input.filter((b) => b === 0x0a).length);
        expect(a.stats.linesIn).toBe(a.stats.linesOut + a.stats.droppedTotal);
        expect(out).toHaveLength(a.stats.linesOut);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });
});

describe('unparsed lines', () => {
  it('drops and counts them by default', () => {
    const a = makeAnonymiser(env);
    expect(anonymiseLine(a, 'GET /?email=jo@example.com from 81.6.12.34')).toBeUndefined();
    expect(a.stats.dropped.unparsed).toBe(1);
  });

  it('writes them after free-text redaction with unparsed: scrub, counting them as scrubbed', () => {
    const a = makeAnonymiser(env, undefined, { unparsed: 'scrub' });
    const out = anonymiseLine(a, `${isoTime(T0)} login failed for jo@example.com from 81.6.12.34`)!;
    expect(out).not.toContain('jo@example.com');
    expect(out).not.toContain('81.6.12.34');
    expect(out).toContain('81.6.12.0');
    expect(a.stats.scrubbed).toBe(1);
    expect(a.stats.linesOut).toBe(1);
    expect(a.stats.linesIn).toBe(a.stats.linesOut + a.stats.droppedTotal);
  });

  it('holds a scrubbed line to the retention window by the time found in it, or drops it when it has none', () => {
    const a = makeAnonymiser(env, undefined, { unparsed: 'scrub' });
    // A CLF time in brackets, seven months old: expired like any other event.
    expect(anonymiseLine(a, `81.6.12.34 - - [${clfTime(T0 - 214 * DAY)}] "GET / HTTP/1.1" 200 oops`)).toBeUndefined();
    expect(a.stats.dropped.expired).toBe(1);
    // No time at all: input.missing_timestamp decides (drop by default).
    expect(anonymiseLine(a, 'login failed for jo@example.com')).toBeUndefined();
    expect(a.stats.dropped.no_timestamp).toBe(1);
    // …and arrival stamps it.
    const b = makeAnonymiser(env, 'input:\n  missing_timestamp: arrival\n', { unparsed: 'scrub' });
    expect(anonymiseLine(b, 'login failed for jo@example.com')).toBe('login failed for [email]');
    expect(b.lastEventTime).toBe(T0);
    expect(a.stats.scrubbed + b.stats.scrubbed).toBe(1);
  });
});

describe('stats', () => {
  it('counts every drop reason, and lines in = lines out + dropped', () => {
    const a = makeAnonymiser(env);
    const input = Buffer.concat([
      Buffer.from(`${combinedLine(T0)}\n`), // out
      Buffer.from('\n'), // empty
      Buffer.from('not a log line\n'), // unparsed
      Buffer.from([0x31, 0x2e, 0xff, 0xfe, 0x0a]), // invalid_utf8
      Buffer.from('1.2.3.4 \u0000 x\n'), // nul_byte
      Buffer.from(`${'x'.repeat(300)}\n`), // too_long (max 256 below)
      Buffer.from(`${commonLine(T0).replace(/\[[^\]]+\]/, '[soon]')}\n`), // no_timestamp
      Buffer.from(`${commonLine(T0, { time: T0 - 365 * DAY })}\n`), // expired
      Buffer.from(`${commonLine(T0, { time: T0 + DAY })}\n`), // future
      Buffer.from(`${jsonLine(T0, { status: 200 })}`), // out, last line without newline
    ]);
    const out = anonymiseText(a, input, [7, 64, 1, 300], 256);
    expect(out).toHaveLength(2);
    for (const reason of DROP_REASONS) expect(a.stats.dropped[reason], reason).toBe(1);
    expect(a.stats.linesIn).toBe(10);
    expect(a.stats.linesIn).toBe(a.stats.linesOut + a.stats.droppedTotal);
    expect(a.stats.summary()).toBe('10 lines in, 2 out, 8 dropped (unparsed 1, invalid_utf8 1, nul_byte 1, too_long 1, no_timestamp 1, expired 1, future 1, empty 1)');
  });

  it('counts raw drops reported by the reader', () => {
    const a = makeAnonymiser(env);
    a.dropRaw('too_long', 3);
    a.dropRaw('nul_byte');
    expect(a.stats.linesIn).toBe(4);
    expect(a.stats.dropped).toMatchObject({ too_long: 3, nul_byte: 1 });
  });
});

describe('the composition root', () => {
  it('builds every format of the policy, custom ones from their log_format, custom ones tried first', () => {
    const policy = policyFrom(env, "formats:\n  mine:\n    log_format: '$remote_addr [$time_local] $status'\n").config;
    // The cloud JSON formats before generic json, the cloud text formats before the nginx ones; iis is w3c's alias, not tried.
    expect(candidateNames(policy, 'auto')).toEqual(['mine', 'gcp_lb', 'cloudflare', 'azure_frontdoor', 'caddy', 'cdr', 'json', 'alb', 'elb', 's3', 'haproxy', 'vpcflow', 'cloudfront', 'w3c', 'vhost_combined', 'combined', 'common']);
    const mine = buildFormat(policy, 'mine');
    const line = `81.6.12.34 [${clfTime(T0)}] 200`;
    expect(mine.decode(line, 0, line.length)).toBe(1);
    expect(mine.event.raw(0)).toBe('81.6.12.34');
    const a = makeAnonymiser(env, policy, { format: 'mine' });
    expect(anonymiseLine(a, line)).toBe(`81.6.12.0 [${clfTime(T0)}] 200`);
  });

  it('gives each format its own field policies over the shared ones', () => {
    const policy = policyFrom(env, 'formats:\n  common:\n    fields:\n      remote_addr: drop\n').config;
    const a = makeAnonymiser(env, policy);
    expect(anonymiseLine(a, commonLine(T0))!.startsWith('- - - [')).toBe(true);
    expect(anonymiseLine(a, combinedLine(T0))!.startsWith('81.6.12.0 - - [')).toBe(true);
  });
});
