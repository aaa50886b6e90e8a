/**
 * The op compiler of the composition root (src/runtime/build.ts): each
 * field rule through its transform's registry entry, as the anonymise stage
 * uses the result.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Event, FieldLayout } from '../../src/event/event.js';
import type { Role } from '../../src/event/vocabulary.js';
import { compileFieldOp } from '../../src/runtime/build.js';
import { type CompiledOp, DROP_OP, KEEP_OP, type TransformContext } from '../../src/transforms/transform.js';
import { anonymiseLine, HOUR, makeAnonymiser, makeContext, makeEnv, T0, type TestEnv } from '../helpers/env.js';
import { combinedLine, jsonLine } from '../helpers/lines.js';

let env: TestEnv;
let ctx: TransformContext;
beforeAll(() => {
  env = makeEnv();
  ctx = makeContext(env);
});
afterAll(() => env.cleanup());

/** An event at `time` with client address and user agent, for record ops. */
function record(time = T0 - HOUR, ip = '81.6.12.34'): Event {
  const ev = new Event(new FieldLayout(['client_ip', 'user_agent'], ['client_ip', 'user_agent']));
  ev.values[0] = ip;
  ev.values[1] = 'curl/8.5.0';
  ev.time = time;
  return ev;
}

/** Runs a compiled op over `value` the way a format without bytes does. */
function apply(op: CompiledOp, value: string, rec: Event = record()): string | undefined {
  switch (op.kind) {
    case 'keep':
      return value;
    case 'check':
      return op.shape.text(value, 0, value.length) ? value : undefined;
    case 'drop':
      return undefined;
    case 'pure':
      return op.fn(value);
    case 'record':
      return op.fn(value, rec);
  }
}

