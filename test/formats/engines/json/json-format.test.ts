import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MATCH, NO_MATCH } from '../../../../src/formats/format.js';
import { JsonFormat } from '../../../../src/formats/engines/json/json-format.js';
import { type Anonymiser, anonymiseLine, formatContext, HOUR, makeAnonymiser, makeContext, makeEnv, policyFrom, T0, type TestEnv, underPolicy } from '../../../helpers/env.js';
import { clfTime, isoTime, jsonLine } from '../../../helpers/lines.js';

let env: TestEnv;
let a: Anonymiser;
beforeAll(() => {
  env = makeEnv();
  a = makeAnonymiser(env, 'input:\n  format: json\n');
});
afterAll(() => env.cleanup());

const PSEUDONYM = /^[A-Za-z0-9_-]{22}$/;

/** Anonymises one JSON line with `anonymiser` and parses the output. */
function run(line: string, anonymiser: Anonymiser = a): Record<string, unknown> | undefined {
  const out = anonymiseLine(anonymiser, line);
  return out === undefined ? undefined : (JSON.parse(out) as Record<string, unknown>);
}

/** Every key path of a parsed document (`a`, `a.b`, …). */
function keyPaths(doc: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(doc).flatMap(([k, v]) => {
    const full = prefix === '' ? k : `${prefix}.${k}`;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? keyPaths(v as Record<string, unknown>, full) : [full];
  });
}

describe('nginx escape=json access logs', () => {
  it('anonymises a line whose values are all strings, keeping numbers-as-strings as strings', () => {
    const line = JSON.stringify({
      time_local: clfTime(T0 - HOUR),
      remote_addr: '81.6.12.34',
      remote_user: 'alice',
      request: 'GET /reset?email=jo@example.com HTTP/1.1',
      status: '200',
      body_bytes_sent: '512',
      request_time: '0.012',
      http_referer: 'https://www.example.com/',
      http_user_agent: 'curl/8.5.0',
      http_x_forwarded_for: '10.1.2.3, 192.168.7.8',
    });
    const doc = run(line)!;
    expect(doc).toMatchObject({
      time_local: clfTime(T0 - HOUR),
      remote_addr: '81.6.12.0',
      status: '200',
      body_bytes_sent: '512',
      request_time: '0.012',
      http_referer: 'https://www.example.com/',
      http_user_agent: 'curl/8 (Other; Bot)',
      http_x_forwarded_for: '10.1.2.0, 192.168.7.0',
    });
    expect(doc.remote_user).toMatch(PSEUDONYM);
    expect(doc.request).not.toContain('jo@example.com');
    expect(doc.visitor_id).toMatch(PSEUDONYM);
  });
});

