import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ROLE_OF_NAME, ROLE_SHAPES, ROLES, roleOfName, shapeOf } from '../../src/event/vocabulary.js';

describe('roles of field names', () => {
  it('maps only to known roles', () => {
    for (const [name, role] of Object.entries(ROLE_OF_NAME)) expect(ROLES, name).toContain(role);
  });

  it('gives the user identifiers of every format one role, so they share pseudonyms', () => {
    for (const name of ['remote_user', 'user_id', 'userId', 'username']) expect(ROLE_OF_NAME[name], name).toBe('user');
  });

  it('knows the client address, user agent and host of nginx, Apache and JSON logs (the visitor id reads them)', () => {
    for (const name of ['remote_addr', 'client_ip', 'clientIp', 'ip']) expect(ROLE_OF_NAME[name], name).toBe('client_ip');
    for (const name of ['http_user_agent', 'user_agent', 'userAgent']) expect(ROLE_OF_NAME[name], name).toBe('user_agent');
    for (const name of ['host', 'http_host', 'server_name']) expect(ROLE_OF_NAME[name], name).toBe('host');
  });

  it('declares the roles the cloud and traffic-metadata formats need', () => {
    for (const role of ['account', 'device', 'subscriber', 'imsi', 'imei', 'cell', 'server_ip', 'client_port', 'server_port', 'protocol', 'bytes_in', 'bytes_out', 'date', 'time_of_day'] as const) {
      expect(ROLES).toContain(role);
    }
  });

  it('takes the policy\'s role over the name\'s, and never an inherited property', () => {
    expect(roleOfName('remote_addr')).toBe('client_ip');
    expect(roleOfName('remote_addr', 'user')).toBe('user');
    expect(roleOfName('x_custom')).toBeUndefined();
    expect(roleOfName('constructor')).toBeUndefined();
    expect(roleOfName('__proto__')).toBeUndefined();
  });
});

describe('the shape a kept value of a role must have', () => {
  const text = (role: keyof typeof ROLE_SHAPES, v: string): boolean => shapeOf(role)!.text(`<${v}>`, 1, v.length + 1);
  const value = (role: keyof typeof ROLE_SHAPES, v: unknown): boolean => shapeOf(role)!.value(v);

  it('admits the values of the role, in text and as JSON values of the right type', () => {
    expect(text('status', '404') && value('status', 404) && value('status', '200')).toBe(true);
    expect(text('bytes', '5120') && value('bytes', 5120) && text('bytes', '-')).toBe(true);
    expect(text('duration', '0.012, 0.003 : 1.5') && text('duration', '153') && value('duration', 0.25) && text('duration', '12ms')).toBe(true);
    expect(text('time', '22/Nov/2026:10:11:12 +0000') && value('time', 1763806272) && value('time', '2026-11-22T10:11:12Z')).toBe(true);
    expect(text('host', 'www.example.com:8443') && text('host', 'api-1.example.se')).toBe(true);
    expect(text('server_port', '443') && value('server_port', 8443) && text('protocol', 'HTTP/2.0')).toBe(true);
    expect(text('date', '2026-12-01') && text('time_of_day', '10:11:12') && text('time_of_day', '10:11:12.123')).toBe(true);
  });

  it('drops lists, objects, and numbers that are not the role\'s: a kept field holds exactly its role\'s shape', () => {
    expect(value('time', ['anna@example.se'])).toBe(false);
    expect(value('time', { at: 1 })).toBe(false);
    expect(value('status', 46701234567)).toBe(false);
    expect(value('bytes', -1) || value('bytes', 1.5)).toBe(false);
    expect(value('server_port', 70000) || text('server_port', '99999')).toBe(false);
    expect(value('duration', 46701234567)).toBe(false);
  });

  it('does not take phone numbers, personal identity numbers or addresses for durations', () => {
    for (const v of ['46701234567', '070-123 45 67', '811218-9876', '19811218-9876', '81.6.12.34', '2001:db8::1', '+46 70 123 45 67', 'alice']) expect(text('duration', v), v).toBe(false);
  });

  it('does not take an address for a host name: a kept host is a DNS name', () => {
    for (const v of ['81.6.12.34', '81.6.12.34:443', '[2a02:db8::1]:443', '2001:db8::1', 'jo@example.com', '10']) expect(text('host', v), v).toBe(false);
  });

  it('keeps a dimension only when it is a short category token, never an address, a long number, an id or an e-mail address', () => {
    for (const v of ['Hit', 'ECDHE-RSA-AES128-GCM-SHA256', 'TLS 1.2', 'apse2-az3', 'SFO-fbae48ad', 'text/html; charset=utf-8', '<NOSRV>', '12/12/3/1/0', '', '-'])
      expect(text('dimension', v) || v === '', v).toBe(true);
    for (const v of ['81.6.12.34', '2001:db8::1', 'jo@example.com', '46701234567', 'arn:aws:iam::123456789012:user/jo', '3a6050bcbe121a87', 'AKIAIOSFODNN7EXAMPLE', 'a  b', ' lead', 'x'.repeat(97)])
      expect(text('dimension', v), v).toBe(false);
    expect(value('dimension', true) && value('dimension', 13335) && value('dimension', ['Hit', 'Miss']) && value('dimension', '')).toBe(true);
    expect(value('dimension', 46701234567) || value('dimension', ['81.6.12.34']) || value('dimension', { a: 1 })).toBe(false);
  });

  it('admits the values the cloud formats document: status 000 and -1, duration -1, nanosecond epochs; not an address for a protocol', () => {
    expect(text('status', '000') && text('status', '-1') && value('status', 0) && text('duration', '-1') && value('time', 1506702504433000200)).toBe(true);
    expect(text('status', '012') || text('protocol', '81.6.12.34') || text('protocol', '46701234567')).toBe(false);
    expect(text('protocol', 'HTTP/2.0') && text('protocol', 'TLSv1.3') && text('protocol', '6')).toBe(true);
    // A DNS label is at most 63 characters: a 64-hex id is not a host.
    expect(text('host', 'a'.repeat(64))).toBe(false);
  });

  it('never throws, for any text or value (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...(Object.keys(ROLE_SHAPES) as (keyof typeof ROLE_SHAPES)[])), fc.oneof(fc.string(), fc.jsonValue()), (role, v) => {
        if (typeof v === 'string') expect(typeof text(role, v)).toBe('boolean');
        expect(typeof value(role, v)).toBe('boolean');
      }),
      { seed: 0x50a9e, numRuns: 2000 },
    );
  });
});

describe('the host shape', () => {
  it('refuses a label that is an IBAN with a valid check, and keeps host names that only look alike', () => {
    const host = shapeOf('host')!;
    const ok = (v: string): boolean => host.text(v, 0, v.length);
    expect(ok('SE4550000000058398257466')).toBe(false);
    expect(ok('se4550000000058398257466.example.com')).toBe(false);
    expect(ok('SE4550000000058398257467')).toBe(true); // check digits wrong: not an IBAN
    expect(ok('cdn-eu-west-1.example.com')).toBe(true);
    expect(ok('www.example.se:8443')).toBe(true);
  });
});
