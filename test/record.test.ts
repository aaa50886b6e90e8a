import { describe, expect, it } from 'vitest';
import { LogRecord, ROLE_OF_NAME, ROLES } from '../src/record.js';

describe('LogRecord', () => {
  it('starts with every field absent and no time', () => {
    const rec = new LogRecord(3);
    expect([...rec.starts]).toEqual([-1, -1, -1]);
    expect([...rec.ends]).toEqual([-1, -1, -1]);
    expect(rec.raw).toEqual([undefined, undefined, undefined]);
    expect(rec.time).toBeNaN();
    expect(rec.visitorId).toBeUndefined();
  });

  it('reads a text field as a range of its source', () => {
    const rec = new LogRecord(2, {}, true);
    rec.src = 'xx 81.6.12.34 yy';
    rec.starts[0] = 3;
    rec.ends[0] = 13;
    expect(rec.value(0)).toBe('81.6.12.34');
    expect(rec.value(1)).toBeUndefined();
  });

  it('reads a JSON field from raw, only when it is a string', () => {
    const rec = new LogRecord(3);
    rec.raw[0] = 'alice';
    rec.raw[1] = 42;
    expect(rec.value(0)).toBe('alice');
    expect(rec.value(1)).toBeUndefined();
    expect(rec.value(2)).toBeUndefined();
  });

  it('finds a role in the first of its fields that is present', () => {
    const rec = new LogRecord(3, { client_ip: [0, 1], user_agent: [2] });
    rec.raw[1] = '10.0.0.1';
    expect(rec.rawOf('client_ip')).toBe('10.0.0.1');
    rec.raw[0] = '81.6.12.34';
    expect(rec.rawOf('client_ip')).toBe('81.6.12.34');
    expect(rec.rawOf('user_agent')).toBeUndefined();
    expect(rec.rawOf('host')).toBeUndefined();
  });
});

describe('ROLE_OF_NAME', () => {
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
});