describe('application logs', () => {
  it('applies the default policy to the common field names', () => {
    const doc = run(
      jsonLine(T0, {
        client_ip: '81.6.12.34',
        x_forwarded_for: '2001:db8:1:2::9',
        user_id: 'u-1001',
        userId: 'u-1001',
        session_id: 'sess-abc',
        email: 'jo@example.com',
        request: 'GET / HTTP/1.1',
        status: 503,
        http_user_agent: 'curl/8.5.0',
        http_referer: 'https://x.example/?phone=+46701234567',
      }),
    )!;
    expect(doc).toMatchObject({ client_ip: '81.6.12.0', x_forwarded_for: '2001:db8:1::', request: 'GET / HTTP/1.1', status: 503, http_user_agent: 'curl/8 (Other; Bot)' });
    for (const k of ['user_id', 'userId', 'session_id', 'email']) expect(doc[k], k).toMatch(PSEUDONYM);
    // user_id and userId share the role "user", so one person gets one pseudonym.
    expect(doc.user_id).toBe(doc.userId);
    expect(doc.session_id).not.toBe(doc.user_id);
    expect(doc.http_referer).not.toContain('46701234567');
  });

  it('leaves "-" and "" unpseudonymised', () => {
    const doc = run(jsonLine(T0, { user_id: '-', userId: '', email: 'x@example.com' }))!;
    expect(doc).toMatchObject({ user_id: '-', userId: '' });
  });

  it('applies string transforms to numbers as text, and to lists element by element', () => {
    const doc = run(jsonLine(T0, { user_id: 12345, x_forwarded_for: ['81.6.12.34', '10.0.0.1', { ip: '1.2.3.4' }], status: 200, bytes: 17 }))!;
    expect(doc.user_id).toMatch(PSEUDONYM);
    expect(doc.x_forwarded_for).toEqual(['81.6.12.0', '10.0.0.0', null]);
    expect(doc).toMatchObject({ status: 200, bytes: 17 });
  });

  it.each([
    ['time', new Date(T0 - HOUR).toISOString()],
    ['timestamp', isoTime(T0 - HOUR)],
    ['@timestamp', `${new Date(T0).toISOString().slice(0, 10)}T12:00:00+01:00`],
    ['time_iso8601', isoTime(T0 - HOUR)],
    ['time_local', clfTime(T0 - HOUR, -300)],
    ['ts', (T0 - HOUR) / 1000],
    ['ts', T0 - HOUR],
    ['time', T0 - HOUR + 0.5],
    ['msec', `${(T0 - HOUR) / 1000}.250`],
  ])('reads the event time from %s (%s)', (field, value) => {
    const fields = policyFrom(env).config.fields;
    const f = underPolicy(new JsonFormat({ timestampFields: policyFrom(env).config.formats.json!.timestamp_fields as string[], visitorIdField: undefined }, formatContext('json', fields)), fields, makeContext(env));
    const line = JSON.stringify({ [field]: value, status: 200 });
    expect(f.parse(line, 0, line.length, f.record)).toBe(MATCH);
    expect(Math.abs(f.record.time - (T0 - HOUR))).toBeLessThan(1000);
    expect(run(line)).toMatchObject({ [field]: value, status: 200 });
  });

  it('tries the next time field when the first present one does not parse, and drops the one that is not a time', () => {
    const b = makeAnonymiser(env, 'input:\n  format: json\n');
    const doc = run(JSON.stringify({ time: 0.012, timestamp: isoTime(T0 - HOUR), status: 200 }), b);
    // A kept time field must hold a time (issue: kept fields fail closed, type included).
    expect(doc).toMatchObject({ timestamp: isoTime(T0 - HOUR) });
    expect(doc).not.toHaveProperty('time');
    expect(b.stats.rejected).toEqual({ time: 1 });
  });

  it('counts a line without a usable time as no_timestamp', () => {
    const b = makeAnonymiser(env, 'input:\n  format: json\n');
    expect(run(JSON.stringify({ status: 200 }), b)).toBeUndefined();
    expect(run(JSON.stringify({ time: 'yesterday', status: 200 }), b)).toBeUndefined();
    expect(run(JSON.stringify({ time: null }), b)).toBeUndefined();
    expect(b.stats.dropped.no_timestamp).toBe(3);
  });

  it('does not match a line that is not a JSON object', () => {
    const f = underPolicy(new JsonFormat({ timestampFields: ['time'], visitorIdField: undefined }, formatContext('json', {})), {}, makeContext(env));
    for (const line of ['[1,2]', '"x"', '{"time": ', '{} trailing', 'null', ' {"a":1}', '']) {
      expect(f.parse(line, 0, line.length, f.record), line).toBe(NO_MATCH);
    }
    const chunk = 'x\n{"time":"2026-11-22T10:00:00Z"}\ny';
    expect(f.parse(chunk, 2, chunk.length - 2, f.record)).toBe(MATCH);
  });
});

describe('nested objects', () => {
  const nested = [
    'input:',
    '  format: json',
    'fields:',
    '  http.request.method: keep',
    '  http.request.client.ip: truncate-ip',
    '  user.id: pseudonymise',
    '  request.path: redact',
    '',
  ].join('\n');

  it('reaches nested fields by dotted policy names and drops their unnamed siblings', () => {
    const b = makeAnonymiser(env, nested);
    const doc = run(
      jsonLine(T0, {
        http: { request: { method: 'GET', client: { ip: '81.6.12.34', port: 5555 }, secret: 'x' }, version: '1.1' },
        user: { id: 'alice', name: 'Alice Svensson', roles: ['admin'] },
        request: { path: '/u/jo@example.com', cookie: 'sid=1' },
      }),
      b,
    )!;
    expect(doc.http).toEqual({ request: { method: 'GET', client: { ip: '81.6.12.0' } } });
    expect(Object.keys(doc.user as object)).toEqual(['id']);
    expect((doc.user as { id: string }).id).toMatch(PSEUDONYM);
    expect(doc.request).toEqual({ path: expect.not.stringContaining('jo@example.com') });
  });

  it('applies a name\'s own policy when its value is text and walks it when it is an object (request beside request.path)', () => {
    const b = makeAnonymiser(env, nested);
    expect(run(jsonLine(T0, { request: 'GET /u/jo@example.com HTTP/1.1' }), b)!.request).toMatch(/^GET \/u\/\S+ HTTP\/1\.1$/);
    expect(run(jsonLine(T0, { request: { path: '/a', method: 'GET' } }), b)!.request).toEqual({ path: '/a' });
  });

  it('accepts a flat key that is itself dotted', () => {
    const b = makeAnonymiser(env, nested);
    expect(run(jsonLine(T0, { 'http.request.method': 'POST' }), b)!.http).toEqual({ request: { method: 'POST' } });
  });

  it('does not keep an object whole under a name the policy keeps: its keys were never named', () => {
    const doc = run(jsonLine(T0, { status: { code: 200, email: 'jo@example.com' }, level: ['info', { user: 'alice' }] }))!;
    expect(doc).not.toHaveProperty('status');
    expect(doc.level).toEqual(['info', null]);
    expect(JSON.stringify(doc)).not.toContain('jo@example.com');
    expect(JSON.stringify(doc)).not.toContain('alice');
  });
});