describe('compileFieldOp', () => {
  it('compiles keep and drop to shared constants that need no call', () => {
    expect(compileFieldOp({ transform: 'keep' }, 'protocol', undefined, ctx)).toBe(KEEP_OP);
    expect(compileFieldOp({ transform: 'keep' }, 'path', 'path', ctx)).toBe(KEEP_OP);
    expect(compileFieldOp({ transform: 'drop' }, 'x', undefined, ctx)).toBe(DROP_OP);
  });

  it('compiles keep of a field whose role fixes its shape to a check that drops anything else', () => {
    const check = (role: Role, v: string): boolean => {
      const op = compileFieldOp({ transform: 'keep' }, 'f', role, ctx);
      if (op.kind !== 'check') throw new Error(`keep of a ${role} field is ${op.kind}`);
      return op.shape.text(`<${v}>`, 1, v.length + 1);
    };
    expect(check('status', '404')).toBe(true);
    expect(check('status', '-')).toBe(true);
    for (const v of ['jo@example.com', '4040', '40', '']) expect(check('status', v)).toBe(false);
    expect(check('bytes', '5120')).toBe(true);
    for (const v of ['81.6.12.34', '5120 ', '１２']) expect(check('bytes', v)).toBe(false);
    expect(check('duration', '0.012, 0.003 : 1.5')).toBe(true);
    expect(check('duration', 'alice')).toBe(false);
    expect(check('method', 'PROPFIND')).toBe(true);
    expect(check('method', 'get /x')).toBe(false);
    expect(check('host', 'www.example.com:8443')).toBe(true);
    expect(check('host', 'jo@example.com')).toBe(false);
    expect(check('time', '22/Nov/2026:10:11:12 +0000')).toBe(true);
    expect(check('time', '1763806272.123')).toBe(true);
    expect(check('time', 'call me on 0171 555')).toBe(false);
  });

  it('compiles value-only transforms as pure (memoisable), the rest as record ops', () => {
    const kind = (transform: 'truncate-ip' | 'redact' | 'generalise-user-agent' | 'pseudonymise' | 'visitor-id'): CompiledOp => compileFieldOp({ transform }, 'f', undefined, ctx);
    expect(kind('truncate-ip')).toMatchObject({ kind: 'pure', memo: 'never' });
    expect(kind('redact')).toMatchObject({ kind: 'pure', memo: 'adaptive' });
    expect(kind('generalise-user-agent')).toMatchObject({ kind: 'pure', memo: 'always' });
    expect(kind('pseudonymise').kind).toBe('record');
    expect(kind('visitor-id').kind).toBe('record');
  });

  it('never pseudonymises, redacts or generalises "-" or ""', () => {
    for (const transform of ['pseudonymise', 'redact', 'generalise-user-agent'] as const) {
      const op = compileFieldOp({ transform }, 'remote_user', 'user', ctx);
      expect(apply(op, '-'), transform).toBe('-');
      expect(apply(op, ''), transform).toBe('');
      if (op.kind === 'pure') {
        expect(op.fnAscii('-', Buffer.from('-'), 0)).toBe('-');
        expect(op.fnAscii('', Buffer.from(''), 0)).toBe('');
      }
    }
  });

  it('gives fields of one role one namespace: remote_user and user_id share pseudonyms for the same value', () => {
    const remoteUser = compileFieldOp({ transform: 'pseudonymise' }, 'remote_user', 'user', ctx);
    const userId = compileFieldOp({ transform: 'pseudonymise' }, 'user_id', 'user', ctx);
    const session = compileFieldOp({ transform: 'pseudonymise' }, 'session_id', 'session', ctx);
    expect(apply(remoteUser, 'alice')).toBe(apply(userId, 'alice'));
    expect(apply(remoteUser, 'alice')).toBe(ctx.pseudonymiser.pseudonym('user', 'alice', T0 - HOUR));
    expect(apply(session, 'alice')).not.toBe(apply(userId, 'alice'));
  });

  it('uses the field name as namespace when the field has no role, and an explicit namespace over both', () => {
    const noRole = compileFieldOp({ transform: 'pseudonymise' }, 'tenant', undefined, ctx);
    expect(apply(noRole, 'acme')).toBe(ctx.pseudonymiser.pseudonym('tenant', 'acme', T0 - HOUR));
    const shared = compileFieldOp({ transform: 'pseudonymise', namespace: 'user' }, 'customer', undefined, ctx);
    expect(apply(shared, 'alice')).toBe(apply(compileFieldOp({ transform: 'pseudonymise' }, 'user_id', 'user', ctx), 'alice'));
    const apart = compileFieldOp({ transform: 'pseudonymise', namespace: 'staff' }, 'remote_user', 'user', ctx);
    expect(apply(apart, 'alice')).not.toBe(apply(shared, 'alice'));
  });

  it('prepends a per-field prefix over the configured one', () => {
    const op = compileFieldOp({ transform: 'pseudonymise', prefix: 'u_' }, 'user_id', 'user', ctx);
    const plain = compileFieldOp({ transform: 'pseudonymise' }, 'user_id', 'user', ctx);
    expect(apply(op, 'alice')).toBe(`u_${apply(plain, 'alice')}`);
  });

  it('pseudonymises under the salt of the event\'s epoch', () => {
    const op = compileFieldOp({ transform: 'pseudonymise' }, 'user_id', 'user', ctx);
    expect(apply(op, 'alice', record(T0 - HOUR))).toBe(apply(op, 'alice', record(T0 - 2 * HOUR)));
    expect(apply(op, 'alice', record(T0 - HOUR))).not.toBe(apply(op, 'alice', record(T0 - 25 * HOUR)));
  });

  it('truncates addresses, lists of addresses included', () => {
    const op = compileFieldOp({ transform: 'truncate-ip' }, 'http_x_forwarded_for', 'forwarded_for', ctx);
    expect(apply(op, '81.6.12.34, 2001:db8:1:2::1')).toBe('81.6.12.0, 2001:db8:1::');
    if (op.kind === 'pure') expect(op.fnAscii('81.6.12.34', Buffer.from('xx81.6.12.34'), 2)).toBe('81.6.12.0');
  });

  it('scans only the target of a request line, and the whole of other text', () => {
    const request = compileFieldOp({ transform: 'redact' }, 'request', 'request', ctx);
    const other = compileFieldOp({ transform: 'redact' }, 'message', 'message', ctx);
    const line = 'GET /?mail=jo@example.com HTTP/1.1';
    if (request.kind !== 'pure' || other.kind !== 'pure') throw new Error('redact is pure');
    expect(request.fnAscii(line, Buffer.from(line), 0)).toBe(other.fnAscii(line, Buffer.from(line), 0));
    expect(request.fn(line)).not.toContain('jo@example.com');
  });

  it('writes the visitor id for a visitor-id field, "-" without a client address', () => {
    const op = compileFieldOp({ transform: 'visitor-id' }, 'vid', undefined, ctx);
    expect(apply(op, 'whatever')).toBe(ctx.pseudonymiser.visitorId('', '81.6.12.34', 'curl/8.5.0', T0 - HOUR));
    expect(apply(op, 'whatever', record(T0 - HOUR, '-'))).toBe('-');
  });

  it('drops a kept field whose value does not have its role\'s shape, in JSON and in text', () => {
    const a = makeAnonymiser(env);
    const doc = JSON.parse(anonymiseLine(a, jsonLine(T0, { status: 'jo@example.com', bytes: 5120, host: 'www.example.com', request_time: 'alice' }))!) as Record<string, unknown>;
    expect(doc).not.toHaveProperty('status');
    expect(doc).not.toHaveProperty('request_time');
    expect(doc.bytes).toBe(5120);
    expect(doc.host).toBe('www.example.com');
    const text = anonymiseLine(a, `${combinedLine(T0)} "-" alice@example.com`)!;
    expect(text).not.toContain('alice');
    expect(text.endsWith(' -')).toBe(true);
  });

  it('applies a role-sharing pseudonym across formats: the same user in combined and JSON', () => {
    const a = makeAnonymiser(env);
    const text = anonymiseLine(a, combinedLine(T0, { remote_user: 'alice' }))!;
    const json = JSON.parse(anonymiseLine(a, jsonLine(T0, { user_id: 'alice', userId: 'alice' }))!) as Record<string, string>;
    expect(text.split(' ')[2]).toBe(json.user_id);
    expect(json.userId).toBe(json.user_id);
  });
});
