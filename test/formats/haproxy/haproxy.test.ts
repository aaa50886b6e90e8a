/** `haproxy`: syslog headers, the accept date's zone, captured headers, escapes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFormat } from '../../../src/runtime/build.js';
import { anonymiseWith, restampedFixture } from '../../helpers/cloud.js';
import { makeEnv, policyFrom, T0, type TestEnv } from '../../helpers/env.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

const CAPTURES = { formats: { haproxy: { request_captures: ['http_host', 'http_user_agent', 'http_x_forwarded_for'] } } };

describe('haproxy', () => {
  it('drops the syslog header by default and keeps the tag: the line is then as the manual prints it', () => {
    const { out } = anonymiseWith(env, 'haproxy', restampedFixture('haproxy', 'haproxy.log', T0).split('\n')[0]!);
    expect(out[0]).toMatch(/^haproxy\[14389\]: 10\.0\.1\.0: \[/);
  });

  it('reads the accept date in the configured zone, and in the offset of an RFC 5424 header when there is one', () => {
    const line = 'haproxy[1]: 10.0.1.2:33317 [14/Mar/2031:12:00:00.000] fe be/s1 1/0/2/3/6 200 100 - - ---- 1/1/1/1/0 0/0 "GET / HTTP/1.1"';
    const at = (zone: string | undefined): number => {
      const f = buildFormat(policyFrom(env, JSON.stringify({ formats: { haproxy: zone === undefined ? {} : { time_zone: zone } } }), 'json').config, 'haproxy');
      f.decode(line, 0, line.length);
      return f.event.time;
    };
    expect(at(undefined)).toBe(Date.UTC(2031, 2, 14, 12));
    expect(at('+02:00')).toBe(Date.UTC(2031, 2, 14, 10));
    expect(at('Europe/Stockholm')).toBe(Date.UTC(2031, 2, 14, 11));
    const f = buildFormat(policyFrom(env).config, 'haproxy');
    const rfc5424 = `<134>1 2031-06-12T10:09:11.823400+02:00 - normal 224482 - - 127.0.0.1:53594 [12/Jun/2031:10:09:11.814] myproxy myproxy/<NOSRV> 0/-1/-1/-1/0 200 49 - - LR-- 1/1/0/0/0 0/0 "GET / HTTP/1.1"`;
    f.decode(rfc5424, 0, rfc5424.length);
    expect(f.event.time).toBe(Date.UTC(2031, 5, 12, 8, 9, 11, 814));
  });

  it('refuses a time zone it does not know', () => {
    expect(() => policyFrom(env, JSON.stringify({ formats: { haproxy: { time_zone: 'Mars/Olympus' } } }), 'json')).toThrow(/time_zone/);
  });

  it('applies the rules of the named capture positions and drops the unnamed ones', () => {
    const text = restampedFixture('haproxy', 'haproxy-constructed.log', T0);
    const { out } = anonymiseWith(env, 'haproxy', text, CAPTURES);
    expect(out[0]).toContain('{shop.example.com|');
    expect(out[0]).toContain('|198.51.100.0, 10.0.0.0}');
    expect(out[0]).not.toContain('rv:124');
    // With no names, every position is dropped (written empty).
    const bare = anonymiseWith(env, 'haproxy', text).out;
    expect(bare[0]).toContain(' {||} {} ');
  });

  it('splits an unbracketed IPv6 client at the last colon, removes a query value written with #22 escapes, and reads <BADREQ>', () => {
    const { out, stats } = anonymiseWith(env, 'haproxy', restampedFixture('haproxy', 'haproxy-constructed.log', T0), CAPTURES);
    expect(stats.linesOut).toBe(2);
    expect(out[0]).toMatch(/^haproxy\[2211\]: 2001:db8:4::: \[/);
    // `q` is not on the allow-list: its value goes, escapes and all (HAProxy writes `"` as #22).
    expect(out[0]).toContain('"GET /search?q=');
    expect(out[0]).not.toContain('alice');
    expect(out[0]).not.toContain('alice@example.com');
    expect(out[1]).toMatch(/"<BADREQ>"$/);
  });
});