describe('fail closed', () => {
  it('drops unknown fields, nested unknown ones included, so the output holds only names the policy gives (+ visitor_id)', () => {
    const policy = policyFrom(env).config;
    const named = new Set([...Object.keys(policy.fields), 'visitor_id']);
    const doc = run(
      jsonLine(T0, {
        client_ip: '81.6.12.34',
        password: 'hunter2',
        headers: { authorization: 'Bearer abc', cookie: 'sid=1' },
        user: { email: 'jo@example.com' },
        status: 200,
        method: 'GET',
        level: 'info',
      }),
    )!;
    expect(keyPaths(doc).filter((k) => !named.has(k))).toEqual([]);
    expect(Object.keys(doc).sort()).toEqual(['client_ip', 'level', 'method', 'status', 'time', 'visitor_id']);
  });

  it('adds visitor_id when the record has a client address, and not otherwise', () => {
    const withIp = run(jsonLine(T0, { remote_addr: '81.6.12.34', http_user_agent: 'curl/8.5.0' }))!;
    const sameVisitor = run(jsonLine(T0, { client_ip: '81.6.12.34', user_agent: 'curl/8.5.0' }))!;
    const otherUa = run(jsonLine(T0, { client_ip: '81.6.12.34', user_agent: 'Wget/1.21' }))!;
    expect(withIp.visitor_id).toMatch(PSEUDONYM);
    expect(sameVisitor.visitor_id).toBe(withIp.visitor_id);
    expect(otherUa.visitor_id).not.toBe(withIp.visitor_id);
    expect(run(jsonLine(T0, { status: 200 }))).not.toHaveProperty('visitor_id');
    expect(run(jsonLine(T0, { client_ip: '-' }))).not.toHaveProperty('visitor_id');
    expect(run(jsonLine(T0, { client_ip: '' }))).not.toHaveProperty('visitor_id');
  });

  it('derives the visitor id from the full address even when the policy drops the address', () => {
    const b = makeAnonymiser(env, 'input:\n  format: json\nfields:\n  client_ip: drop\n');
    const doc = run(jsonLine(T0, { client_ip: '81.6.12.34', user_agent: 'curl/8.5.0' }), b)!;
    expect(doc).not.toHaveProperty('client_ip');
    expect(doc.visitor_id).toBe(run(jsonLine(T0, { client_ip: '81.6.12.34', user_agent: 'curl/8.5.0' }))!.visitor_id);
  });

  it('leaves visitor_id out when formats.json.visitor_id is false, and names it as configured', () => {
    const off = makeAnonymiser(env, 'input:\n  format: json\nformats:\n  json:\n    visitor_id: false\n');
    expect(run(jsonLine(T0, { client_ip: '81.6.12.34' }), off)).not.toHaveProperty('visitor_id');
    const renamed = makeAnonymiser(env, 'input:\n  format: json\nformats:\n  json:\n    visitor_id: vid\n');
    expect(run(jsonLine(T0, { client_ip: '81.6.12.34' }), renamed)!.vid).toMatch(PSEUDONYM);
  });

  it('reads a time field the policy drops, without writing it', () => {
    const b = makeAnonymiser(env, 'input:\n  format: json\nfields:\n  time: drop\n');
    const doc = run(jsonLine(T0, { status: 200 }), b)!;
    expect(doc).toEqual({ status: 200 });
  });

  it('ignores JSON keys named like Object.prototype members', () => {
    const doc = run(`{"time":"${isoTime(T0 - HOUR)}","__proto__":{"status":1},"constructor":"x","status":200}`)!;
    expect(doc).toEqual({ time: isoTime(T0 - HOUR), status: 200 });
    expect(({} as Record<string, unknown>).status).toBeUndefined();
  });
});
